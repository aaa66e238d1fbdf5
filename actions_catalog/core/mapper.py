"""The one mapper between an action and a SheetData, and between a SheetData and JSON.

- ``sheet_from_action``: what an action says now, as a SheetData (the admin's import starts from it, the form
  edits it, curation and merges read it, the export writes it);
- ``fill_action``: the action's own columns from a SheetData (the writer, which also writes the relation rows
  of ``relations.SHEET_RELATIONS``);
- ``sheet_to_json`` / ``sheet_from_json``: a SheetData as JSON-ready values (a revision stores its proposed
  sheet so), provenance left out.
"""

from dataclasses import asdict, fields
from decimal import Decimal

from actions_catalog.core.relations import SHEET_PREFETCH, SHEET_RELATIONS  # noqa: F401 (SHEET_PREFETCH: re-exported)
from actions_catalog.core.sheet import PROVENANCE_FIELDS, FundingLineData, PartnerGroup, SheetData, SourceRef

#: Where a sheet written by the submission form comes from (``SheetData.source.name``).
FORM_SOURCE = "formulaire"
#: The SheetData fields held in the action's own columns (the relations hold the others, the centre its name).
ACTION_COLUMNS = tuple(
    f.name
    for f in fields(SheetData)
    if f.name not in PROVENANCE_FIELDS
    and f.name not in {name for relation in SHEET_RELATIONS for name in relation.sheet_fields}
    and f.name not in ("title", "centre_name", "departement_code")
)


def sheet_from_action(action) -> SheetData:
    """The sheet an action holds now. Select ``centre`` and prefetch ``SHEET_PREFETCH`` to read it without
    further queries."""
    sheet = SheetData(
        title=action.title,
        centre_name=action.centre.name,
        departement_code=action.centre.departement_id,
        status=action.status,
        source=SourceRef(action.source_file, action.source_line),
    )
    for column in ACTION_COLUMNS:
        setattr(sheet, column, getattr(action, column))
    for relation in SHEET_RELATIONS:
        relation.read_into(sheet, action)
    return sheet


def fill_action(action, sheet: SheetData) -> None:
    """Copy what ``sheet`` says into the action's own columns (not its title, centre or relations)."""
    for column in ACTION_COLUMNS:
        setattr(action, column, getattr(sheet, column))


def sheet_to_json(sheet: SheetData) -> dict:
    """What a sheet says, as JSON-ready values (amounts as strings); provenance is left out."""
    data = asdict(sheet)
    for name in PROVENANCE_FIELDS:
        data.pop(name)
    data["declared_total"] = _amount_to_json(sheet.declared_total)
    data["funding_lines"] = [
        {"label": line.label, "amount": _amount_to_json(line.amount)} for line in sheet.funding_lines
    ]
    return data


def sheet_from_json(data: dict) -> SheetData:
    known = {f.name for f in fields(SheetData)} - set(PROVENANCE_FIELDS)
    values = {key: value for key, value in data.items() if key in known}
    values["declared_total"] = _amount_from_json(values.get("declared_total"))
    values["funding_lines"] = [
        FundingLineData(line["label"], _amount_from_json(line.get("amount")))
        for line in values.get("funding_lines", [])
    ]
    values["partner_groups"] = [
        PartnerGroup(group["role"], list(group["partners"])) for group in values.get("partner_groups", [])
    ]
    return SheetData(**values, source=SourceRef(FORM_SOURCE))


def _amount_to_json(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def _amount_from_json(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)
