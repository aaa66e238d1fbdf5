"""Import and export from the admin: formats, previews with errors by row and column, permissions,
spreadsheet-safe cells, and the upload limits (size, XLSX archives checked before openpyxl sees them)."""

import csv
import io
import json
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from actions_catalog.backoffice.curation import SafeXLSX
from actions_catalog.core.models import Action, Keyword, KeywordAlias, Partner
from centres.models import Centre

pytestmark = pytest.mark.django_db

CSV, XLSX, JSON = "0", "1", "2"  # the indices of the admin's formats
EXPORTED = ["actions_catalog_action", "actions_catalog_keyword", "actions_catalog_partner", "centres_centre"]
FORMULAS = ['=HYPERLINK("http://x")', "+33 1 23", "-2+3", "@SUM(A1)", "\tonglet", "\rretour"]


def export(client, prefix: str, fmt: str):
    return client.post(reverse(f"admin:{prefix}_export"), {"format": fmt, "resource": "0"})


def read_csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def read_xlsx(response) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [[cell for cell in row] for row in sheet.iter_rows()]


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


# -- Exports ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", EXPORTED)
@pytest.mark.parametrize("fmt", [CSV, XLSX, JSON])
def test_every_curated_model_exports_in_csv_xlsx_and_json(admin_client, seeded, prefix, fmt):
    response = export(admin_client, prefix, fmt)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    if fmt == JSON:
        assert isinstance(json.loads(response.content), list)
    elif fmt == XLSX:
        assert len(read_xlsx(response)) > 1
    else:
        assert len(read_csv(response)) > 0


def test_actions_export_is_the_open_data_schema(admin_client, seeded):
    rows = json.loads(export(admin_client, "actions_catalog_action", JSON).content)
    assert len(rows) == 22
    ski = next(row for row in rows if row["title"] == "Mise en place séjour au ski interquartier")
    assert ski["funding_total"] == "21280.00"
    assert ski["centre"]["departement_code"]  # nested in JSON
    flat = read_csv(export(admin_client, "actions_catalog_action", CSV))
    assert {"Structure organisatrice", "Code du département", "Département", "Région"} <= set(flat[0])


def test_export_follows_the_changelist_filters(admin_client, seeded):
    url = reverse("admin:actions_catalog_action_export") + "?status__exact=terminee"
    rows = json.loads(admin_client.post(url, {"format": JSON, "resource": "0"}).content)
    assert rows and {row["status"] for row in rows} == {"Terminée"}


@pytest.fixture
def formulas(make_centre, make_action, make_label):
    """Records whose text starts with what a spreadsheet would run as a formula."""
    centre = make_centre(FORMULAS[3])
    for text in FORMULAS:
        make_label(Keyword, text)
        make_label(Partner, text)
    action = make_action(FORMULAS[0], centre, summary=FORMULAS[1], limits=FORMULAS[4])
    action.keywords.add(*Keyword.objects.all())
    return action


@pytest.mark.parametrize("prefix", EXPORTED)
def test_csv_exports_neutralize_formulas_in_every_cell(admin_client, formulas, prefix):
    cells = [value for row in read_csv(export(admin_client, prefix, CSV)) for value in row.values()]
    dangerous = [cell for cell in cells if cell and cell[0] in "=+-@\t\r"]
    assert dangerous == []
    assert any(cell.startswith("'=HYPERLINK") or cell.startswith("'@SUM") for cell in cells)


