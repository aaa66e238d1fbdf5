"""The relation registry: everything attached to an action, and what the writer, the merge and the export do with it.

Each ``Relation`` names an accessor of ``Action`` (a reverse foreign key or a many-to-many field) and says:

- ``sheet_field``: the SheetData field its rows carry. The writer replaces those rows when it writes a sheet,
  the mapper reads them back into a SheetData, and the export carries them through the mapper;
- ``merge``: what a merge of two actions does with the absorbed action's rows (see ``Merge``);
- ``key``: the columns that make a row unique within one action (a merge keeps one row per key);
- ``links``: for keywords and partners, the accessor of the rows of their through model (``ActionKeyword``,
  ``ActionPartner``), which keep the sheet's order (``position``) and, for partners, their role. Reads go through
  these rows, in order; a sheet's partners by role (``SheetData.partner_groups``) are carried by the partners'.

``tests/core/test_relations.py`` walks ``Action._meta`` and fails when a relation is missing here, so that
adding one is one edit: its entry.
"""

import enum
from collections import namedtuple
from dataclasses import dataclass
from functools import cached_property

from django.apps import apps
from django.db.models import Prefetch

from actions_catalog.core.sheet import (
    FIELDS_BY_NAME,
    FundingLineData,
    Kind,
    PartnerGroup,
    SheetData,
    canonical_partners,
    group_partners,
)
from actions_catalog.core.text import normalize_key

#: A keyword or partner as ``Relation.load_rows`` gives it to a link row (``link.keyword``, ``link.partner``).
LabelRow = namedtuple("LabelRow", ("pk", "label", "slug"))


class Merge(enum.Enum):
    #: The survivor gets every row of the absorbed action it lacks (one per ``key``).
    UNION = "union"
    #: The absorbed action's rows are taken only when the survivor has none (a budget is not added up).
    FILL = "fill"
    #: The rows move to the survivor; a row whose ``key`` the survivor already has is dropped.
    MOVE = "move"
    #: Revisions: moved, but an action has one open revision at most: the absorbed one is closed
    #: (« remplacée lors d'une fusion ») and its author told.
    CLOSE_OPEN = "close_open"
    #: Other titles: moved to the survivor unless its centre already knows the title.
    ALIASES = "aliases"
    #: Deleted with the absorbed action: members' unsaved states of its form mean nothing for the survivor.
    DROP = "drop"

    #: Reprises (``Action.inspired_by``): the actions taken from an absorbed action are taken from the survivor;
    #: the survivor keeps its own source (else takes an absorbed one's), never one of the merged actions.
    SOURCES = "sources"


