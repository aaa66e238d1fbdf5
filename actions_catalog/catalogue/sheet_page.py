"""The detail page of an action: its sections, the summary and reading order of the page, and related actions.

``sections()`` gives every section of the sheet in the order of the original form; ``page()`` arranges them for
reading: a summary of the facts at the top ("En bref": centre and place, status, dimension, publics, territory,
years, initiative, partners grouped by their role, funding total, dates), the keywords under the title, then only
the sections that have text, in ``READING_ORDER``, with the files once, at the end. Keywords and partners keep
the order of the sheet. ``preview()`` arranges an unsaved sheet (the member's form) the same way, for
``templates/catalog/includes/sheet.html``, which both pages render. ``lineage()`` says where the action was taken
from (« Inspirée de … ») and which centres took it since (« Reprise par N centres »): published actions only, read
with the action itself (``with_lineage``).
"""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils import formats, timezone

from actions_catalog.catalogue import index as catalogue_index
from actions_catalog.core import amounts, identities
from actions_catalog.core.choices import Dimension, Initiative, Public, Status, Territory
from actions_catalog.core.mapper import fill_action
from actions_catalog.core.models import Action, Keyword, Partner
from actions_catalog.core.relations import RELATIONS_BY_NAME
from actions_catalog.core.sheet import FIELDS, FIELDS_BY_NAME, GENERIC_PARTNER_ROLE, SheetData, group_partners
from actions_catalog.core.slugs import base_slug
from actions_catalog.core.text import normalize_key

RELATED_LIMIT = 5
#: The sections of the page: the fields that the federation's form had, in its order (``sheet.FIELDS``).
SHEET_SECTIONS = tuple(f for f in FIELDS if f.sheet_label is not None)
CHOICE_SECTIONS = {"status": Status, "dimension": Dimension, "territory": Territory}
#: The sections summed up at the top of the page, in this order (the years, funding and dates join them).
SUMMARY_SECTIONS = ("centre_name", "status", "dimension", "publics", "territory", "initiatives", "partners")
#: The sections shown as tags under the title.
TAG_SECTIONS = ("keywords",)
#: The sections of text, in reading order: what the action is, how it went, what it cost and mobilized, what
#: came of it, why it ended, what next; the files last.
READING_ORDER = (
    "summary",
    "description",
    "context",
    "funding_text",
    "people_text",
    "result_residents",
    "result_centre",
    "result_territory",
    "end_reason",
    "limits",
    "outlook",
    "files_text",
)


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


def _rows(action: Action, name: str) -> list:
    relation = RELATIONS_BY_NAME[name]
    return relation.labels_of(action) if relation.links else list(getattr(action, name).all())


def linked_values(action: Action) -> dict[str, list[tuple[str, str]]]:
    """``(value, label)`` of the keywords, partners (each once), publics and initiatives of ``action`` in the order
    of its sheet, from its relations (loaded with ``with_sheet_relations``). ``CatalogueIndex.linked_values`` gives
    the same without a query."""
    return {
        name: [(value(row), label(row)) for row in _rows(action, name)]
        for name, (_, value, label) in LINKED_SECTIONS.items()
    }


@dataclass
class Group:
    """Partners under one role: the sheet's sub-heading (« Partenaires financiers »)."""

    role: str
    links: list[Link]


def partner_groups(partner_links) -> list[Group]:
    """The partners of a sheet by role, in its order, from ``(slug, label, role)`` of its rows; none when the sheet
    gives no role but the form's own heading (``GENERIC_PARTNER_ROLE``), shown as a plain list."""
    groups: list[Group] = []
    for slug, label, role in partner_links:
        if not groups or groups[-1].role != role:
            groups.append(Group(role, []))
        groups[-1].links.append(Link(label, _list_url("partner", slug)))
    if len(groups) == 1 and groups[0].role in ("", GENERIC_PARTNER_ROLE):
        return []
    return groups


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


# -- The page, arranged for reading ------------------------------------------------------------------------------


@dataclass
class Fact:
    """One line of the summary: a label, and links (or groups of links by role) or a text (``detail``: a second,
    quieter line)."""

    name: str
    label: str
    links: list[Link] = field(default_factory=list)
    text: str = ""
    detail: str = ""
    groups: list[Group] = field(default_factory=list)


@dataclass
class SheetPage:
    facts: list[Fact]
    tags: list[Link]
    sections: list[SheetSection]  # the sections with text, in reading order (files included)
    files: list = field(default_factory=list)  # the approved attachments
    funding_lines: list = field(default_factory=list)  # rows with ``label`` and ``amount``, in the sheet's order
    funding_total: object = None  # ``amounts.funding_total``: the declared total, else the sum, else None

    @property
    def contents(self) -> list[SheetSection]:
        """The table of contents: worth it from three sections on."""
        return self.sections if len(self.sections) >= 3 else []


