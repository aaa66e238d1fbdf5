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


# -- The sheet rows of many actions at once (``Action.objects.with_sheet_relations``) -------------------------


@pytest.fixture
def several(reference_data):
    """Three published sheets whose relations differ (the last one has none of the optional rows)."""
    loader = SheetLoader()
    sheets = [
        sample(),
        make_sheet(title="Deuxième action", keywords=["Culture"], partners=["ANCV"], years=[2019], publics=[]),
        make_sheet(title="Troisième action", keywords=[], partners=[], funding_lines=[], years=[], publics=[]),
    ]
    return [loader.save_sheet(sheet, action=None, state="published").pk for sheet in sheets]


def accessor_sheets(ids) -> dict[int, SheetData]:
    """The sheets read one action at a time through the model's accessors (no prefetch, no attached rows)."""
    return {pk: sheet_from_action(Action.objects.select_related("centre").get(pk=pk)) for pk in ids}


def test_sheet_rows_read_for_many_actions_give_the_sheets_of_the_accessors(several):
    attached = {action.pk: sheet_from_action(action) for action in Action.objects.with_sheet_relations()}
    assert attached == accessor_sheets(several)
    assert attached[several[0]].partner_groups == sample().partner_groups  # roles and order kept


def test_the_records_of_many_actions_cost_one_query_per_relation_whatever_their_number(
    several, django_assert_num_queries
):
    from actions_catalog.core.relations import SHEET_RELATIONS

    for ids in (several[:1], several):
        with django_assert_num_queries(1 + len(SHEET_RELATIONS)):  # the actions, then one per relation
            records = [export_record(action) for action in Action.objects.with_sheet_relations().filter(pk__in=ids)]
        assert len(records) == len(ids)


def test_an_iterator_attaches_the_rows_a_chunk_at_a_time(several):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from actions_catalog.core.relations import SHEET_RELATIONS

    queryset = Action.objects.with_sheet_relations().order_by("pk")
    with CaptureQueriesContext(connection) as queries:
        sheets = {action.pk: sheet_from_action(action) for action in queryset.iterator(chunk_size=2)}
    assert sheets == accessor_sheets(several)
    relation_queries = [q for q in queries.captured_queries if 'FROM "actions_catalog_action"' not in q["sql"]]
    assert len(relation_queries) == 2 * len(SHEET_RELATIONS)  # chunks of 2, then 1
