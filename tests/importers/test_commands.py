"""import_actions and export_actions: output, exit statuses, all-or-nothing, and the export schema."""

import csv
import io
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions_catalog.core.choices import PublicationState
from actions_catalog.core.export_schema import FLAT_HEADERS as FLAT_COLUMN_HEADERS
from actions_catalog.core.export_schema import column_key
from actions_catalog.core.models import Action, FundingLine, Keyword
from centres.models import Centre
from tests.factories import many_sheets, sheet_file, sheet_text
from tests.processes import clean_environment, throwaway_database

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(r"^created: \d+, updated: \d+, unchanged: \d+, duplicates: \d+, rejected: \d+, warnings: \d+$")
#: The open-data schema of issue 2, in its order, then the keys issue 14 added (keys are only ever added).
JSON_KEYS = [
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
    "funding_declared_total",
    "funding_consistent",
    "years",
    "files",
    "partner_groups",
    "inspired_by",  # « Reprendre une action » (issue 16): added at the end
]
FLAT_KEYS = [*JSON_KEYS[:2], "centre", "departement_code", "departement", "region", *JSON_KEYS[3:]]
#: The flat files' headers are French (``export_schema.FLAT_HEADERS``): the rows below are read back by key.
FLAT_HEADERS = [FLAT_COLUMN_HEADERS[key] for key in FLAT_KEYS]


def csv_rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")  # a BOM, for the spreadsheets
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def keyed_rows(text: str) -> list[dict]:
    """The rows of a CSV export as dicts by key (the headers are French)."""
    header, *rows = csv_rows(text)
    keys = [column_key(name) for name in header]
    return [dict(zip(keys, row, strict=True)) for row in rows]


AMOUNT = re.compile(r"^\d+\.\d{2}$")


def run_import(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_actions", *[str(arg) for arg in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing_import(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_actions", *[str(arg) for arg in args], stdout=out, stderr=err)
    return failure.value.returncode, out.getvalue(), err.getvalue() + str(failure.value)


def database_state() -> dict:
    return {
        "actions": sorted(Action.objects.values_list("title", "summary", "content_hash")),
        "centres": Centre.objects.count(),
        "keywords": Keyword.objects.count(),
        "funding": FundingLine.objects.count(),
        "history": Action.history.count(),
    }


@pytest.fixture
def write(tmp_path):
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def mixed_file(write):
    """Two valid sheets and two invalid ones (lines 18 and 50)."""
    return write(
        "mixte.txt",
        sheet_file(
            sheet_text("Fiche valide"),
            sheet_text("Sans département", departement="Atlantide"),
            sheet_text("Autre fiche valide"),
            sheet_text("Statut inconnu", status="Suspendue"),
        ),
    )


# -- import_actions -------------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def test_import_prints_one_summary_line(seed_path):
    out, err = run_import(seed_path)
    assert out == "created: 22, updated: 0, unchanged: 0, duplicates: 3, rejected: 0, warnings: 0\n"
    assert err == ""
    assert Action.objects.published().count() == 22


def test_reimport_reports_unchanged(seed_path):
    run_import(seed_path)
    out, _ = run_import(seed_path)
    assert out == "created: 0, updated: 0, unchanged: 22, duplicates: 3, rejected: 0, warnings: 0\n"


def test_an_import_stores_the_catalogue_index_so_that_the_pages_show_it_without_a_worker(seed_path, client, settings):
    from actions_catalog.catalogue.models import IndexSnapshot

    settings.CATALOGUE_INDEX_INLINE = False  # production: requests only read stored indexes
    run_import(seed_path, "--dry-run")
    assert not IndexSnapshot.objects.exists()  # a dry run writes nothing, no index either

    run_import(seed_path)
    assert IndexSnapshot.objects.get().actions == 22
    assert client.get("/api/actions/").json()["count"] == 22

    run_import(seed_path)  # unchanged: the stored index is still the catalogue's
    assert IndexSnapshot.objects.count() == 1


def test_several_files_in_one_import(seed_path, write):
    other = write("autre.txt", sheet_file(sheet_text("Nouvelle action")))
    out, _ = run_import(seed_path, other)
    assert out == "created: 23, updated: 0, unchanged: 0, duplicates: 3, rejected: 0, warnings: 0\n"


