"""Records of the export schema read back into SheetData: every seed action survives the round trip."""

from decimal import Decimal

import pytest

from actions_catalog.backoffice.resources import ActionResource
from actions_catalog.core.export_schema import column_key, export_rows, restore_formula
from actions_catalog.core.mapper import sheet_from_action
from actions_catalog.core.models import Action
from importers.records import RecordError, sheet_from_record

pytestmark = pytest.mark.django_db


def comparable(sheet):
    """What the export holds of a sheet: no column for its files, and one total (declared, else the sum)."""
    sheet.files_text, sheet.declares_files = "", False
    sheet.centre_name = sheet.centre_name.casefold()
    amounts = [line.amount for line in sheet.funding_lines if line.amount is not None]
    if amounts and sheet.declared_total == sum(amounts):
        sheet.declared_total = None
    return sheet.content_hash()


def test_every_seed_action_reads_back_from_its_json_record(seeded):
    actions = {action.slug: action for action in Action.objects.with_sheet_relations()}
    for record in export_rows():
        sheet = sheet_from_record(record)
        assert comparable(sheet) == comparable(sheet_from_action(actions[record["slug"]])), record["title"]


def test_every_seed_action_reads_back_from_its_flat_row(seeded):
    dataset = ActionResource(flat=True).export()
    actions = {action.slug: action for action in Action.objects.with_sheet_relations()}
    for row in dataset.dict:
        row = {column_key(key): value for key, value in row.items()}  # French headers
        sheet = sheet_from_record({key: restore_formula(value) for key, value in row.items()})
        assert comparable(sheet) == comparable(sheet_from_action(actions[row["slug"]])), row["title"]


def test_a_declared_total_different_from_the_sum_is_kept():
    record = {
        "title": "Séjour",
        "centre": "Centre social X",
        "departement_code": "31",
        "status": "En cours",
        "funding_lines": "CAF : 100.00 | Mairie : 50.00 | Bénévoles",
        "funding_total": "200",
    }
    sheet = sheet_from_record(record)
    assert [(line.label, line.amount) for line in sheet.funding_lines] == [
        ("CAF", Decimal("100.00")),
        ("Mairie", Decimal("50.00")),
        ("Bénévoles", None),
    ]
    assert sheet.declared_total == Decimal("200.00")
    assert sheet_from_record(record | {"funding_total": "150.00"}).declared_total is None


def test_every_problem_is_reported_by_column():
    record = {
        "title": "",
        "centre": "Centre social X",
        "departement_code": "999",
        "status": "Peut-être",
        "publics": "Jeunesse | Martiens",
        "funding_total": "beaucoup",
    }
    with pytest.raises(RecordError) as caught:
        sheet_from_record(record)
    assert set(caught.value.errors) == {"title", "departement_code", "status", "publics", "funding_total"}
    assert "Martiens" in caught.value.errors["publics"][0]


def test_absent_columns_keep_the_base_values():
    base = sheet_from_record({"title": "Séjour", "centre": "X", "departement_code": "31", "status": "terminee"})
    base.summary, base.keywords = "Ancien résumé", ["Culture"]
    sheet = sheet_from_record({"summary": "Nouveau résumé"}, base=base)
    assert (sheet.title, sheet.summary, sheet.keywords, sheet.status) == (
        "Séjour",
        "Nouveau résumé",
        ["Culture"],
        "terminee",
    )
    assert base.summary == "Ancien résumé"