@dataclass(frozen=True)
class Relation:
    name: str
    merge: Merge
    sheet_field: str | None = None
    key: tuple[str, ...] = ()
    links: str | None = None

    @cached_property
    def descriptor(self):
        return getattr(apps.get_model("actions_catalog", "Action"), self.name)

    @cached_property
    def model(self):
        """The table of the rows (the through model of a many-to-many field)."""
        if self.name in M2M_FIELDS:
            return self.descriptor.through
        return self.descriptor.rel.related_model

    @property
    def label_model(self) -> type | None:
        """For keywords and partners: the model of the labels whose ids the rows hold."""
        name = M2M_FIELDS.get(self.name)
        return apps.get_model("actions_catalog", name) if name else None

    @property
    def sheet_fields(self) -> tuple[str, ...]:
        """Every SheetData field the rows carry: the partners' carry their roles too (``partner_groups``)."""
        if self.sheet_field is None:
            return ()
        return (self.sheet_field, "partner_groups") if self.sheet_field == "partners" else (self.sheet_field,)

    @property
    def prefetch(self):
        """What ``prefetch_related`` needs to read the rows at no cost: the ordered links and their labels."""
        if self.links is None:
            return self.name
        label = self.key[0].removesuffix("_id")
        return Prefetch(self.links, queryset=self.model.objects.select_related(label).order_by("position"))

    @property
    def rows_attr(self) -> str:
        return f"{self.name}_rows"

    @cached_property
    def _row_type(self):
        """The plain row ``load_rows`` makes: the attributes ``read`` and ``labels_of`` use, no model instance."""
        if self.links is not None:
            label = self.key[0].removesuffix("_id")
            return namedtuple(f"{self.model.__name__}Row", (label, *self.key[1:])), label
        if FIELDS_BY_NAME[self.sheet_field].kind is Kind.FUNDING_LINES:
            return namedtuple(f"{self.model.__name__}Row", ("label", "amount")), None
        return namedtuple(f"{self.model.__name__}Row", self.key), None

    def load_rows(self, action_ids) -> dict[int, list]:
        """The rows of the actions ``action_ids`` as plain rows, by action, in the order of the model (the sheet's
        order for links): one ``values_list`` query. What ``attach_sheet_rows`` sets as ``rows_attr``."""
        row_type, label = self._row_type
        # The model's order, by the action's id rather than its own order (which would join the actions).
        order = ["action_id" if name == "action" else name for name in self.model._meta.ordering]
        rows = self.model.objects.filter(action_id__in=action_ids).order_by(*order)
        by_action: dict[int, list] = {}
        if label is None:
            for action_id, *values in rows.values_list("action_id", *row_type._fields):
                by_action.setdefault(action_id, []).append(row_type(*values))
            return by_action
        columns = (f"{label}_id", f"{label}__label", f"{label}__slug", *row_type._fields[1:])
        for action_id, pk, text, slug, *values in rows.values_list("action_id", *columns):
            by_action.setdefault(action_id, []).append(row_type(LabelRow(pk, text, slug), *values))
        return by_action

    def rows_of(self, action):
        """The rows of ``action`` in this relation (the ordered links for keywords and partners): those
        ``attach_sheet_rows`` set, else its accessor's rows (prefetch ``prefetch`` to read them at no cost)."""
        rows = getattr(action, self.rows_attr, None)
        return getattr(action, self.links or self.name).all() if rows is None else rows

    # -- Rows of a sheet (the writer) ------------------------------------------------------------------

    def labels(self, sheet: SheetData) -> list[str]:
        """For keywords and partners: the labels ``rows`` needs the ids of (the partners of every role)."""
        if self.sheet_field == "partners":
            return [p for group in group_partners(sheet.partners, sheet.partner_groups) for p in group.partners]
        return list(getattr(sheet, self.sheet_field))

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns of a row besides ``action_id``, in the order of ``rows``."""
        kind = FIELDS_BY_NAME[self.sheet_field].kind
        if kind is Kind.FUNDING_LINES:
            return ("label", "amount", "position")
        if self.links is not None:
            return (*self.key, "position")
        return self.key

    def rows(self, sheet: SheetData, label_ids: dict[str, int] | None = None) -> list[tuple]:
        """The rows of ``sheet`` in this relation (values of ``columns``), in the sheet's order, once each (a
        partner once per role).

        ``label_ids``: the id of each keyword or partner by normalized label (the writer resolves them).
        """
        values = getattr(sheet, self.sheet_field)
        kind = FIELDS_BY_NAME[self.sheet_field].kind
        if kind is Kind.FUNDING_LINES:
            return [(line.label, line.amount, position) for position, line in enumerate(values, start=1)]
        if self.sheet_field == "partners":
            pairs = [
                (label_ids[normalize_key(partner)], group.role)
                for group in group_partners(sheet.partners, sheet.partner_groups)
                for partner in group.partners
            ]
            return [(pk, role, position) for position, (pk, role) in enumerate(dict.fromkeys(pairs), start=1)]
        if kind is Kind.LABELS:
            ids = dict.fromkeys(label_ids[normalize_key(label)] for label in values)
            return [(pk, position) for position, pk in enumerate(ids, start=1)]
        return [(value,) for value in dict.fromkeys(values)]

    # -- Rows of a saved action (the mapper) -----------------------------------------------------------

    def read_into(self, sheet: SheetData, action) -> None:
        """Set ``sheet_fields`` of ``sheet`` from ``action``'s rows (prefetch ``prefetch`` to read them at no cost)."""
        if self.sheet_field == "partners":
            groups: list[PartnerGroup] = []
            for link in self.rows_of(action):
                if not groups or groups[-1].role != link.role:
                    groups.append(PartnerGroup(link.role, []))
                groups[-1].partners.append(link.partner.label)
            sheet.partners, sheet.partner_groups = canonical_partners(groups)
            return
        setattr(sheet, self.sheet_field, self.read(action))

    def labels_of(self, action) -> list:
        """For keywords and partners: the ``Keyword`` or ``Partner`` rows of ``action`` in the sheet's order, each once
        (prefetch ``prefetch`` to read them at no cost)."""
        label = self.key[0].removesuffix("_id")
        return list(dict.fromkeys(getattr(link, label) for link in self.rows_of(action)))

    def read(self, action) -> list:
        """The value of ``sheet_field`` held by ``action``'s rows (prefetch ``prefetch`` to read them at no cost)."""
        kind = FIELDS_BY_NAME[self.sheet_field].kind
        if self.links is not None:
            return [row.label for row in self.labels_of(action)]
        rows = self.rows_of(action)
        if kind is Kind.FUNDING_LINES:
            return [FundingLineData(row.label, row.amount) for row in rows]
        values = [getattr(row, self.key[0]) for row in rows]
        return sorted(values) if kind is Kind.YEARS else values