def page(
    action: Action, linked: dict | None = None, attachments=(), years=(), funding_lines=None, partner_links=None
) -> SheetPage:
    """The detail page of ``action`` (its funding lines prefetched): summary, tags and non-empty sections.

    ``attachments``: its approved files; ``years``: the years it ran; ``funding_lines``: its funding lines, read
    from its rows when not given (an unsaved action has none: ``preview`` gives the sheet's); ``partner_links``:
    ``(slug, label, role)`` of its partners' rows in order (read from its ``partner_links`` when not given).
    """
    lines = list(action.funding_lines.all()) if funding_lines is None else list(funding_lines)
    by_name = {section.name: section for section in sections(action, linked)}
    if partner_links is None:
        partner_links = [(link.partner.slug, link.partner.label, link.role) for link in action.partner_links.all()]
    facts = []
    for name in SUMMARY_SECTIONS:
        section = by_name[name]
        if section.kind == "centre":
            centre, departement = action.centre, action.centre.departement
            facts.append(
                Fact(
                    name,
                    section.title,
                    [Link(centre.name, centre.get_absolute_url())],
                    detail=f"{departement.name} ({departement.code}), {departement.region.name}",
                )
            )
        elif name == "partners" and (groups := partner_groups(partner_links)):
            facts.append(Fact(name, section.title, section.links, groups=groups))
        elif section.links:
            facts.append(Fact(name, section.title, section.links))
        if name == "territory" and years:
            facts.append(
                Fact("years", FIELDS_BY_NAME["years"].label, [Link(str(y), _list_url("year", y)) for y in years])
            )
    total = amounts.funding_total(action.declared_total, [line.amount for line in lines])
    if total is not None:
        how = "total déclaré par la fiche" if action.declared_total is not None else "somme des lignes de financement"
        facts.append(
            Fact(
                "funding_total",
                "Financement",
                text=f"{formats.number_format(total, 2, force_grouping=True)} €",
                detail=how,
            )
        )
    if action.published_at:
        facts.append(Fact("published_at", "Publiée le", text=_date(action.published_at)))
    if action.updated_at and (not action.published_at or _date(action.updated_at) != _date(action.published_at)):
        facts.append(Fact("updated_at", "Mise à jour le", text=_date(action.updated_at)))
    shown = []
    for name in READING_ORDER:
        section = by_name[name]
        if name == "funding_text":
            if section.text or lines:
                shown.append(section)
        elif name == "files_text":
            if section.text or attachments:
                shown.append(section)
        elif not section.is_empty:
            shown.append(section)
    tags = [link for name in TAG_SECTIONS for link in by_name[name].links]
    return SheetPage(facts, tags, shown, list(attachments), lines, total)


# -- The page of a sheet not saved yet (the member's preview) ------------------------------------------------------


def preview(sheet: SheetData, centre, *, action: Action | None = None, attachments=()) -> tuple[Action, SheetPage]:
    """The page ``sheet`` will have once published, written nowhere: an unsaved ``Action`` holds its columns
    (``centre`` selected with its département and région), the links are those its labels will have.

    ``action``: the action being edited (its publication date stays; the update is today's), else a new sheet
    is shown as published today. ``attachments``: the files the page will show.
    """
    now = timezone.now()
    shown = Action(title=sheet.title, centre=centre, published_at=now, updated_at=now)
    if action is not None and action.published_at is not None:
        shown.published_at = action.published_at
    fill_action(shown, sheet)
    links = {
        name: _label_links(model, getattr(sheet, name))
        for name, model in (("keywords", Keyword), ("partners", Partner))
    }
    linked = {name: list(dict.fromkeys(found.values())) for name, found in links.items()}
    linked["publics"] = [(value, Public(value).label) for value in sheet.publics]
    linked["initiatives"] = [(value, Initiative(value).label) for value in sheet.initiatives]
    partner_links = [
        (*links["partners"][normalize_key(label)], group.role)
        for group in group_partners(sheet.partners, sheet.partner_groups)
        for label in group.partners
    ]
    return shown, page(
        shown,
        linked,
        attachments,
        sorted(set(sheet.years)),
        funding_lines=sheet.funding_lines,
        partner_links=partner_links,
    )


def _label_links(model, labels: list[str]) -> dict[str, tuple[str, str]]:
    """``(slug, label)`` of each keyword or partner a sheet names, by its normalized label, as a saved action links
    them: a known one (or one of its aliases) with its own slug and label, a new one with the slug it would get."""
    found = identities.label_map(model, [normalize_key(label) for label in labels])
    slugs = dict(model.objects.filter(pk__in=[pk for pk, _ in found.values()]).values_list("pk", "slug"))
    links = {}
    for label in labels:
        key = normalize_key(label)
        if key in found:
            pk, known = found[key]
            links[key] = (slugs[pk], known)
        else:
            links.setdefault(key, (base_slug(model, label), label))
    return links


def _date(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "j F Y")


# -- Reprises: the action it was taken from, the actions taken from it -------------------------------------------


@dataclass
class Reprise:
    """An action linked to this one by a reprise, and its centre."""

    action: Link
    centre: Link


@dataclass
class Lineage:
    source: Reprise | None  # the published action this one was taken from
    reprises: list[Reprise]  # the published actions taken from this one, by centre

    @property
    def centre_count(self) -> int:
        return len({reprise.centre.url for reprise in self.reprises})


def _linked_summary():
    return JSONObject(title="title", slug="slug", centre="centre__name", centre_slug="centre__slug")


def with_lineage(queryset):
    """Annotate each action with its published source and the published actions taken from it, in French order
    of their centres (JSON read in the same query: the page runs no query more)."""
    published = Action.objects.published()
    source = published.filter(pk=OuterRef("inspired_by_id")).order_by().values(json=_linked_summary())[:1]
    reprises = (
        published.filter(inspired_by=OuterRef("pk"))
        .order_by("centre__normalized_name", "normalized_title", "pk")
        .values(json=_linked_summary())
    )
    return queryset.annotate(
        source_summary=Subquery(source, output_field=JSONField()), reprise_summaries=ArraySubquery(reprises)
    )


def _reprise(summary: dict) -> Reprise:
    return Reprise(
        Link(summary["title"], reverse("action_detail", kwargs={"slug": summary["slug"]})),
        Link(summary["centre"], reverse("centre_detail", kwargs={"slug": summary["centre_slug"]})),
    )


def lineage(action: Action) -> Lineage:
    """Where ``action`` (annotated by ``with_lineage``) was taken from, and who took it since."""
    source = _reprise(action.source_summary) if action.source_summary else None
    return Lineage(source, [_reprise(summary) for summary in action.reprise_summaries])
