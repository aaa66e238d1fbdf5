"""Figures of the home page: how many published actions, centres and départements; the most used keywords."""

from django.db.models import Count, FilteredRelation, Q

from .choices import PublicationState
from .models import Action, Keyword

TOP_KEYWORDS = 12


def headline_figures() -> dict[str, int]:
    """Published actions, the centres and the départements they come from (one query)."""
    return Action.objects.published().aggregate(
        actions=Count("pk"),
        centres=Count("centre", distinct=True),
        departements=Count("centre__departement", distinct=True),
    )


def top_keywords(limit: int = TOP_KEYWORDS) -> list[Keyword]:
    """The keywords of the most published actions, each with ``count`` (one query)."""
    published = FilteredRelation("actions", condition=Q(actions__state=PublicationState.PUBLISHED))
    return list(
        Keyword.objects.annotate(published=published)
        .annotate(count=Count("published"))
        .filter(count__gt=0)
        .order_by("-count", "label")[:limit]
    )
