"""Every field of a sheet survives each format that carries it: the mapper, the export, a JSON file, the form.

Each format declares the SheetData fields it does not carry; the sample sheet fills every field with a value
that differs from its default, so that a field added to SheetData and forgotten by a format fails here.
"""

import io
from dataclasses import fields
from decimal import Decimal

import pytest
from django.http import QueryDict

from actions_catalog.catalogue.downloads import write_json
from actions_catalog.core.export_schema import NOT_EXPORTED, export_record
from actions_catalog.core.mapper import sheet_from_action, sheet_from_json, sheet_to_json
from actions_catalog.core.models import Action
from actions_catalog.core.sheet import CONTENT_FIELDS, FIELDS, FundingLineData, PartnerGroup, SheetData
from actions_catalog.core.writer import SheetLoader
from actions_catalog.members.forms import NOT_IN_FORM, SheetEditor
from centres.models import Centre
from importers.json_reader import NOT_READ, read_json_bytes
from importers.records import sheet_from_record
from tests.factories import form_data, make_sheet

pytestmark = pytest.mark.django_db


def sample() -> SheetData:
    # Keywords and partners in an order that is not French order, a partner under two roles, a refund.
    return make_sheet(
        keywords=["vacances / loisirs", "Parentalité", "Culture"],
        partners=["CAF du Rhône", "ANCV", "Mairie de Lyon"],
        partner_groups=[
            PartnerGroup("Partenaires financiers", ["CAF du Rhône", "ANCV"]),
            PartnerGroup("Partenaires techniques", ["Mairie de Lyon", "ANCV"]),
        ],
        funding_lines=[
            FundingLineData("CAF", Decimal("6000.00")),
            FundingLineData("Autofinancement", Decimal("3200.00")),
            FundingLineData("Remboursement d'acompte", Decimal("-200.00")),
        ],
        years=[2021, 2022],
        declares_files=True,
        files_text="programme.pdf",
    )


def differing(expected: SheetData, produced: SheetData) -> set[str]:
    return {name for name in CONTENT_FIELDS if getattr(expected, name) != getattr(produced, name)}


def test_the_sample_fills_every_field_and_the_registry_names_them_all():
    defaults = SheetData(title="", centre_name="", departement_code="", status="")
    assert not {name for name in CONTENT_FIELDS if getattr(sample(), name) == getattr(defaults, name)}
    assert {field.name for field in FIELDS} == set(CONTENT_FIELDS)
    assert {f.name for f in fields(SheetData)} >= NOT_EXPORTED | NOT_IN_FORM


@pytest.fixture
def written(reference_data):
    sheet = sample()
    action = SheetLoader().save_sheet(sheet, action=None, state="published")
    return sheet, Action.objects.with_sheet_relations().get(pk=action.pk)


def test_the_mapper_reads_back_every_field_the_writer_wrote(written):
    sheet, action = written
    assert differing(sheet, sheet_from_action(action)) == set()


def test_json_of_a_revision_carries_every_field():
    assert differing(sample(), sheet_from_json(sheet_to_json(sample()))) == set()


def test_the_export_carries_every_field_but_those_it_declares(written):
    sheet, action = written
    assert differing(sheet, sheet_from_record(export_record(action))) == NOT_EXPORTED


def test_a_json_export_file_carries_every_field_but_those_it_declares(written):
    sheet, action = written
    data = io.BytesIO()
    write_json([export_record(action)], data)
    [read] = read_json_bytes(data.getvalue(), "export.json").sheets
    assert differing(sheet, read) == NOT_READ


def test_the_form_carries_every_field_but_those_it_declares(written):
    sheet, action = written
    data = QueryDict(mutable=True)
    for key, value in form_data(sheet, action.centre, intent="send").items():
        data.setlist(key, value) if isinstance(value, list) else data.__setitem__(key, value)
    editor = SheetEditor(data, centres=Centre.objects.filter(pk=action.centre_id))
    assert editor.is_valid(), editor.error_summary()
    assert differing(sheet, editor.to_sheet()) == NOT_IN_FORM