def test_invalid_sheet_fails_the_whole_import_and_writes_nothing(seeded, mixed_file):
    before = database_state()
    status, out, err = failing_import(mixed_file)
    assert status == 1
    assert out == "created: 0, updated: 0, unchanged: 0, duplicates: 0, rejected: 2, warnings: 0\n"
    lines = err.splitlines()
    assert lines[:2] == [
        f"{mixed_file}: line 21: département inconnu : « Atlantide »",
        f"{mixed_file}: line 55: « Statut de l'action » : valeur inconnue « Suspendue » "
        "(valeurs possibles : « En cours », « Terminée »)",
    ]
    assert "nothing was written" in lines[2]
    assert database_state() == before
    assert not Action.objects.filter(title="Fiche valide").exists()


def test_after_an_invalid_sheet_the_others_are_checked_but_never_written(write):
    """Without --skip-invalid the import will be rolled back: from the first invalid sheet on, the sheets are
    only parsed (every problem is still listed), not written, so a large bad file fails early."""
    path = write(
        "mauvais-debut.txt",
        sheet_file(
            sheet_text("Première fiche"),
            sheet_text("Sans département", departement="Atlantide"),
            *(sheet_text(f"Fiche suivante {n}") for n in range(4)),
            sheet_text("Statut inconnu", status="Suspendue"),
        ),
    )
    action_writes = re.compile(r'^(INSERT INTO|COPY) "actions_catalog_action" ')
    with CaptureQueriesContext(connection) as queries:
        status, out, err = failing_import(path, "--batch-size", "1")
    assert status == 1
    assert out == "created: 0, updated: 0, unchanged: 0, duplicates: 0, rejected: 2, warnings: 0\n"
    problems = [line for line in err.splitlines() if line.startswith(f"{path}: line ")]
    assert len(problems) == 2
    assert "département inconnu : « Atlantide »" in problems[0]
    assert "valeur inconnue « Suspendue »" in problems[1]
    action_writes = [q for q in queries.captured_queries if action_writes.match(q["sql"])]
    assert len(action_writes) == 1  # the first sheet's batch; none after the invalid sheet
    assert not Action.objects.exists()


def test_skip_invalid_goes_on_writing_after_an_invalid_sheet(write):
    path = write(
        "mauvais-debut.txt",
        sheet_file(
            sheet_text("Sans département", departement="Atlantide"), *(sheet_text(f"Fiche {n}") for n in range(3))
        ),
    )
    status, out, _ = failing_import(path, "--batch-size", "1", "--skip-invalid")
    assert (status, out) == (2, "created: 3, updated: 0, unchanged: 0, duplicates: 0, rejected: 1, warnings: 0\n")
    assert Action.objects.count() == 3


def test_skip_invalid_writes_the_valid_sheets(mixed_file):
    status, out, err = failing_import(mixed_file, "--skip-invalid")
    assert status == 2
    assert out == "created: 2, updated: 0, unchanged: 0, duplicates: 0, rejected: 2, warnings: 0\n"
    assert f"{mixed_file}: line 21: département inconnu : « Atlantide »" in err.splitlines()
    assert "2 invalid sheet(s) rejected; the valid ones were imported" in err
    assert sorted(Action.objects.values_list("title", flat=True)) == ["Autre fiche valide", "Fiche valide"]


def test_skip_invalid_without_problem_exits_normally(seed_path):
    out, err = run_import(seed_path, "--skip-invalid")
    assert SUMMARY.match(out.strip())
    assert err == ""


def test_dry_run_reports_the_same_summary_and_writes_nothing(seed_path):
    out, err = run_import(seed_path, "--dry-run")
    assert out == "created: 22, updated: 0, unchanged: 0, duplicates: 3, rejected: 0, warnings: 0\n"
    assert err == "dry run: nothing was written\n"
    assert database_state() == {"actions": [], "centres": 0, "keywords": 0, "funding": 0, "history": 0}


def test_dry_run_with_skip_invalid(mixed_file):
    status, out, err = failing_import(mixed_file, "--dry-run", "--skip-invalid")
    assert status == 2
    assert out == "created: 2, updated: 0, unchanged: 0, duplicates: 0, rejected: 2, warnings: 0\n"
    assert "the valid ones would be imported (dry run)" in err
    assert Action.objects.count() == 0


