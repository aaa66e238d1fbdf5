"""SheetData: the one in-memory shape of an action sheet, whatever it came from, and the registry of its fields.

The scraped-text parser, the JSON reader, the admin's import and the submission form all produce a SheetData;
the writer consumes it. Choice fields hold the values of ``choices`` (slugs); lists keep the order of the sheet.

``FIELDS`` lists every field of what a sheet says, once: its label on the public page (``label``), its label
on the scraped sheets (``sheet_label``, spelt as the federation's form spelt it), its kind, and where it is
searched. The parser's sections, the export schema, the form's sections and the search trigger's columns are
derived from it or checked against it by tests, so that a field added here and forgotten elsewhere fails.
"""

import enum
import hashlib
import json
from dataclasses import dataclass, field, fields
from decimal import Decimal

from actions_catalog.core.choices import Dimension, Initiative, Public, Status, Territory
from actions_catalog.core.text import collapse_whitespace, normalize_key


class Kind(enum.Enum):
    IDENTITY = "identity"  # title, centre: who and what the sheet is
    TEXT = "text"  # free text, kept as written
    CHOICE = "choice"  # one value among a TextChoices
    CHOICES = "choices"  # several values among a TextChoices
    LABELS = "labels"  # free labels: keywords, partners
    PARTNER_GROUPS = "partner_groups"  # the partners under their headings (their roles)
    FUNDING_LINES = "funding_lines"
    AMOUNT = "amount"
    YEARS = "years"
    FLAG = "flag"


@dataclass(frozen=True)
class SheetField:
    name: str  # the SheetData attribute
    label: str  # as the public page and the moderator's diff show it
    kind: Kind
    sheet_label: str | None = None  # the label line of the scraped sheets, when they have one
    choices: type | None = None
    #: The weight of the text in the search vector (migration 0007), or None when it is not searched.
    search_weight: str | None = None


