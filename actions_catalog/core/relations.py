"""The relation registry: everything attached to an action, and what the writer, the merge and the export do with it.

Each ``Relation`` names an accessor of ``Action`` (a reverse foreign key or a many-to-many field) and says:

- ``sheet_field``: the SheetData field its rows carry. The writer replaces those rows when it writes a sheet,
  the mapper reads them back into a SheetData, and the export carries them through the mapper;
- ``merge``: what a merge of two actions does with the absorbed action's rows (see ``Merge``);
- ``key``: the columns that make a row unique within one action (a merge keeps one row per key).

``tests/core/test_relations.py`` walks ``Action._meta`` and fails when a relation is missing here, so that
adding one is one edit: its entry.
"""

import enum
from dataclasses import dataclass
from functools import cached_property

from django.apps import apps

from actions_catalog.core.sheet import FIELDS_BY_NAME, FundingLineData, Kind, SheetData
from actions_catalog.core.text import normalize_key


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

    @cached_property
    def descriptor(self):
        return getattr(apps.get_model("actions_catalog", "Action"), self.name)

    @cached_property
    def model(self):
        """The table of the rows (the automatic through table of a many-to-many field)."""
        if self.name in M2M_FIELDS:
            return self.descriptor.through
        return self.descriptor.rel.related_model

    @property
    def label_model(self) -> type | None:
        """For keywords and partners: the model of the labels whose ids the rows hold."""
        name = M2M_FIELDS.get(self.name)
        return apps.get_model("actions_catalog", name) if name else None

    # -- Rows of a sheet (the writer) ------------------------------------------------------------------

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns of a row besides ``action_id``, in the order of ``rows``."""
        kind = FIELDS_BY_NAME[self.sheet_field].kind
        if kind is Kind.FUNDING_LINES:
            return ("label", "amount", "position")
        return self.key

    def rows(self, sheet: SheetData, label_ids: dict[str, int] | None = None) -> list[tuple]:
        """The rows of ``sheet`` in this relation (values of ``columns``), in the sheet's order, once each.

        ``label_ids``: the id of each keyword or partner by normalized label (the writer resolves them).
        """
        values = getattr(sheet, self.sheet_field)
        kind = FIELDS_BY_NAME[self.sheet_field].kind
        if kind is Kind.FUNDING_LINES:
            return [(line.label, line.amount, position) for position, line in enumerate(values, start=1)]
        if kind is Kind.LABELS:
            values = [label_ids[normalize_key(label)] for label in values]
        return [(value,) for value in dict.fromkeys(values)]

    # -- Rows of a saved action (the mapper) -----------------------------------------------------------

    def read(self, action) -> list:
        """The value of ``sheet_field`` held by ``action``'s rows (prefetch ``name`` to read them at no cost)."""
        rows = getattr(action, self.name).all()
        kind = FIELDS_BY_NAME[self.sheet_field].kind
        if kind is Kind.LABELS:
            return [row.label for row in rows]
        if kind is Kind.FUNDING_LINES:
            return [FundingLineData(row.label, row.amount) for row in rows]
        values = [getattr(row, self.key[0]) for row in rows]
        return sorted(values) if kind is Kind.YEARS else values


#: The many-to-many fields of ``Action`` and the model of their labels (``relations`` is read by the models
#: module itself: models are named, not imported).
M2M_FIELDS = {"keywords": "Keyword", "partners": "Partner"}

RELATIONS = (
    Relation("keywords", Merge.UNION, sheet_field="keywords", key=("keyword_id",)),
    Relation("partners", Merge.UNION, sheet_field="partners", key=("partner_id",)),
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
#: What ``select_related``/``prefetch_related`` need to read a whole sheet without further queries.
SHEET_PREFETCH = tuple(relation.name for relation in SHEET_RELATIONS)
#: The history of an absorbed action stays its own: its deletion row names the survivor (``merging``).
NOT_MERGED = ("history",)
