"""Figures of the home page: how many published actions, centres and départements; the most used keywords;
the latest actions ("Nouveautés").

Read from the catalogue index (``catalogue_index``): no query once it is built for the current version, but
the one that reads the latest actions by primary key. The SQL versions in ``tests/oracles.py`` are the
reference implementations the tests compare with.
"""

from actions_catalog.catalogue import index as catalogue_index
from actions_catalog.core.models import Action, Keyword

TOP_KEYWORDS = 12
LATEST_ACTIONS = 5


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


def latest_actions(index=None, limit: int = LATEST_ACTIONS) -> list[Action]:
    """The actions most recently published or updated: the first positions of the index (the list's "most recent"
    order, ``-updated_at``), read in one query by primary key."""
    ids = [int(pk) for pk in (index or catalogue_index.current()).ids[:limit]]
    if not ids:
        return []
    rows = (
        Action.objects.filter(pk__in=ids)
        .select_related("centre__departement")
        .only("title", "slug", "published_at", "updated_at", "centre__name", "centre__departement__name")
    )
    by_id = {action.pk: action for action in rows}
    return [by_id[pk] for pk in ids if pk in by_id]
