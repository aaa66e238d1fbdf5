"""Facets of the catalogue: what an option and a facet are, how their options are ordered, and the total.

The pages (HTML list, API) count in memory, in the catalogue index (``index``); ``tests/oracles.py`` counts the
same in SQL, and the tests check that both agree.

Counts are disjunctive: the counts of a facet apply every other active filter (and the search) but not the
facet's own, so each option says how many results the list would have with that option added. They are
exact, never estimated. A facet lists the values used by published actions plus any selected one (with its
count, often 0); a selected value that does not exist is reported in ``Facet.unknown`` so that the caller can
answer 400.
"""

from dataclasses import dataclass, field

from actions_catalog.catalogue.french import sort_key
from actions_catalog.core.choices import Dimension, Initiative, Public, Status, Territory


@dataclass
class Option:
    value: str
    label: str
    count: int
    selected: bool

    @property
    def empty(self) -> bool:
        return self.count == 0

    def as_dict(self) -> dict:
        return {"value": self.value, "label": self.label, "count": self.count, "selected": self.selected}


@dataclass
class Facet:
    name: str
    label: str
    options: list[Option] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def selected(self) -> list[Option]:
        return [option for option in self.options if option.selected]


@dataclass(frozen=True)
class FacetRule:
    """How one facet lists its options.

    ``choices``: the TextChoices of a fixed set of values, shown in their order; ``None`` for values that are
    rows of a table (``order``: ``"count"``, most used first, or an attribute of ``Option``) or, with ``order``
    ``None``, the years (most recent first).
    """

    name: str
    choices: type | None = None
    order: str | None = None

    @property
    def is_rows(self) -> bool:
        return self.choices is None and self.order is not None

    def sort(self, options: list[Option]) -> None:
        if self.order == "count":
            options.sort(key=lambda option: (-option.count, sort_key(option.label)))
        elif self.order == "label":
            options.sort(key=lambda option: sort_key(option.label))
        elif self.order is not None:
            options.sort(key=lambda option: getattr(option, self.order))


FACETS = {
    "keyword": FacetRule("keyword", order="count"),
    "public": FacetRule("public", Public),
    "dimension": FacetRule("dimension", Dimension),
    "status": FacetRule("status", Status),
    "territory": FacetRule("territory", Territory),
    "initiative": FacetRule("initiative", Initiative),
    "year": FacetRule("year"),
    "region": FacetRule("region", order="label"),
    "departement": FacetRule("departement", order="value"),
    "partner": FacetRule("partner", order="count"),
}


def total(facets: dict[str, Facet]) -> int:
    """The number of results, read from the status facet instead of one more ``COUNT`` query.

    Every action has exactly one status, so the status counts (which apply every other filter) add up to
    the number of results: all of them when no status is selected, the selected ones otherwise.
    """
    options = facets["status"].options
    chosen = [option for option in options if option.selected] or options
    return sum(option.count for option in chosen)


# -- How a facet is shown on the list page ---------------------------------------------------------------

#: Options of a long facet shown before "Voir les N": the most used ones (the selected ones come first).
TOP_OPTIONS = 8


@dataclass
class FacetDisplay:
    """The options of a facet as the list page groups them.

    ``shown``: always visible; ``more``: behind "Voir les N", in French order; ``empty``: the options without
    result that are not selected, in French order, hidden until "Afficher les options sans résultat".
    """

    facet: Facet
    shown: list[Option]
    more: list[Option]
    empty: list[Option]

    @property
    def name(self) -> str:
        return self.facet.name

    @property
    def hidden_when_empty(self) -> bool:
        """Nothing to show but options without result."""
        return not self.shown and not self.more


def display(facet: Facet, keep=None) -> FacetDisplay:
    """Group the options of ``facet`` for the list page. ``keep(option)``: the options that may be listed at all
    (the départements of the selected régions); selected options are always kept.

    A facet of table rows (keywords, partners, places) shows its selected options, then the TOP_OPTIONS most
    used (ties in French order), then the others in French order behind "Voir les N". A fixed set (status,
    public…) and the years show their options in their own order: they are few, and ticking one must not move it.
    """
    options = [option for option in facet.options if option.selected or keep is None or keep(option)]
    empty = sorted((o for o in options if o.empty and not o.selected), key=lambda o: sort_key(o.label))
    listed = [option for option in options if option.selected or not option.empty]
    if not FACETS[facet.name].is_rows:
        return FacetDisplay(facet, listed, [], empty)
    selected = sorted((o for o in listed if o.selected), key=lambda o: sort_key(o.label))
    others = sorted((o for o in listed if not o.selected), key=lambda o: (-o.count, sort_key(o.label)))
    more = sorted(others[TOP_OPTIONS:], key=lambda o: sort_key(o.label))
    return FacetDisplay(facet, selected + others[:TOP_OPTIONS], more, empty)
