"""Reference implementations in SQL of what the catalogue index computes in memory.

The public pages count facets, rank related actions and sum the home page's figures in the in-memory index
(``actions_catalog/catalogue/index.py``). These functions compute the same with plain queries; the tests compare
both on varied data and filters.
"""

from django.db.models import Count, FilteredRelation, OuterRef, Q, Subquery

from actions_catalog.catalogue.facets import Facet, Option
from actions_catalog.core.choices import Dimension, Initiative, Public, PublicationState, Status, Territory
from actions_catalog.core.models import Action, ActionInitiative, ActionPublic, ActionYear, Keyword, Partner
from actions_catalog.core.text import normalize_key
from centres.models import Departement, Region

PUBLISHED = PublicationState.PUBLISHED
PLACE_FACETS = ("region", "departement")

# -- Facet counts ------------------------------------------------------------------------------------------
# One grouped query per facet, whatever the number of options or of selected values:
# - a column of ``Action`` (dimension, status, territory): ``GROUP BY`` the column over published actions;
# - a child table (public, initiative, year): ``GROUP BY`` the value over the rows of published actions;
# - a table of labels or places (keyword, partner, région, département): ``GROUP BY`` the row, with a ``HAVING``
#   that keeps the rows used by a published action plus the selected ones.
# Each query counts ``used`` (published actions having the value, unfiltered), which decides whether the option is
# listed, and ``count`` (the same restricted by the other filters).


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
        # Distinct: a partner listed under two roles of one sheet has two rows, the action counts once.
        count = (
            Count("published", distinct=True)
            if others is None
            else Count("published", filter=Q(published__in=others), distinct=True)
        )
        listed = Q(used__gt=0)
        selected = filterset.selected(self.name)
        # A selected place is listed even without an action; a label only when a published action has it (the
        # others, used by drafts only, are unknown to visitors).
        if selected and self.name in PLACE_FACETS:
            listed |= Q(**{f"{self.key}__in": selected})
        return (
            self.model.objects.annotate(published=published)
            .annotate(used=Count("published", distinct=True), count=count)
            .filter(listed)
            .values(self.key, self.label_field, "count")
            .order_by()
        )

    def sort(self, options: list[Option], french_keys: dict[str, str]) -> None:
        """Most used first (ties in French order), or by value, or in French order (``french_keys``, by value)."""
        if self.order == "count":
            options.sort(key=lambda option: (-option.count, french_keys[option.value]))
        elif self.order == "label":
            options.sort(key=lambda option: french_keys[option.value])
        else:
            options.sort(key=lambda option: getattr(option, self.order))

    def french_keys(self, rows) -> dict[str, str]:
        """French order: the normalized label the model keeps, else the folded name (régions, départements)."""
        if any(field.name == "normalized_label" for field in self.model._meta.fields):
            return dict(self.model.objects.values_list(self.key, "normalized_label"))
        return {row[self.key]: normalize_key(row[self.label_field]) for row in rows}

    def build(self, filterset, label: str) -> Facet:
        selected = filterset.selected(self.name)
        rows = list(self.rows(filterset))
        options = [
            Option(row[self.key], row[self.label_field], row["count"], row[self.key] in selected) for row in rows
        ]
        self.sort(options, self.french_keys(rows))
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


def compute_facets(filterset) -> dict[str, Facet]:
    """Every facet of a valid ``ActionFilter``, in display order: one query per facet."""
    return {name: FACETS[name].build(filterset, filterset.filters[name].label) for name in filterset.FACETS}


# -- Related actions and home figures ----------------------------------------------------------------------


def related_actions(action: Action, limit: int = 5) -> list[Action]:
    """Up to ``limit`` other published actions with the most keywords in common, in one query.

    Ties go to the most recently created action.
    """
    links = Action.keywords.through.objects
    mine = links.filter(action_id=action.pk).values("keyword_id")
    best = (
        links.filter(keyword_id__in=mine, action_id__in=Action.objects.published().values("pk"))
        .exclude(action_id=action.pk)
        .values("action_id")
        .annotate(common=Count("pk"))
        .order_by("-common", "-action_id")
        .values("action_id")[:limit]
    )
    common = (
        links.filter(action_id=OuterRef("pk"), keyword_id__in=mine)
        .values("action_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    related = (
        Action.objects.filter(pk__in=best)
        .annotate(common=Subquery(common))
        .select_related("centre")
        .only("title", "slug", "centre__name", "centre__slug")
    )
    return sorted(related, key=lambda other: (-other.common, -other.pk))


def headline_figures() -> dict[str, int]:
    """Published actions, the centres and the départements they come from (one query)."""
    return Action.objects.published().aggregate(
        actions=Count("pk"),
        centres=Count("centre", distinct=True),
        departements=Count("centre__departement", distinct=True),
    )


def top_keywords(limit: int = 12) -> list[Keyword]:
    """The keywords of the most published actions, each with ``count`` (one query)."""
    published = FilteredRelation("actions", condition=Q(actions__state=PUBLISHED))
    return list(
        Keyword.objects.annotate(published=published)
        .annotate(count=Count("published"))
        .filter(count__gt=0)
        .order_by("-count", "normalized_label", "pk")[:limit]  # ties in French order
    )


def departement_counts() -> list[tuple[str, str, int]]:
    """``(code, name, published actions)`` of every département (one query)."""
    return list(
        Departement.objects.annotate(
            published=FilteredRelation("centres__actions", condition=Q(centres__actions__state=PUBLISHED))
        )
        .annotate(count=Count("published"))
        .values_list("code", "name", "count")
        .order_by("code")
    )
