"""What a followed search is: the list's own parameters, validated by the list, stored in a canonical form.

``from_params(request.GET)`` checks any list URL's parameters with ``build_listing`` (the list's FilterSet
and facet values: a bad one raises the list's ``InvalidParameter``) and keeps only what says which actions
the list holds: the search and the facets, in ``Listing.filter_params`` order (sort and pages aside), so
that two addresses of the same list are one followed search. ``describe`` names a stored search in words, with
the labels of the catalogue index (no query of its own).
"""

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from django.urls import reverse

from actions_catalog.catalogue import index as catalogue_index
from actions_catalog.catalogue.filters import ActionFilter
from actions_catalog.catalogue.listing import build_listing


@dataclass(frozen=True)
class Criterion:
    """One line of a search's description: « Mots clés : Culture, Parentalité »."""

    label: str
    values: tuple[str, ...]

    def __str__(self):
        return f"{self.label} : {', '.join(self.values)}"


@dataclass
class SavedSearch:
    query: str  # the canonical query string ("" for every action)
    criteria: list[Criterion] = field(default_factory=list)
    total: int | None = None  # the actions it holds now, when known

    @property
    def label(self) -> str:
        """The search in one line, for subjects and lists."""
        return " · ".join(str(criterion) for criterion in self.criteria) or "Toutes les actions"

    @property
    def list_url(self) -> str:
        return reverse("action_list") + (f"?{self.query}" if self.query else "")


def from_params(params) -> SavedSearch:
    """The search of a list URL's parameters; raises the list's ``InvalidParameter`` for a bad one."""
    listing = build_listing(params, paginate=False)
    return describe(listing.filters_query, listing.index, total=listing.total)


def describe(query: str, index=None, *, total: int | None = None) -> SavedSearch:
    """``query`` (canonical) in words: the search first, then each facet in the list's order."""
    index = index if index is not None else catalogue_index.current()
    values: dict[str, list[str]] = {}
    for name, value in parse_qsl(query):
        values.setdefault(name, []).append(value)
    criteria = [Criterion("Recherche", (f"« {values['q'][0]} »",))] if values.get("q") else []
    for name in ActionFilter.FACETS:
        if name not in values:
            continue
        domain = index.facets[name].domain
        labels = tuple(domain.labels[domain.index[value]] if value in domain.index else value for value in values[name])
        criteria.append(Criterion(ActionFilter.base_filters[name].label, labels))
    return SavedSearch(query, criteria, total)
