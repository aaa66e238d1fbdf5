"""The open-data export schema: one action as a record, nested (JSON, the API) or flat (CSV, XLSX).

A record is built from the action's SheetData (``mapper.sheet_from_action``), so every field the mapper reads
is available here; ``NOT_EXPORTED`` names the SheetData fields the schema does not carry, and a test checks
that the two lists cover SheetData. Choices and lists are written by their French labels as on the sheets,
amounts as decimal strings with two decimals. ``importers.records`` reads records back into SheetData. The
contract is "at least these keys": keys are only ever added (``ADDED_KEYS``, which readers do not require).

Flat rows (one action per row) spread the centre over four columns, join lists with `` | ``, write funding lines
``label : amount`` and the partners by role as JSON, neutralize the cells a spreadsheet would run as a formula,
and drop control characters.
"""

import json
import re
from decimal import Decimal

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from actions_catalog.core import amounts
from actions_catalog.core.choices import Dimension, Initiative, Public, Status, Territory
from actions_catalog.core.mapper import sheet_from_action
from actions_catalog.core.sheet import FIELDS_BY_NAME, TEXT_FIELDS, group_partners
from actions_catalog.core.text import normalize_key

#: The keys of a record, in order: the open-data contract (keys are only ever added).
EXPORT_KEYS = (
    "title",
    "slug",
    "centre",
    "status",
    "end_reason",
    "dimension",
    "keywords",
    "publics",
    "initiative",
    "partners",
    "territory",
    "summary",
    "context",
    "description",
    "funding_text",
    "people_text",
    "result_territory",
    "result_centre",
    "result_residents",
    "limits",
    "outlook",
    "funding_lines",
    "funding_total",
    # Added by issue 14 (importer fidelity):
    "funding_declared_total",
    "funding_consistent",
    "years",
    "files",
    "partner_groups",
    # Added by issue 16 (« Reprendre une action »):
    "inspired_by",
)
#: Keys that name another action rather than say what the sheet says: ``inspired_by``, the slug of the published
#: action this one was taken from (« Reprendre cette action »), else ``null``. Imports do not read them (a reprise
#: is recorded on the site only).
LINK_KEYS = ("inspired_by",)
#: The keys added to the first schema: a record (an older export) may lack them.
ADDED_KEYS = frozenset({"funding_declared_total", "funding_consistent", "years", "files", "partner_groups", *LINK_KEYS})
#: Keys computed from the others, or ignored on import (``files``: the names of the files, which stay the action's).
DERIVED_KEYS = frozenset({"funding_total", "funding_consistent", "files"})
#: SheetData fields the schema does not carry (``files`` names the files, which an import does not bring).
NOT_EXPORTED = frozenset({"declares_files", "files_text"})
#: What an import of the schema leaves as the action has it (``SheetData.omitted``); a record without ``years`` or
#: ``partner_groups`` (an export older than these keys) leaves those too (``importers.records``).
NOT_CARRIED = NOT_EXPORTED
#: The columns of a flat row: the centre spread over four columns.
CENTRE_COLUMNS = ("centre", "departement_code", "departement", "region")
FLAT_COLUMNS = (*EXPORT_KEYS[:2], *CENTRE_COLUMNS, *EXPORT_KEYS[3:])
#: The French header of each flat column (CSV, XLSX, the admin's exports): the sheet's own label where it has
#: one. Imports accept these headers and the keys alike (``column_key``).
_OWN_HEADERS = {
    "slug": "Identifiant (slug)",
    "centre": "Structure organisatrice",
    "departement_code": "Code du département",
    "departement": "Département",
    "region": "Région",
    "initiative": "À l'initiative de l'action",
    "funding_total": "Total des financements",
    "funding_declared_total": "Budget total déclaré",
    "funding_consistent": "Financement cohérent",
    "files": "Fichiers associés",
    "inspired_by": "Inspirée de (slug)",
}
FLAT_HEADERS = {column: _OWN_HEADERS.get(column) or FIELDS_BY_NAME[column].label for column in FLAT_COLUMNS}
#: How a flat cell writes ``funding_consistent``.
FLAT_BOOLEANS = {True: "oui", False: "non"}
_COLUMN_BY_HEADER = {normalize_key(header): column for column, header in FLAT_HEADERS.items()}
LIST_SEPARATOR = " | "
#: A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: A spreadsheet that splits a CSV line on ``;`` (French Excel) runs a field that starts after a ``;``: such a
#: field is neutralized too (``Atelier;=1+1`` → ``Atelier;'=1+1``).
_AFTER_SEMICOLON = re.compile(r"(;[ ]*)(?=[=+\-@\t\r])")
_NEUTRALIZED_AFTER_SEMICOLON = re.compile(r"(;[ ]*)'(?=[=+\-@\t\r])")


def flat_headers() -> list[str]:
    """The header row of the flat files, in French."""
    return [FLAT_HEADERS[column] for column in FLAT_COLUMNS]


def column_key(header: str) -> str:
    """The key of a flat column from its header: the key itself or its French header (case, accents and
    punctuation aside); an unknown header is returned as it is."""
    header = str(header).strip().lstrip("\ufeff")
    if header in FLAT_HEADERS:
        return header
    return _COLUMN_BY_HEADER.get(normalize_key(header), header)


