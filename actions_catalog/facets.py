"""Facet counts of the catalogue: the rules, and their SQL implementation (the reference).

The pages (HTML list, API) count in memory, in ``catalogue_index``, with the same ``Option``/``Facet`` results
and the same listing and ordering rules (``RowFacet.sort``); ``compute`` below counts in SQL, and the tests
check that both agree (``tests/catalog/test_catalogue_index.py``).

Counts are disjunctive: the counts of a facet apply every other active filter (and the search) but not the
facet's own, so each option says how many results the list would have with that option added. They are
exact (``COUNT`` in the database, never estimated).

One grouped query per facet, whatever the number of options or of selected values:
- a column of ``Action`` (dimension, status, territory): ``GROUP BY`` the column over published actions;
- a child table (public, initiative, year): ``GROUP BY`` the value over the rows of published actions;
- a table of labels or places (keyword, partner, région, département): ``GROUP BY`` the row, with a
  ``HAVING`` that keeps the rows used by a published action plus the selected ones.
Each query counts two things at once: ``used`` (published actions having the value, unfiltered), which
decides whether the option is listed, and ``count`` (the same restricted by the other filters). When no
other filter is active both are the same ``COUNT`` with no subquery at all.

A facet lists the values used by published actions plus any selected one (with its count, often 0); a
selected value that does not exist is reported in ``Facet.unknown`` so that the caller can answer 400.
"""

from dataclasses import dataclass, field

from django.db.models import Count, FilteredRelation, Q

from centres.models import Departement, Region

from .choices import Dimension, Initiative, Public, PublicationState, Status, Territory
from .models import Action, ActionInitiative, ActionPublic, ActionYear, Keyword, Partner

PUBLISHED = PublicationState.PUBLISHED


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


def _published_ids():
    return Action.objects.published().values("pk")


def _other_filters(filterset, name: str):
    """The published actions matching every active filter but ``name``'s, or ``None`` if there are none."""
    conditions = filterset.conditions(without=name)
    if not conditions:
        return None
    return Action.objects.published().filter(*conditions).values("pk")


class ChoiceFacet:
    """A facet whose values are a ``TextChoices``, stored in ``column`` of ``model`` (Action or a child).

    Without ``choices`` the values are whatever the column holds (the years of the actions), most recent first.
    """

    def __init__(self, name, choices, *, model=Action, column=None):
        self.name, self.choices, self.model = name, choices, model
        self.column = column or name

    def counts(self, filterset) -> dict[str, tuple[int, int]]:
        """``{value: (used, count)}`` in one query."""
        if self.model is Action:
            rows, action_id = Action.objects.published(), "pk"
        else:  # a semi-join on the published actions' covering index, not a join with the wide table
            rows, action_id = self.model.objects.filter(action_id__in=_published_ids()), "action_id"
        others = _other_filters(filterset, self.name)
        count = Count(action_id) if others is None else Count(action_id, filter=Q(**{f"{action_id}__in": others}))
        grouped = rows.exclude(**{f"{self.column}__isnull": True}).values(self.column).order_by()
        return {
            str(row[self.column]): (row["used"], row["count"])
            for row in grouped.annotate(used=Count(action_id), count=count)
        }

    def build(self, filterset, label: str) -> Facet:
        counts = self.counts(filterset)
        selected = filterset.selected(self.name)
        if self.choices is not None:
            choices = self.choices.choices
        else:
            choices = [(value, value) for value in sorted({*counts, *selected}, reverse=True)]
        options = [
            Option(value, choice_label, counts.get(value, (0, 0))[1], value in selected)
            for value, choice_label in choices
            if value in counts or value in selected
        ]
        return Facet(self.name, label, options)


class RowFacet:
    """A facet whose values are rows of ``model`` (keyword, partner, région, département), named by ``key``.

    ``path`` leads from the model to its actions; ``order`` is ``"count"`` (most used first) or a field.
    """

    def __init__(self, name, model, *, key, label_field, path, order):
        self.name, self.model, self.key, self.label_field = name, model, key, label_field
        self.path, self.order = path, order

    def rows(self, filterset):
        # The published actions are joined with the state in the join condition (a filtered relation), so
        # that PostgreSQL reads them from the narrow covering index "action_published_facets_idx".
        published = FilteredRelation(self.path, condition=Q(**{f"{self.path}__state": PUBLISHED}))
        others = _other_filters(filterset, self.name)
        count = Count("published") if others is None else Count("published", filter=Q(published__in=others))
        listed = Q(used__gt=0)
        selected = filterset.selected(self.name)
        if selected:
            listed |= Q(**{f"{self.key}__in": selected})
        return (
            self.model.objects.annotate(published=published)
            .annotate(used=Count("published"), count=count)
            .filter(listed)
            .values(self.key, self.label_field, "count")
            .order_by()
        )

    def sort(self, options: list[Option]) -> None:
        if self.order == "count":
            options.sort(key=lambda option: (-option.count, option.label.casefold()))
        else:
            options.sort(key=lambda option: getattr(option, self.order))

    def build(self, filterset, label: str) -> Facet:
        selected = filterset.selected(self.name)
        options = [
            Option(row[self.key], row[self.label_field], row["count"], row[self.key] in selected)
            for row in self.rows(filterset)
        ]
        self.sort(options)
        known = {option.value for option in options}
        return Facet(self.name, label, options, unknown=[value for value in selected if value not in known])


FACETS = {
    "keyword": RowFacet("keyword", Keyword, key="slug", label_field="label", path="actions", order="count"),
    "public": ChoiceFacet("public", Public, model=ActionPublic),
    "dimension": ChoiceFacet("dimension", Dimension),
    "status": ChoiceFacet("status", Status),
    "territory": ChoiceFacet("territory", Territory),
    "initiative": ChoiceFacet("initiative", Initiative, model=ActionInitiative),
    "year": ChoiceFacet("year", None, model=ActionYear),
    "region": RowFacet(
        "region", Region, key="code", label_field="name", path="departements__centres__actions", order="label"
    ),
    "departement": RowFacet(
        "departement", Departement, key="code", label_field="name", path="centres__actions", order="value"
    ),
    "partner": RowFacet("partner", Partner, key="slug", label_field="label", path="actions", order="count"),
}


def compute(filterset) -> dict[str, Facet]:
    """Every facet of a valid ``ActionFilter``, in display order: one query per facet."""
    return {name: FACETS[name].build(filterset, filterset.filters[name].label) for name in filterset.FACETS}


def total(facets: dict[str, Facet]) -> int:
    """The number of results, read from the status facet instead of one more ``COUNT`` query.

    Every action has exactly one status, so the status counts (which apply every other filter) add up to
    the number of results: all of them when no status is selected, the selected ones otherwise.
    """
    options = facets["status"].options
    chosen = [option for option in options if option.selected] or options
    return sum(option.count for option in chosen)