def test_unreadable_file_is_rejected_with_its_line(write, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(sheet_file(sheet_text(summary="Été")).encode("latin-1"))
    status, _, err = failing_import(path)
    assert status == 1
    assert f"{path}: line 14: octets illisibles : le texte n'est pas en UTF-8" in err.splitlines()


def test_missing_file_is_a_clear_error(tmp_path, seed_path):
    status, out, err = failing_import(seed_path, tmp_path / "absente.txt")
    assert status == 1
    assert err == f"{tmp_path / 'absente.txt'}: cannot read the file: No such file or directory"
    assert out == ""
    assert Action.objects.count() == 0


def test_directory_is_a_clear_error(tmp_path):
    status, _, err = failing_import(tmp_path)
    assert status == 1
    assert err.startswith(f"{tmp_path}: a folder")


def test_replaced_sheet_is_reported_on_stderr(write):
    path = write("deux.txt", sheet_file(sheet_text(summary="Ancienne"), sheet_text(summary="Nouvelle")))
    out, err = run_import(path)
    assert out == "created: 1, updated: 0, unchanged: 0, duplicates: 1, rejected: 0, warnings: 1\n"
    assert err == (
        f"{path}: line 2: avertissement : « Atelier cuisine » est remplacée par une fiche plus récente de même titre "
        "et même centre (ligne 18)\n"
    )
    assert Action.objects.get().summary == "Nouvelle"


def test_progress_bar_above_300_sheets(write):
    _, err = run_import(write("301.txt", many_sheets(301)))
    assert "301/301" in err
    assert "fiches" in err


def test_no_progress_bar_up_to_300_sheets(write):
    out, err = run_import(write("300.txt", many_sheets(300)))
    assert out == "created: 300, updated: 0, unchanged: 0, duplicates: 0, rejected: 0, warnings: 0\n"
    assert err == ""


# -- export_actions -------------------------------------------------------------------------------------


def export(*args) -> str:
    out = io.StringIO()
    call_command("export_actions", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_json_export_has_exactly_the_contract_keys(seeded):
    rows = json.loads(export())
    assert len(rows) == 22
    assert all(list(row) == JSON_KEYS for row in rows)
    assert all(list(row["centre"]) == ["name", "departement_code", "departement", "region"] for row in rows)


def test_json_export_values(seeded):
    rows = {row["title"]: row for row in json.loads(export("--format", "json"))}
    ski = rows["Mise en place séjour au ski interquartier"]
    assert ski["centre"] == {
        "name": "MAISON DE QUARTIER CENTRE- Association BELLIDEE",
        "departement_code": "62",
        "departement": "Pas-de-Calais",
        "region": "Hauts-de-France",
    }
    assert (ski["status"], ski["dimension"], ski["territory"]) == (
        "Terminée",
        "Accompagnement de projets",
        "Plusieurs quartiers",
    )
    assert ski["publics"] == ["Jeunesse"]
    assert ski["initiative"] == ["Le centre social"]
    assert ski["partners"] == ["ANCV"]
    assert ski["partner_groups"] == [{"role": "Partenaires d'action", "partners": ["ANCV"]}]
    assert ski["keywords"] == ["mobilité / transport", "vacances / loisirs", "Mixité sociale"]  # the sheet's order
    assert ski["funding_lines"] == [
        {"label": "Autofinancement", "amount": "4500.00"},
        {"label": "Participation des familles", "amount": "6000.00"},
        {"label": "CAF", "amount": "6700.00"},
        {"label": "Ville", "amount": "4080.00"},
    ]
    assert ski["funding_total"] == ski["funding_declared_total"] == "21280.00"
    assert ski["funding_consistent"] is True  # the four lines add up to the declared total
    assert (ski["years"], ski["files"]) == ([], [])
    assert ski["end_reason"].startswith("L'action s'est déroulée")
    barcelona = rows["Séjour Autofinancé Barcelone"]
    assert barcelona["funding_total"] == "17601.00"  # the sum: no total declared
    assert (barcelona["funding_declared_total"], barcelona["funding_consistent"]) == (None, None)
    assert rows["Accompagnbement Social et Médiation- Permanence d'écrivain public"]["funding_total"] == "78529.00"
    borne = rows["Borne d'accès numérique"]
    assert borne["dimension"] is None  # a missing choice
    assert borne["keywords"] == []
    assert borne["funding_lines"] == [] and borne["funding_total"] is None
    assert borne["funding_text"] == "" and borne["end_reason"] == ""  # an empty text
    assert rows["SAMEDIS FESTIFS"]["publics"] == ["Tous publics"]
    assert rows["SAMEDIS FESTIFS"]["territory"] == "Une commune"
    agantic = rows["Actions d'accompagnement et de soutien à la parentalité"]
    assert agantic["funding_lines"][0] == {"label": "CAF (ACF)", "amount": None}
    assert len(agantic["funding_lines"]) == 6 and agantic["funding_lines"][-1] == {"label": "ANCV", "amount": None}
    assert agantic["funding_total"] == agantic["funding_declared_total"] == "62000.00"
    assert agantic["funding_consistent"] is None  # its lines have no amount


def test_json_export_value_types(seeded):
    for row in json.loads(export()):
        for key in ("title", "slug", "status", "end_reason", "summary", "context", "description", "funding_text"):
            assert isinstance(row[key], str)
        for key in ("people_text", "result_territory", "result_centre", "result_residents", "limits", "outlook"):
            assert isinstance(row[key], str)
        assert row["dimension"] is None or isinstance(row["dimension"], str)
        assert row["territory"] is None or isinstance(row["territory"], str)
        for key in ("keywords", "publics", "initiative", "partners"):
            assert isinstance(row[key], list) and all(isinstance(item, str) for item in row[key])
        assert all(list(line) == ["label", "amount"] for line in row["funding_lines"])
        amounts = [line["amount"] for line in row["funding_lines"]] + [row["funding_total"]]
        assert all(amount is None or AMOUNT.match(amount) for amount in amounts)
        assert row["status"] in ("En cours", "Terminée")


def test_export_has_only_published_actions(seeded):
    Action.objects.filter(title="SAMEDIS FESTIFS").update(state=PublicationState.PENDING, published_at=None)
    Action.objects.filter(title="Forum Seniors").update(state=PublicationState.REJECTED)
    titles = [row["title"] for row in json.loads(export())]
    assert len(titles) == 20
    assert "SAMEDIS FESTIFS" not in titles and "Forum Seniors" not in titles


def test_export_of_an_empty_catalogue(db):
    assert json.loads(export()) == []
    assert csv_rows(export("--format", "csv")) == [FLAT_HEADERS]


def test_csv_export_one_row_per_action(seeded):
    rows = keyed_rows(export("--format", "csv"))
    assert len(rows) == 22
    assert csv_rows(export("--format", "csv"))[0] == FLAT_HEADERS
    assert list(rows[0]) == FLAT_KEYS
    by_title = {row["title"]: row for row in rows}
    ski = by_title["Mise en place séjour au ski interquartier"]
    assert (ski["centre"], ski["departement_code"], ski["departement"], ski["region"]) == (
        "MAISON DE QUARTIER CENTRE- Association BELLIDEE",
        "62",
        "Pas-de-Calais",
        "Hauts-de-France",
    )
    assert ski["keywords"] == "mobilité / transport | vacances / loisirs | Mixité sociale"
    assert ski["partner_groups"] == '[{"role": "Partenaires d\'action", "partners": ["ANCV"]}]'
    assert (ski["funding_declared_total"], ski["funding_consistent"], ski["years"], ski["files"]) == (
        "21280.00",
        "oui",
        "",
        "",
    )
    assert ski["funding_lines"] == (
        "Autofinancement : 4500.00 | Participation des familles : 6000.00 | CAF : 6700.00 | Ville : 4080.00"
    )
    assert ski["funding_total"] == "21280.00"
    assert by_title["Borne d'accès numérique"]["dimension"] == ""
    agantic = by_title["Actions d'accompagnement et de soutien à la parentalité"]
    assert agantic["initiative"] == "Le centre social | Un groupe d'habitants"


def test_csv_export_neutralizes_formulas(seeded):
    rows = {row["title"]: row for row in keyed_rows(export("--format", "csv"))}
    chaillots = rows["Départ en vacances pour tous"]
    assert chaillots["summary"].startswith("'- Accompagnement collectif")
    assert json.loads(export())[0]["summary"][:1] != "'"  # JSON keeps the text as written


def test_xlsx_export_has_the_csv_rows(seeded, tmp_path):
    path = tmp_path / "actions.xlsx"
    call_command("export_actions", "--format", "xlsx", "--output", str(path), stderr=io.StringIO())
    sheet = openpyxl.load_workbook(path, read_only=True).active
    xlsx_rows = [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    rows = csv_rows(export("--format", "csv"))
    assert xlsx_rows[0] == FLAT_HEADERS
    assert len(xlsx_rows) == 23
    assert [[value.replace("\r\n", "\n") for value in row] for row in xlsx_rows] == [
        [value.replace("\r\n", "\n") for value in row] for row in rows
    ]


def test_spreadsheets_drop_control_characters(seeded, tmp_path):
    # The parser refuses them, but the form or the admin could still store one.
    Action.objects.filter(title="SAMEDIS FESTIFS").update(summary="Avant\x0bAprès", limits="\x0c=1+1")
    path = tmp_path / "actions.xlsx"
    call_command("export_actions", "--format", "xlsx", "--output", str(path), stderr=io.StringIO())
    sheet = openpyxl.load_workbook(path).active
    header = [column_key(cell.value) for cell in sheet[1]]
    row = next(row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == "SAMEDIS FESTIFS")
    assert row[header.index("summary")] == "AvantAprès"
    assert row[header.index("limits")] == "'=1+1"
    assert sheet.cell(row=2, column=header.index("limits") + 1).data_type == "s"  # not a formula
    csv_row = next(r for r in keyed_rows(export("--format", "csv")) if r["title"] == "SAMEDIS FESTIFS")
    assert (csv_row["summary"], csv_row["limits"]) == ("AvantAprès", "'=1+1")
    json_row = next(r for r in json.loads(export()) if r["title"] == "SAMEDIS FESTIFS")
    assert json_row["summary"] == "Avant\x0bAprès"  # JSON escapes it: nothing lost


def test_xlsx_to_stdout_needs_a_file(seeded):
    with pytest.raises(CommandError, match="--output"):
        export("--format", "xlsx")


@pytest.mark.parametrize("format", ["json", "csv"])
def test_output_to_a_file(seeded, tmp_path, format):
    path = tmp_path / f"actions.{format}"
    err = io.StringIO()
    call_command("export_actions", "--format", format, "--output", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue() == f"22 action(s) exported to {path}\n"
    assert path.read_bytes().decode() == export("--format", format)


def test_output_to_an_unwritable_place(seeded, tmp_path):
    with pytest.raises(CommandError, match="cannot write the file"):
        call_command("export_actions", "--output", str(tmp_path / "absent" / "x.json"), stderr=io.StringIO())


def test_export_query_count_does_not_grow_with_the_actions(seeded, django_assert_num_queries):
    # A count (import-export pages by 2,000), then per page: the actions with centre, département and
    # région; keywords, partners, publics, initiatives, funding lines.
    with django_assert_num_queries(7):
        export()


# -- A real process: exit statuses and no traceback -----------------------------------------------------


@pytest.fixture(scope="module")
def cli(tmp_path_factory, django_db_blocker):
    """Runs manage.py in a child process on a migrated throw-away database of this run's server."""
    folder = tmp_path_factory.mktemp("cli")
    with django_db_blocker.unblock(), throwaway_database("cli") as url:
        env = clean_environment(folder, DATABASE_URL=url, DEBUG="1")

        def manage(*args) -> subprocess.CompletedProcess:
            command = [sys.executable, "manage.py", *[str(arg) for arg in args]]
            return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

        assert manage("migrate", "--noinput").returncode == 0
        yield manage


def test_command_line_exit_statuses(cli, seed_path, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text(sheet_file(sheet_text("Perdue", departement="Atlantide")), encoding="utf-8")
    mixed = tmp_path / "mixed.txt"
    mixed.write_text(sheet_file(sheet_text("Gardée"), sheet_text("Rejetée", departement="Atlantide")))

    done = cli("import_actions", seed_path)
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "created: 22, updated: 0, unchanged: 0, duplicates: 3, rejected: 0, warnings: 0\n",
        "",
    )
    failed = cli("import_actions", bad)
    assert failed.returncode == 1
    assert failed.stdout == "created: 0, updated: 0, unchanged: 0, duplicates: 0, rejected: 1, warnings: 0\n"
    assert f"{bad}: line 5: département inconnu : « Atlantide »" in failed.stderr.splitlines()
    partial = cli("import_actions", "--skip-invalid", mixed)
    assert partial.returncode == 2
    assert partial.stdout == "created: 1, updated: 0, unchanged: 0, duplicates: 0, rejected: 1, warnings: 0\n"
    assert f"{mixed}: line 21: département inconnu : « Atlantide »" in partial.stderr.splitlines()
    usage = cli("import_actions")
    assert usage.returncode == 1  # not 2, which means "some sheets rejected"
    assert "the following arguments are required: PATH" in usage.stderr
    for process in (done, failed, partial, usage):
        assert "Traceback" not in process.stdout + process.stderr


def test_amounts_are_exact_decimal_strings(seeded):
    rows = json.loads(export())
    amounts = [Decimal(line["amount"]) for row in rows for line in row["funding_lines"] if line["amount"]]
    assert sum(amounts) == Decimal("21280.00") + Decimal("17601.00") + Decimal("78529.00")  # the three with amounts
