"""Records of the export schema (``actions_catalog.core.export_schema``) back into SheetData. No database.

A record is one action as the exports write it: JSON with nested values (``centre`` an object, lists as
lists, funding lines as ``{"label", "amount"}``) or a flat CSV/XLSX row (the centre spread over ``centre``,
``departement_code``…, lists joined with `` | ``, funding lines as ``label : 12.00``). Choices are read by
their French label (or their value). Problems are reported by column, all of them at once.

``base`` is the sheet an existing action holds: the columns a record leaves out keep their values, so a file
with a few columns edits just those. The export names the files of a sheet (``files``) but an import never
brings them: they are kept, and so are the computed keys (``funding_total``, ``funding_consistent``) read no
further than their type. The partners by role (``partner_groups``: JSON, in a flat cell too) win over the flat
list of ``partners`` when both are given and disagree.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from actions_catalog.core.amounts import MAX_AMOUNT
from actions_catalog.core.choices import Dimension, Initiative, Public, Status, Territory
from actions_catalog.core.export_schema import EXPORT_KEYS, NOT_CARRIED, column_key
from actions_catalog.core.limits import sheet_problems
from actions_catalog.core.models import MAX_ACTION_YEAR, MIN_ACTION_YEAR
from actions_catalog.core.sheet import (
    TEXT_FIELDS,
    FundingLineData,
    PartnerGroup,
    SheetData,
    canonical_partners,
    regroup,
)
from actions_catalog.core.text import collapse_whitespace, normalize_key
from importers.departements import resolve_departement
from importers.parser import MAX_CENTRE_NAME_LENGTH, MAX_LABEL_LENGTH, MAX_TITLE_LENGTH, length_problem

LIST_SEPARATOR = "|"
#: What no text may hold: the control characters the sheet parser refuses (PostgreSQL refuses NUL, XLSX all of
#: them; tab and line breaks are fine), and lone surrogates, which JSON escapes can write but UTF-8 cannot store.
_UNSTORABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
#: The free-text columns of a record: the text fields of a sheet that the export schema carries.
TEXT_COLUMNS = tuple(name for name in TEXT_FIELDS if name in EXPORT_KEYS)
#: column → (SheetData field, choices, required)
CHOICE_COLUMNS = {
    "status": ("status", Status, True),
    "dimension": ("dimension", Dimension, False),
    "territory": ("territory", Territory, False),
}
#: column → (SheetData field, choices or None for free labels)
LIST_COLUMNS = {
    "keywords": ("keywords", None),
    "partners": ("partners", None),
    "publics": ("publics", Public),
    "initiative": ("initiatives", Initiative),
}


#: What a cell may hold: text, or a number (XLSX), never a list, an object or a boolean.
_SCALARS = (str, int, float, Decimal)


def _kind(value) -> str:
    """How a JSON value is called in a problem."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "un booléen"
    if isinstance(value, list):
        return "une liste"
    if isinstance(value, Mapping):
        return "un objet"
    if isinstance(value, int | float | Decimal):
        return "un nombre"
    return f"une valeur {type(value).__name__}"


