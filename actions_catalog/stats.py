"""Figures of the home page: how many published actions, centres and départements; the most used keywords.

Read from the catalogue index (``catalogue_index``): no query once it is built for the current version. The
SQL versions (``*_in_sql``) are the reference implementations the tests compare with.
"""

from django.db.models import Count, FilteredRelation, Q

from . import catalogue_index
from .choices import PublicationState
from .models import Action, Keyword

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


def headline_figures_in_sql() -> dict[str, int]:
    """Published actions, the centres and the départements they come from (one query)."""
    return Action.objects.published().aggregate(
        actions=Count("pk"),
        centres=Count("centre", distinct=True),
        departements=Count("centre__departement", distinct=True),
    )


def top_keywords_in_sql(limit: int = TOP_KEYWORDS) -> list[Keyword]:
    """The keywords of the most published actions, each with ``count`` (one query)."""
    published = FilteredRelation("actions", condition=Q(actions__state=PublicationState.PUBLISHED))
    return list(
        Keyword.objects.annotate(published=published)
        .annotate(count=Count("published"))
        .filter(count__gt=0)
        .order_by("-count", "label")[:limit]
    )
