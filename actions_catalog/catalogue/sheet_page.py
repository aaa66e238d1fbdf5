"""The detail page of an action: its sections in the order of the original form, and related actions."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from actions_catalog.catalogue import index as catalogue_index
from actions_catalog.core.choices import Dimension, Initiative, Public, Status, Territory
from actions_catalog.core.models import Action
from actions_catalog.core.sheet import FIELDS

RELATED_LIMIT = 5
#: The sections of the page: the fields that the federation's form had, in its order (``sheet.FIELDS``).
SHEET_SECTIONS = tuple(f for f in FIELDS if f.sheet_label is not None)
CHOICE_SECTIONS = {"status": Status, "dimension": Dimension, "territory": Territory}


@dataclass
class Link:
    label: str
    url: str


@dataclass
class SheetSection:
    """One section of the sheet: ``kind`` is text, links, centre or funding (see action_detail.html)."""

    name: str
    title: str
    kind: str
    text: str = ""
    links: list[Link] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return self.kind in ("text", "links") and not self.text and not self.links


def _list_url(parameter: str, value: str) -> str:
    return reverse("action_list") + "?" + urlencode({parameter: value})


#: The sections whose values are rows of a relation: (relation, the row's query-string value, its label).
LINKED_SECTIONS = {
    "keywords": ("keyword", lambda row: row.slug, lambda row: row.label),
    "partners": ("partner", lambda row: row.slug, lambda row: row.label),
    "publics": ("public", lambda row: row.public, lambda row: Public(row.public).label),
    "initiatives": ("initiative", lambda row: row.initiative, lambda row: Initiative(row.initiative).label),
}


def linked_values(action: Action) -> dict[str, list[tuple[str, str]]]:
    """``(value, label)`` of the keywords, partners, publics and initiatives of ``action``, from its relations
    (loaded with ``with_sheet_relations``). ``CatalogueIndex.linked_values`` gives the same without a query."""
    return {
        name: [(value(row), label(row)) for row in getattr(action, name).all()]
        for name, (_, value, label) in LINKED_SECTIONS.items()
    }


def sections(action: Action, linked: dict[str, list[tuple[str, str]]] | None = None) -> list[SheetSection]:
    """Every section of ``action``'s sheet, in the order of the form.

    ``linked``: the values of its relations (see ``linked_values``), read from its relations when not given.
    """
    if linked is None:
        linked = linked_values(action)
    result = []
    for section in SHEET_SECTIONS:
        item = SheetSection(section.name, section.label, "text")
        if section.name in ("centre_name", "funding_text"):
            item.kind = "centre" if section.name == "centre_name" else "funding"
            item.text = action.funding_text if section.name == "funding_text" else ""
        elif section.name in CHOICE_SECTIONS:
            value = getattr(action, section.name)
            if value:
                item.links = [Link(CHOICE_SECTIONS[section.name](value).label, _list_url(section.name, value))]
        elif section.name in LINKED_SECTIONS:
            parameter = LINKED_SECTIONS[section.name][0]
            item.links = [Link(label, _list_url(parameter, value)) for value, label in linked[section.name]]
        else:
            item.text = getattr(action, section.name)
        if item.kind == "links" or item.links:
            item.kind = "links"
        result.append(item)
    return result


def related_actions(action: Action, limit: int = RELATED_LIMIT) -> list[Action]:
    """Up to ``limit`` other published actions with the most keywords in common, each with ``common``.

    Ranked in the catalogue index (``catalogue_index``), then read in one query (none when there is none).
    The version of the index is the action's ``catalogue_version`` when the caller annotated it (the detail
    view does, with ``catalogue_index.version_subquery()``), else it is read. Ties go to the most recently
    created action. ``tests/oracles.py`` has the reference implementation in SQL.
    """
    index = catalogue_index.current(getattr(action, "catalogue_version", ...))
    common = dict(index.related_ids(action.pk, limit))
    related = (
        Action.objects.filter(pk__in=list(common))
        .select_related("centre")
        .only("title", "slug", "centre__name", "centre__slug")
    )
    for other in related:
        other.common = common[other.pk]
    return sorted(related, key=lambda other: (-other.common, -other.pk))