class RecordError(ValueError):
    """The problems of one record, by column."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{column}: {' '.join(messages)}" for column, messages in errors.items()))
        self.errors = errors


class _Reader:
    def __init__(self, record: Mapping):
        # Flat files name their columns by the key or by its French header (``export_schema.FLAT_HEADERS``).
        self.record = {column_key(key): value for key, value in record.items() if key is not None}
        self.errors: dict[str, list[str]] = {}

    def has(self, column: str) -> bool:
        return column in self.record

    def error(self, column: str, message: str):
        self.errors.setdefault(column, []).append(message)

    def text(self, column: str, value=...) -> str:
        value = self.record.get(column) if value is ... else value
        if value is None:
            return ""
        if not isinstance(value, _SCALARS) or isinstance(value, bool):
            self.error(column, f"un texte est attendu, pas {_kind(value)}.")
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()

    def items(self, column: str, *, objects: bool = False, numbers: bool = False) -> list:
        value = self.record.get(column)
        if value in (None, ""):
            return []
        if isinstance(value, list):
            kept = []
            for number, item in enumerate(value, start=1):
                if isinstance(item, str) or (objects and isinstance(item, Mapping)):
                    kept.append(item)
                elif numbers and isinstance(item, int | float) and not isinstance(item, bool):
                    kept.append(item)
                else:
                    expected = "un texte ou un objet" if objects else ("une année" if numbers else "un texte")
                    self.error(column, f"élément {number} : {expected} est attendu, pas {_kind(item)}.")
            return kept
        if not isinstance(value, _SCALARS) or isinstance(value, bool):
            self.error(column, f"une liste est attendue, pas {_kind(value)}.")
            return []
        return [item.strip() for item in str(value).split(LIST_SEPARATOR) if item.strip()]


def _choice(choices, text: str) -> str | None:
    key = normalize_key(text)
    for value, label in choices.choices:
        if key in (normalize_key(value), normalize_key(label)):
            return value
    return None


def _amount(text, *, signed: bool = False) -> Decimal | None:
    """An amount of a record; ``signed``: a negative one is possible (a funding line: a refund, an expense)."""
    try:
        value = Decimal(str(text).replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except InvalidOperation:
        raise ValueError(f"« {text} » n'est pas un montant (ex. : 1500.00)") from None
    if not value.is_finite() or (value < 0 and not signed) or abs(value) > MAX_AMOUNT:
        raise ValueError(f"« {text} » n'est pas un montant possible")
    return value.quantize(Decimal("0.01"))


def sheet_from_record(record: Mapping, *, base: SheetData | None = None) -> SheetData:
    """The sheet a record describes (on top of ``base``); raises ``RecordError`` with every problem."""
    reader = _Reader(record)
    sheet = replace(base) if base is not None else SheetData(title="", centre_name="", departement_code="", status="")
    _read_identity(reader, sheet)
    for column in TEXT_COLUMNS:
        if reader.has(column):
            setattr(sheet, column, reader.text(column))
    for column, (name, choices, required) in CHOICE_COLUMNS.items():
        if reader.has(column) or base is None:
            text = reader.text(column)
            value = _choice(choices, text) if text else None
            if text and value is None:
                reader.error(column, f"« {text} » n'est pas un choix possible ({', '.join(choices.labels)}).")
            elif value is None and required:
                reader.error(column, "Ce champ est obligatoire.")
            setattr(sheet, name, value)
    for column, (name, choices) in LIST_COLUMNS.items():
        if reader.has(column):
            setattr(sheet, name, _read_list(reader, column, choices))
    omitted = set(NOT_CARRIED)
    if not _read_partner_groups(reader, sheet, base):
        omitted.add("partner_groups")
    if reader.has("years"):
        sheet.years = _read_years(reader)
    elif base is None:
        omitted.add("years")
    _read_funding(reader, sheet, base)
    _check_storable(reader, sheet)
    for name, message in sheet_problems(sheet):
        reader.error({"initiatives": "initiative"}.get(name, name), message)
    sheet.omitted = frozenset(omitted)
    if reader.errors:
        raise RecordError(reader.errors)
    return sheet


def _check_storable(reader: _Reader, sheet: SheetData):
    """No text of the sheet may hold a character the database or the exports cannot store."""
    texts = {
        "title": [sheet.title],
        "centre": [sheet.centre_name],
        "keywords": sheet.keywords,
        "partners": sheet.partners,
        "partner_groups": [group.role for group in sheet.partner_groups],
        "funding_lines": [line.label for line in sheet.funding_lines],
        **{column: [getattr(sheet, column)] for column in TEXT_COLUMNS},
    }
    for column, values in texts.items():
        for text in values:
            if match := _UNSTORABLE.search(text):
                reader.error(column, f"Caractère interdit U+{ord(match[0]):04X} (caractère de contrôle ou invalide).")
                break


def _read_identity(reader: _Reader, sheet: SheetData):
    if reader.has("title") or not sheet.title:
        sheet.title = collapse_whitespace(reader.text("title"))
        if not normalize_key(sheet.title):
            reader.error("title", "Le titre est obligatoire.")
        elif len(sheet.title) > MAX_TITLE_LENGTH:
            reader.error("title", f"Le titre dépasse {MAX_TITLE_LENGTH} caractères.")
        elif too_long := length_problem(sheet.title, MAX_TITLE_LENGTH):
            reader.error("title", f"Le titre est {too_long}.")
    centre = reader.record.get("centre")
    nested = isinstance(centre, Mapping)  # JSON: the centre is an object
    if not nested and not reader.has("centre") and sheet.centre_name:
        return  # the centre is not in the record: the action keeps its own
    if nested:
        name, code, departement = (reader.text(column, centre.get(key)) for key, column in _CENTRE_KEYS)
    else:
        name, code, departement = reader.text("centre"), reader.text("departement_code"), reader.text("departement")
    column = "centre"
    sheet.centre_name = collapse_whitespace(name)
    if not normalize_key(sheet.centre_name):
        reader.error(column, "Le nom du centre est obligatoire.")
    elif len(sheet.centre_name) > MAX_CENTRE_NAME_LENGTH:
        reader.error(column, f"Le nom du centre dépasse {MAX_CENTRE_NAME_LENGTH} caractères.")
    elif too_long := length_problem(sheet.centre_name, MAX_CENTRE_NAME_LENGTH):
        reader.error(column, f"Le nom du centre est {too_long}.")
    resolved = resolve_departement(code) if code else (resolve_departement(departement) if departement else None)
    if resolved is None:
        target = column if nested else "departement_code"
        reader.error(target, f"Département inconnu : « {code or departement} » (un code INSEE : 31, 2A, 974…).")
    else:
        sheet.departement_code = resolved


_CENTRE_KEYS = (("name", "centre"), ("departement_code", "centre"), ("departement", "centre"))


def _read_list(reader: _Reader, column: str, choices, *, items=None) -> list[str]:
    values = []
    for item in reader.items(column) if items is None else items:
        text = collapse_whitespace(str(item))
        if choices is None:
            if len(text) > MAX_LABEL_LENGTH:
                reader.error(column, f"« {text[:40]}… » dépasse {MAX_LABEL_LENGTH} caractères.")
            elif too_long := length_problem(text, MAX_LABEL_LENGTH):
                reader.error(column, f"« {text[:40]}… » est {too_long}.")
            elif normalize_key(text):
                values.append(text)
            continue
        value = _choice(choices, text)
        if value is None:
            reader.error(column, f"« {text} » n'est pas un choix possible ({', '.join(choices.labels)}).")
        else:
            values.append(value)
    return list(dict.fromkeys(values))


def _read_partner_groups(reader: _Reader, sheet: SheetData, base: SheetData | None) -> bool:
    """Read ``partner_groups`` (a JSON list of ``{"role", "partners"}``, or its text in a flat cell); whether the
    record settles the roles. Groups win over ``partners``. Without them, the partners keep the roles ``base`` gave
    them; without ``base`` either, a record naming partners but not the key (an older export) leaves their roles to
    the action it updates (``SheetData.omitted``)."""
    value = reader.record.get("partner_groups")
    if isinstance(value, str) and value.strip():
        try:
            value = json.loads(value)
        except ValueError:
            reader.error("partner_groups", 'une liste JSON de {"role": texte, "partners": [textes]} est attendue.')
            return True
    if value in (None, "", []):  # no roles given: the partners keep those they had
        if base is not None:
            sheet.partners, sheet.partner_groups = regroup(sheet.partners, base.partner_groups)
            return True
        sheet.partner_groups = []
        return reader.has("partner_groups") or not reader.has("partners")
    if not isinstance(value, list):
        reader.error("partner_groups", f"une liste est attendue, pas {_kind(value)}.")
        return True
    groups = []
    for number, item in enumerate(value, start=1):
        role, partners = (item.get("role"), item.get("partners")) if isinstance(item, Mapping) else (None, None)
        if not isinstance(role, str) or not isinstance(partners, list) or not all(isinstance(p, str) for p in partners):
            reader.error(
                "partner_groups", f'élément {number} : un objet {{"role": texte, "partners": [textes]}} est attendu.'
            )
            continue
        if len(role) > MAX_LABEL_LENGTH:
            reader.error("partner_groups", f"élément {number} : le rôle dépasse {MAX_LABEL_LENGTH} caractères.")
            continue
        labels = _read_list(reader, "partner_groups", None, items=partners)
        groups.append(PartnerGroup(collapse_whitespace(role), labels))
    sheet.partners, sheet.partner_groups = canonical_partners(groups)
    return True


def _read_years(reader: _Reader) -> list[int]:
    """``years``: a list of years (JSON), or years joined with `` | `` (a flat cell; an XLSX number)."""
    value = reader.record.get("years")
    if isinstance(value, int | float) and not isinstance(value, bool):
        items = [value]
    else:
        items = reader.items("years", numbers=True)
    years = []
    for item in items:
        text = str(int(item)) if isinstance(item, float) and item.is_integer() else str(item).strip()
        if not re.fullmatch(r"\d{4}", text) or not MIN_ACTION_YEAR <= int(text) <= MAX_ACTION_YEAR:
            reader.error("years", f"« {text} » n'est pas une année (de {MIN_ACTION_YEAR} à {MAX_ACTION_YEAR}).")
        else:
            years.append(int(text))
    return sorted(set(years))


def _read_funding(reader: _Reader, sheet: SheetData, base: SheetData | None):
    if reader.has("funding_lines"):
        lines = []
        for item in reader.items("funding_lines", objects=True):
            try:
                lines.append(_funding_line(item))
            except ValueError as error:
                reader.error("funding_lines", str(error))
        sheet.funding_lines = lines
    if reader.has("funding_declared_total"):  # the declared total itself (newer exports)
        text = reader.text("funding_declared_total")
        try:
            sheet.declared_total = _amount(text) if text else None
        except ValueError as error:
            reader.error("funding_declared_total", str(error))
        return
    if not reader.has("funding_total"):
        return
    text = reader.text("funding_total")
    try:
        total = _amount(text) if text else None
    except ValueError as error:
        reader.error("funding_total", str(error))
        return
    # The export writes the declared total, or else the sum of the lines: a total equal to that sum
    # declares nothing more, unless the action already declared it.
    amounts = [line.amount for line in sheet.funding_lines if line.amount is not None]
    computed = sum(amounts, Decimal("0.00")) if amounts else None
    if total is not None and base is not None and base.declared_total == total:
        sheet.declared_total = total
    elif total == computed:
        sheet.declared_total = None
    else:
        sheet.declared_total = total


def _funding_line(item) -> FundingLineData:
    if isinstance(item, Mapping):
        label, amount = item.get("label"), item.get("amount")
        if not isinstance(label, str) or not (amount is None or isinstance(amount, str | int | float)):
            raise ValueError('Une ligne de financement est un objet {"label": texte, "amount": texte ou null}.')
        label = collapse_whitespace(label)
        if not label:
            raise ValueError("Une ligne de financement n'a pas de libellé.")
        return FundingLineData(label[:300], _amount(amount, signed=True) if amount not in (None, "") else None)
    text = collapse_whitespace(str(item))
    if not text:
        raise ValueError("Une ligne de financement n'a pas de libellé.")
    label, separator, amount = text.rpartition(" : ")
    if separator:
        try:
            return FundingLineData(label[:300], _amount(amount, signed=True))
        except ValueError:
            pass
    return FundingLineData(text[:300])
