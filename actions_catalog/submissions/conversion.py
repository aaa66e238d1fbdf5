"""SheetData from an action, and SheetData to and from JSON (a revision stores its proposed sheet as JSON)."""

from dataclasses import asdict, fields
from decimal import Decimal

from importers.sheets import FundingLineData, SheetData, SourceRef

#: Where a sheet written by the submission form comes from (``SheetData.source.name``).
FORM_SOURCE = "formulaire"

_PROVENANCE = ("source", "field_lines", "raw_text")


def sheet_from_action(action) -> SheetData:
    """The sheet an action holds now. Prefetch ``keywords``, ``partners``, ``publics``, ``initiatives``,
    ``funding_lines`` and ``years`` (``SHEET_PREFETCH``) to read it without further queries."""
    return SheetData(
        title=action.title,
        centre_name=action.centre.name,
        departement_code=action.centre.departement_id,
        status=action.status,
        end_reason=action.end_reason,
        dimension=action.dimension,
        keywords=[keyword.label for keyword in action.keywords.all()],
        summary=action.summary,
        initiatives=[row.initiative for row in action.initiatives.all()],
        territory=action.territory,
        context=action.context,
        publics=[row.public for row in action.publics.all()],
        partners=[partner.label for partner in action.partners.all()],
        description=action.description,
        funding_text=action.funding_text,
        funding_lines=[FundingLineData(line.label, line.amount) for line in action.funding_lines.all()],
        declared_total=action.declared_total,
        people_text=action.people_text,
        result_territory=action.result_territory,
        result_centre=action.result_centre,
        result_residents=action.result_residents,
        limits=action.limits,
        outlook=action.outlook,
        declares_files=action.declares_files,
        files_text=action.files_text,
        years=sorted(row.year for row in action.years.all()),
        source=SourceRef(action.source_file, action.source_line),
    )


#: The relations ``sheet_from_action`` reads.
SHEET_PREFETCH = ("keywords", "partners", "publics", "initiatives", "funding_lines", "years")


def sheet_to_json(sheet: SheetData) -> dict:
    """What a sheet says, as JSON-ready values (amounts as strings); provenance is left out."""
    data = asdict(sheet)
    for name in _PROVENANCE:
        data.pop(name)
    data["declared_total"] = _amount_to_json(sheet.declared_total)
    data["funding_lines"] = [
        {"label": line.label, "amount": _amount_to_json(line.amount)} for line in sheet.funding_lines
    ]
    return data


def sheet_from_json(data: dict) -> SheetData:
    known = {f.name for f in fields(SheetData)} - set(_PROVENANCE)
    values = {key: value for key, value in data.items() if key in known}
    values["declared_total"] = _amount_from_json(values.get("declared_total"))
    values["funding_lines"] = [
        FundingLineData(line["label"], _amount_from_json(line.get("amount")))
        for line in values.get("funding_lines", [])
    ]
    return SheetData(**values, source=SourceRef(FORM_SOURCE))


def _amount_to_json(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def _amount_from_json(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)
