"""Figures of the home page: how many published actions, centres and départements; the most used keywords.

Read from the catalogue index (``catalogue_index``): no query once it is built for the current version. The
SQL versions in ``tests/oracles.py`` are the reference implementations the tests compare with.
"""

from actions_catalog.catalogue import index as catalogue_index
from actions_catalog.core.models import Keyword

TOP_KEYWORDS = 12


def headline_figures(index=None) -> dict[str, int]:
    """Published actions, the centres and the départements they come from."""
    return (index or catalogue_index.current()).headline_figures()


def top_keywords(limit: int = TOP_KEYWORDS, index=None) -> list[Keyword]:
    """The keywords of the most published actions (unsaved ``Keyword`` objects), each with ``count``."""
    result = []
    for slug, label, count in (index or catalogue_index.current()).top_keywords(limit):
        keyword = Keyword(slug=slug, label=label)
        keyword.count = count
        result.append(keyword)
    return result