#: The many-to-many fields of ``Action`` and the model of their labels (``relations`` is read by the models
#: module itself: models are named, not imported).
M2M_FIELDS = {"keywords": "Keyword", "partners": "Partner"}

RELATIONS = (
    Relation("keywords", Merge.UNION, sheet_field="keywords", key=("keyword_id",), links="keyword_links"),
    Relation("partners", Merge.UNION, sheet_field="partners", key=("partner_id", "role"), links="partner_links"),
    Relation("publics", Merge.UNION, sheet_field="publics", key=("public",)),
    Relation("initiatives", Merge.UNION, sheet_field="initiatives", key=("initiative",)),
    Relation("years", Merge.UNION, sheet_field="years", key=("year",)),
    Relation("funding_lines", Merge.FILL, sheet_field="funding_lines"),
    Relation("attachments", Merge.MOVE),
    Relation("revisions", Merge.CLOSE_OPEN),
    Relation("aliases", Merge.ALIASES),
    Relation("moderation_events", Merge.MOVE),
    Relation("keyword_suggestions", Merge.MOVE, key=("normalized_label",)),
    Relation("form_autosaves", Merge.DROP),
    # The review tools' rows follow the action they are about (their revisions move with it).
    Relation("duplicate_confirmations", Merge.MOVE),
    Relation("comments", Merge.MOVE),
    Relation("error_reports", Merge.MOVE),
    Relation("inspired_actions", Merge.SOURCES),
)
RELATIONS_BY_NAME = {relation.name: relation for relation in RELATIONS}
#: The relations whose rows a sheet carries, which the writer replaces.
SHEET_RELATIONS = tuple(relation for relation in RELATIONS if relation.sheet_field is not None)


class _SheetPrefetch:
    """The lookups of ``SHEET_PREFETCH``, made when they are used: a ``Prefetch`` of ordered links needs the models,
    which import this module."""

    def __iter__(self):
        return iter([relation.prefetch for relation in SHEET_RELATIONS])


#: What ``prefetch_related(*SHEET_PREFETCH)`` needs to read a whole sheet without further queries.
SHEET_PREFETCH = _SheetPrefetch()


def attach_sheet_rows(actions, relations=None) -> None:
    """Set the rows of every sheet relation (or of ``relations``) on ``actions`` (``Relation.rows_attr``), as plain
    rows: one query per relation whatever the number of actions, and none of the model instances a prefetch would
    make (for the export's records, about fifteen per action: most of the time to read a download's rows; for a list
    page's 20 rows, a prefetch's queryset per row was about a third of the time of reading them). The mapper reads
    them through ``Relation.rows_of`` as it reads prefetched rows; ``Action.objects.with_sheet_relations()`` calls
    this for each chunk of actions it reads, ``attach_keyword_rows`` for a list page's rows."""
    ids = [action.pk for action in actions]
    if not ids:
        return
    for relation in SHEET_RELATIONS if relations is None else relations:
        rows = relation.load_rows(ids)
        for action in actions:
            setattr(action, relation.rows_attr, rows.get(action.pk, []))


def attach_keyword_rows(actions) -> None:
    """What a list row shows of its action's relations: ``action.keywords_rows``, its keywords in the order of its
    sheet, each row's ``keyword`` with its ``label`` and ``slug`` (one query for all ``actions``)."""
    attach_sheet_rows(actions, [RELATIONS_BY_NAME["keywords"]])


#: The history of an absorbed action stays its own: its deletion row names the survivor (``merging``).
NOT_MERGED = ("history",)