#: Every field of what a sheet says, in the order of the federation's form.
FIELDS = (
    SheetField("title", "Titre", Kind.IDENTITY, search_weight="A"),
    SheetField("centre_name", "Structure organisatrice", Kind.IDENTITY, "Structure organisatrice"),
    SheetField("departement_code", "Département", Kind.IDENTITY),
    SheetField("files_text", "Fichiers associés", Kind.TEXT, "Fichier(s) associé(s)"),
    SheetField("status", "Statut de l'action", Kind.CHOICE, "Statut de l'action", Status),
    SheetField(
        "end_reason",
        "Raisons pour lesquelles l'action est terminée",
        Kind.TEXT,
        "Raisons pour lesquelles l'action est terminée",
        search_weight="C",
    ),
    SheetField("dimension", "Dimension", Kind.CHOICE, "Dimension", Dimension),
    SheetField("keywords", "Mots clés", Kind.LABELS, "Mots clés associés à l'action", search_weight="B"),
    SheetField("summary", "Résumé", Kind.TEXT, "Résumé", search_weight="B"),
    SheetField(
        "initiatives", "À l'initiative de l'action", Kind.CHOICES, "Qui est à l'initiative de l'action ?", Initiative
    ),
    SheetField("territory", "Territoire concerné", Kind.CHOICE, "Territoire concerné", Territory),
    SheetField(
        "context",
        "L'expérience, ses objectifs, ses acteurs et ses phases",
        Kind.TEXT,
        "Description de l'expérience, ses objectifs, ses acteurs et ses différentes phases.",
        search_weight="C",
    ),
    SheetField("publics", "Public", Kind.CHOICES, "Public", Public),
    SheetField("partners", "Partenaires", Kind.LABELS, "Avec qui cette action a-t-elle été menée ?"),
    SheetField("partner_groups", "Partenaires par rôle", Kind.PARTNER_GROUPS),
    SheetField("description", "Description générale", Kind.TEXT, "Description générale", search_weight="C"),
    SheetField(
        "funding_text",
        "Ressources financières mobilisées",
        Kind.TEXT,
        "Ressources financières mobilisées pour cette action",
        search_weight="C",
    ),
    SheetField("funding_lines", "Lignes de financement", Kind.FUNDING_LINES),
    SheetField("declared_total", "Budget total déclaré", Kind.AMOUNT),
    SheetField(
        "people_text",
        "Nombre de personnes mobilisées",
        Kind.TEXT,
        "Nombre de personnes mobilisés pour cette action",  # sic: the scraped form's spelling
        search_weight="C",
    ),
    SheetField(
        "result_territory", "Résultat sur le territoire", Kind.TEXT, "Résultat sur le territoire", search_weight="C"
    ),
    SheetField(
        "result_centre",
        "Résultat pour le centre social",
        Kind.TEXT,
        "Résultat pour le centre social",
        search_weight="C",
    ),
    SheetField(
        "result_residents",
        "Résultat pour les habitants",
        Kind.TEXT,
        "Résultat pour les habitants",
        search_weight="C",
    ),
    SheetField("limits", "Limites", Kind.TEXT, "Suite de l'action : Limites", search_weight="C"),
    SheetField("outlook", "Perspectives", Kind.TEXT, "Suite de l'action : Perspectives", search_weight="C"),
    SheetField("declares_files", "La fiche mentionne des fichiers", Kind.FLAG),
    SheetField("years", "Année(s)", Kind.YEARS),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
#: The free-text fields, in the order of the form.
TEXT_FIELDS = tuple(f.name for f in FIELDS if f.kind is Kind.TEXT)


@dataclass(frozen=True)
class FundingLineData:
    label: str
    amount: Decimal | None = None


#: The heading the federation's form writes above every sheet's partners: a role that says nothing more.
GENERIC_PARTNER_ROLE = "Partenaires d'action"


@dataclass(frozen=True)
class PartnerGroup:
    """The partners a sheet lists under one heading (« Partenaires financiers : »): ``role`` is the heading,
    without its colon ("" for partners under no heading)."""

    role: str
    partners: list[str] = field(default_factory=list)


def group_partners(partners: list[str], groups: list[PartnerGroup]) -> list[PartnerGroup]:
    """The partners of a sheet by role, as the export writes them: ``groups`` when the sheet has roles, else one
    group without a role (none without partners)."""
    if groups:
        return list(groups)
    return [PartnerGroup("", list(partners))] if partners else []


def canonical_partners(groups: list[PartnerGroup]) -> tuple[list[str], list[PartnerGroup]]:
    """``(partners, partner_groups)`` of a SheetData from groups (a reader's): the flat list names each partner
    once (by normalized label), in order; the groups are kept only when some role is given, each role once."""
    by_role: dict[str, tuple[PartnerGroup, set[str]]] = {}
    flat, seen = [], set()
    for group in groups:
        role = collapse_whitespace(group.role)
        if role not in by_role:
            by_role[role] = (PartnerGroup(role, []), set())
        kept, keys = by_role[role]
        for partner in group.partners:
            if (key := normalize_key(partner)) and key not in keys:
                keys.add(key)
                kept.partners.append(partner)
    kept_groups = [group for group, _ in by_role.values() if group.partners]
    for group in kept_groups:
        for partner in group.partners:
            if (key := normalize_key(partner)) not in seen:
                seen.add(key)
                flat.append(partner)
    if all(not group.role for group in kept_groups):
        return flat, []
    return flat, kept_groups


def regroup(partners: list[str], groups: list[PartnerGroup]) -> tuple[list[str], list[PartnerGroup]]:
    """``(partners, partner_groups)`` when a new flat list of partners (a form, a file without roles) edits a sheet
    whose partners had ``groups``: each partner kept keeps its roles, a new one comes last without a role."""
    if not groups:
        return canonical_partners([PartnerGroup("", list(partners))])
    wanted = {normalize_key(partner): partner for partner in partners}
    kept = [PartnerGroup(group.role, [p for p in group.partners if normalize_key(p) in wanted]) for group in groups]
    placed = {normalize_key(p) for group in kept for p in group.partners}
    new = [partner for key, partner in wanted.items() if key not in placed]
    return canonical_partners([*kept, PartnerGroup("", new)])


@dataclass(frozen=True)
class SourceRef:
    """Where a sheet was read: a file name (or another origin such as ``"formulaire"``) and a line."""

    name: str = ""
    line: int | None = None


@dataclass
class SheetData:
    title: str
    centre_name: str
    departement_code: str
    status: str
    end_reason: str = ""
    dimension: str | None = None
    keywords: list[str] = field(default_factory=list)
    summary: str = ""
    initiatives: list[str] = field(default_factory=list)
    territory: str | None = None
    context: str = ""
    publics: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    #: The partners by role when the sheet gives roles (sub-headings), else empty: ``partners`` is then the whole
    #: story. When it is set, ``partners`` is its flat list (``canonical_partners``).
    partner_groups: list[PartnerGroup] = field(default_factory=list)
    description: str = ""
    funding_text: str = ""
    funding_lines: list[FundingLineData] = field(default_factory=list)
    declared_total: Decimal | None = None
    people_text: str = ""
    result_territory: str = ""
    result_centre: str = ""
    result_residents: str = ""
    limits: str = ""
    outlook: str = ""
    declares_files: bool = False
    files_text: str = ""
    #: The year(s) the action ran, ascending (asked by the submission form; scraped sheets have none).
    years: list[int] = field(default_factory=list)
    # Provenance, not content: two sheets that differ only here are the same sheet.
    source: SourceRef = field(default_factory=SourceRef)
    field_lines: dict[str, int] = field(default_factory=dict)
    raw_text: str = ""
    #: The slug a new action should get when it is free (the JSON export carries it); "" to derive it.
    slug: str = ""
    #: Fields the input does not carry (the export schema has no files nor years): an update keeps the action's.
    omitted: frozenset = frozenset()
    #: What the reader noticed without rejecting the sheet (``core.problems.Problem``), reported by imports.
    warnings: list = field(default_factory=list)
    #: Whether the funding text holds amounts that no funding line took (``core.funding``); ``None``: not read
    #: yet, the writer reads it.
    funding_to_check: bool | None = None

    def content_hash(self) -> str:
        """A fingerprint of what the sheet says, insensitive to whitespace and to where it was read.

        The canonical form is that of ``dataclasses.asdict`` less the provenance, built without its deep copy.
        """
        content = {name: getattr(self, name) for name in CONTENT_FIELDS}
        content["funding_lines"] = [{"label": line.label, "amount": line.amount} for line in self.funding_lines]
        content["partner_groups"] = [{"role": g.role, "partners": g.partners} for g in self.partner_groups]
        for name in ("years", "partner_groups"):
            if not content[name]:
                content.pop(name)  # sheets without them keep the fingerprint they had before these fields existed
        canonical = json.dumps(_collapse(content), default=_canonical, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


#: The fields that are provenance (or what a reader derives from the content), not content.
PROVENANCE_FIELDS = ("source", "field_lines", "raw_text", "slug", "omitted", "warnings", "funding_to_check")
#: The fields a content hash covers: all but the provenance (the same as ``FIELDS``, which a test checks).
CONTENT_FIELDS = tuple(f.name for f in fields(SheetData) if f.name not in PROVENANCE_FIELDS)


def _canonical(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


def _collapse(content):
    if isinstance(content, str):
        return collapse_whitespace(content)
    if isinstance(content, list):
        return [_collapse(item) for item in content]
    if isinstance(content, dict):
        return {key: _collapse(item) for key, item in content.items()}
    return content