@pytest.mark.parametrize("prefix", EXPORTED)
def test_xlsx_exports_hold_no_formula(admin_client, formulas, prefix):
    cells = [cell for row in read_xlsx(export(admin_client, prefix, XLSX)) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert not [text for text in texts if text[0] in "=+-@\t\r"]
    assert any(text.startswith("'") for text in texts)


def test_json_exports_keep_the_text_as_written(admin_client, formulas):
    rows = json.loads(export(admin_client, "actions_catalog_keyword", JSON).content)
    assert {row["label"] for row in rows} == set(FORMULAS)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_actions_command_neutralizes_formulas(formulas, tmp_path, fmt):
    output = tmp_path / f"actions.{fmt}"
    call_command("export_actions", "--format", fmt, "--output", str(output))
    if fmt == "csv":
        cells = [cell for row in csv.reader(io.StringIO(output.read_text("utf-8-sig"))) for cell in row]
    else:
        sheet = openpyxl.load_workbook(output).active
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
        cells = [cell.value for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert "'" + FORMULAS[0] in cells
    assert not [cell for cell in cells if cell and cell[0] in "=+-@\t\r"]


# -- Imports ---------------------------------------------------------------------------------------------


def test_keyword_import_previews_then_writes_renames_and_new_rows(admin_client, keyword):
    content = f"id,label,slug\n{keyword.pk},Vieillir,{keyword.slug}\n,Bien vieillir,\n".encode()
    response = admin_client.post(
        reverse("admin:actions_catalog_keyword_import"),
        {"format": CSV, "resource": "0", "import_file": upload("mots.csv", content)},
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert [row.import_type for row in result.valid_rows()] == ["update", "new"]
    assert Keyword.objects.count() == 1  # nothing written by the preview
    confirm = response.context["confirm_form"]

    response = admin_client.post(reverse("admin:actions_catalog_keyword_process_import"), confirm.initial)

    assert response.status_code == 302
    keyword.refresh_from_db()
    assert keyword.label == "Vieillir"
    assert KeywordAlias.objects.get(keyword=keyword).label == "Vieillissement"
    assert Keyword.objects.get(label="Bien vieillir").slug == "bien-vieillir"


def test_import_errors_are_reported_by_row_and_column(admin_client, db):
    content = b"name,departement\nCentre A,31\nCentre B,999\n,75\n"
    response = admin_client.post(
        reverse("admin:centres_centre_import"),
        {"format": CSV, "resource": "0", "import_file": upload("centres.csv", content)},
    )
    result = response.context["result"]
    invalid = {row.number: row.field_specific_errors for row in result.invalid_rows}
    assert set(invalid) == {2, 3}
    assert "Département inconnu : « 999 »" in invalid[2]["departement"][0]
    assert "name" in invalid[3]
    page = response.content.decode()
    assert "Département inconnu" in page
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert not Centre.objects.exists()


def test_an_export_can_be_imported_back_unchanged(admin_client, formulas):
    Keyword.objects.filter(label=FORMULAS[5]).delete()  # XML turns a carriage return into a line feed
    exported = export(admin_client, "actions_catalog_keyword", XLSX).content
    response = admin_client.post(
        reverse("admin:actions_catalog_keyword_import"),
        {"format": XLSX, "resource": "0", "import_file": upload("mots.xlsx", exported)},
    )
    result = response.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert {row.import_type for row in result.rows} == {"skip"}  # neutralized cells read back as written


def test_a_label_taken_as_an_alias_is_an_error_of_its_column(admin_client, keyword):
    KeywordAlias.objects.create(keyword=keyword, label="Vieillesse")
    response = admin_client.post(
        reverse("admin:actions_catalog_keyword_import"),
        {"format": CSV, "resource": "0", "import_file": upload("mots.csv", b"label\nvieillesse\n")},
    )
    (row,) = response.context["result"].invalid_rows
    assert "autre libellé de « Vieillissement »" in row.field_specific_errors["label"][0]


def import_file(client, prefix, name, content, fmt):
    return client.post(
        reverse(f"admin:{prefix}_import"), {"format": fmt, "resource": "0", "import_file": upload(name, content)}
    )


def test_both_import_paths_of_actions_are_offered(admin_client, seeded):
    page = admin_client.get(reverse("admin:actions_catalog_action_changelist")).content.decode()
    assert reverse("admin:actions_catalog_action_import") in page
    assert reverse("admin:actions_catalog_action_upload_sheets") in page  # both go to the job-based import


# -- Permissions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prefix, app, model",
    [
        ("actions_catalog_keyword", "actions_catalog", "keyword"),
        ("actions_catalog_partner", "actions_catalog", "partner"),
        ("centres_centre", "centres", "centre"),
        ("actions_catalog_action", "actions_catalog", "action"),
    ],
)
def test_import_and_export_need_their_own_permissions(staff_client, seeded, prefix, app, model):
    client = staff_client(f"{app}.view_{model}", f"{app}.change_{model}", f"{app}.add_{model}")
    page = client.get(reverse(f"admin:{prefix}_changelist")).content.decode()
    assert reverse(f"admin:{prefix}_export") not in page
    assert reverse(f"admin:{prefix}_import") not in page
    assert client.get(reverse(f"admin:{prefix}_import")).status_code == 403
    assert export(client, prefix, CSV).status_code == 403


def test_the_export_permission_opens_the_export_only(staff_client, seeded):
    client = staff_client("actions_catalog.view_keyword", "actions_catalog.export_keyword")
    page = client.get(reverse("admin:actions_catalog_keyword_changelist")).content.decode()
    assert reverse("admin:actions_catalog_keyword_export") in page
    assert reverse("admin:actions_catalog_keyword_import") not in page
    assert export(client, "actions_catalog_keyword", CSV).status_code == 200
    assert client.get(reverse("admin:actions_catalog_keyword_import")).status_code == 403


def test_the_import_permission_opens_the_import(staff_client, seeded):
    client = staff_client("actions_catalog.view_keyword", "actions_catalog.import_keyword")
    assert client.get(reverse("admin:actions_catalog_keyword_import")).status_code == 200


# -- Upload limits ---------------------------------------------------------------------------------------


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def openpyxl_must_not_open(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("openpyxl opened a file that should have been refused before")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def test_an_xlsx_that_inflates_too_much_is_refused_before_parsing(admin_client, settings, openpyxl_must_not_open):
    settings.CATALOGUE_XLSX_MAX_UNCOMPRESSED_SIZE = 1024 * 1024
    bomb = zip_bytes({"[Content_Types].xml": b"<x/>", "xl/worksheets/sheet1.xml": b"\0" * (4 * 1024 * 1024)})
    assert len(bomb) < 20_000  # a small file…
    response = admin_client.post(
        reverse("admin:actions_catalog_keyword_import"),
        {"format": XLSX, "resource": "0", "import_file": upload("bombe.xlsx", bomb)},
    )
    assert response.status_code == 200
    assert "une fois décompressé" in response.content.decode()  # …refused for what it would become
    assert "result" not in response.context or response.context["result"] is None


def test_an_xlsx_with_too_many_entries_is_refused(admin_client, settings, openpyxl_must_not_open):
    archive = zip_bytes({f"xl/{index}.xml": b"<x/>" for index in range(settings.CATALOGUE_XLSX_MAX_ENTRIES + 1)})
    response = admin_client.post(
        reverse("admin:actions_catalog_keyword_import"),
        {"format": CSV, "resource": "0", "import_file": upload("renomme.csv", archive)},  # a zip, whatever its name
    )
    assert "trop d'éléments" in " ".join(response.context["form"].errors["import_file"])


def test_a_file_that_is_not_a_zip_is_refused_as_xlsx(admin_client, openpyxl_must_not_open):
    response = admin_client.post(
        reverse("admin:actions_catalog_keyword_import"),
        {"format": XLSX, "resource": "0", "import_file": upload("faux.xlsx", b"label\nCulture\n")},
    )
    assert "n'est pas un classeur XLSX lisible" in " ".join(response.context["form"].errors["import_file"])


def test_the_xlsx_format_checks_the_archive_on_the_confirm_step_too(settings, openpyxl_must_not_open):
    from django.core.exceptions import ValidationError

    settings.CATALOGUE_XLSX_MAX_UNCOMPRESSED_SIZE = 1024
    with pytest.raises(ValidationError):
        SafeXLSX().create_dataset(zip_bytes({"xl/sheet.xml": b"a" * 4096}))


def test_uploads_over_the_size_limit_are_refused(admin_client, settings):
    settings.CATALOGUE_MAX_UPLOAD_SIZE = 100
    response = admin_client.post(
        reverse("admin:actions_catalog_keyword_import"),
        {"format": CSV, "resource": "0", "import_file": upload("gros.csv", b"label\n" + b"x" * 200 + b"\n")},
    )
    assert "Le fichier est trop gros" in response.content.decode()
    assert not Keyword.objects.exists()


def test_the_default_upload_limit_is_ten_megabytes(settings):
    assert settings.CATALOGUE_MAX_UPLOAD_SIZE == 10 * 1024 * 1024
    assert Action.objects.count() == 0