#: What the queryset of exported actions must load for ``export_record`` to run no query (and annotate
#: ``Action.objects.with_source_slug().with_file_names()``; ``with_sheet_relations`` does all of it).
EXPORT_SELECT = ("centre__departement__region",)

_LABELLED = {"status": Status, "dimension": Dimension, "territory": Territory}
_LABELLED_LISTS = {"publics": ("publics", Public), "initiative": ("initiatives", Initiative)}


def format_amount(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def file_names(action, sheet) -> list[str]:
    """The names of a sheet's files: those its scraped text lists (« Fichier(s) associé(s) »), then its approved
    files (``public_file_names``, annotated by ``with_file_names``; read here when it is not)."""
    names = [line.strip().removeprefix("- ").strip() for line in sheet.files_text.splitlines()]
    names = [name for name in names if name and name != "-"]
    attached = getattr(action, "public_file_names", None)
    if attached is None:
        from actions_catalog.core.submission_models import Attachment

        attached = Attachment.objects.public().filter(action=action).order_by("created_at", "pk")
        attached = list(attached.values_list("original_name", flat=True))
    return list(dict.fromkeys([*names, *attached]))


def export_record(action) -> dict:
    """The record of one action (select ``EXPORT_SELECT``, prefetch ``mapper.SHEET_PREFETCH`` and annotate
    ``with_source_slug``, ``with_file_names``: no query)."""
    sheet = sheet_from_action(action)
    departement = action.centre.departement
    line_amounts = [line.amount for line in sheet.funding_lines]
    record = {
        "title": sheet.title,
        "slug": action.slug,
        "centre": {
            "name": sheet.centre_name,
            "departement_code": departement.code,
            "departement": departement.name,
            "region": departement.region.name,
        },
        "keywords": list(sheet.keywords),
        "partners": list(sheet.partners),
        "funding_lines": [{"label": line.label, "amount": format_amount(line.amount)} for line in sheet.funding_lines],
        "funding_total": format_amount(amounts.funding_total(sheet.declared_total, line_amounts)),
        "funding_declared_total": format_amount(sheet.declared_total),
        "funding_consistent": amounts.funding_consistent(sheet.declared_total, line_amounts),
        "years": list(sheet.years),
        "files": file_names(action, sheet),
        "partner_groups": [
            {"role": group.role, "partners": list(group.partners)}
            for group in group_partners(sheet.partners, sheet.partner_groups)
        ],
        "inspired_by": _source_slug(action),
    }
    for key, choices in _LABELLED.items():
        value = getattr(sheet, key)
        record[key] = None if value is None else choices(value).label
    for key, (name, choices) in _LABELLED_LISTS.items():
        record[key] = [choices(value).label for value in getattr(sheet, name)]
    for name in TEXT_FIELDS:
        if name in EXPORT_KEYS:
            record[name] = getattr(sheet, name)
    return {key: record[key] for key in EXPORT_KEYS}


def _source_slug(action) -> str | None:
    """``inspired_by``: annotated by ``Action.objects.with_source_slug()`` (no query), else read."""
    if hasattr(action, "inspired_by_slug"):
        return action.inspired_by_slug
    if action.inspired_by_id is None:
        return None
    from actions_catalog.core.models import Action

    return Action.objects.published().filter(pk=action.inspired_by_id).values_list("slug", flat=True).first()


def flat_row(record: dict) -> list:
    """The cells of a record as one spreadsheet row (``FLAT_COLUMNS``), safe to open in a spreadsheet."""
    row = []
    for key in EXPORT_KEYS:
        value = record[key]
        if key == "centre":
            row += [value["name"], value["departement_code"], value["departement"], value["region"]]
        elif key == "partner_groups":
            row.append(json.dumps(value, ensure_ascii=False) if value else "")
        elif isinstance(value, bool):
            row.append(FLAT_BOOLEANS[value])
        elif isinstance(value, list):
            row.append(LIST_SEPARATOR.join(_flat_item(item) for item in value))
        else:
            row.append(value)
    return [spreadsheet_cell(value) for value in row]


def _flat_item(item) -> str:
    if isinstance(item, dict):  # a funding line
        return item["label"] if item["amount"] is None else f"{item['label']} : {item['amount']}"
    return str(item)


def neutralize_formula(value):
    """Prefix a text cell that a spreadsheet would evaluate with an apostrophe (OWASP's advice), and any part of
    it that starts after a ``;``."""
    if not isinstance(value, str):
        return value
    if ";" in value:
        value = _AFTER_SEMICOLON.sub(r"\1'", value)
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def spreadsheet_cell(value):
    """A value safe in a CSV or XLSX cell: no formula, no control character (which XLSX cannot hold)."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return neutralize_formula(value)


def restore_formula(value):
    """Undo ``neutralize_formula`` on an imported cell, so that an export can be imported back as is."""
    if not isinstance(value, str):
        return value
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_TRIGGERS):
        value = value[1:]
    if ";" in value:
        value = _NEUTRALIZED_AFTER_SEMICOLON.sub(r"\1", value)
    return value


def export_rows(actions=None) -> list[dict]:
    """The records of ``actions`` (loaded with ``with_sheet_relations``), every published action by default."""
    from actions_catalog.core.models import Action

    if actions is None:
        actions = Action.objects.published().with_sheet_relations().order_by("pk")
    return [export_record(action) for action in actions]
