"""Every misuse of import_actions ends in a one-line error and exit status 1 (never a traceback nor a hang);
wrong JSON types, updates that would empty sections, repeated labels and sizes beyond the form's limits."""

import json
import os
import subprocess
import sys

import pytest

from actions_catalog.core.limits import MAX_KEYWORDS, MAX_PARTNERS, MAX_TEXT_LENGTH
from actions_catalog.core.models import Action
from tests.factories import sheet_file, sheet_text
from tests.importers.test_commands import failing_import, run_import
from tests.processes import PROJECT, environment_for_the_test_database

pytestmark = pytest.mark.django_db


@pytest.fixture
def write(tmp_path):
    def write(name: str, content) -> str:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return str(path)

    return write


def one_line_failure(*args) -> str:
    status, _, err = failing_import(*args)
    assert status == 1
    message = err.strip().splitlines()[-1]
    assert "Traceback" not in err
    return message


@pytest.mark.parametrize("size", ["99999999999999999999", "0", "-5", "100001"])
def test_an_absurd_batch_size_is_a_usage_error(write, size):
    path = write("f.txt", sheet_file(sheet_text()))
    assert "--batch-size must be between 1 and 100000" in one_line_failure(path, "--batch-size", size)


def test_a_fifo_a_device_and_a_folder_are_refused_before_reading(tmp_path):
    fifo = tmp_path / "tube"
    os.mkfifo(fifo)
    assert "not a regular file" in one_line_failure(fifo)  # would wait for ever
    assert "not a regular file" in one_line_failure("/dev/zero")  # would never end
    assert "a folder" in one_line_failure(tmp_path)


def test_json_nested_without_end_is_a_problem_of_the_file(write):
    path = write("nested.json", "[" * 100_000)
    status, _, err = failing_import("--format", "json", path)
    assert status == 1 and "Traceback" not in err
    assert "JSON trop imbriqué" in err or "JSON invalide" in err


def test_misuses_print_one_line_in_a_real_process(tmp_path):
    """As a user sees it: no traceback, one line, exit status 1."""
    env = environment_for_the_test_database(tmp_path)
    command = [sys.executable, "manage.py", "import_actions", "--batch-size", "99999999999999999999", "/dev/zero"]
    completed = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60)
    assert completed.returncode == 1
    assert len(completed.stderr.strip().splitlines()) == 1 and "Traceback" not in completed.stderr


RECORD = {
    "title": "Séjour",
    "slug": "",
    "centre": {"name": "Centre social", "departement_code": "31", "departement": "", "region": ""},
    "status": "En cours",
    "end_reason": "",
    "dimension": None,
    "keywords": ["Culture"],
    "publics": [],
    "initiative": [],
    "partners": [],
    "territory": None,
    **{key: "" for key in ("summary", "context", "description", "funding_text", "people_text")},
    **{key: "" for key in ("result_territory", "result_centre", "result_residents", "limits", "outlook")},
    "funding_lines": [],
    "funding_total": None,
}


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("title", ["a", "b"], "« title » : un texte est attendu, pas une liste"),
        ("keywords", ["Culture", None], "« keywords » : élément 2 : un texte est attendu, pas null"),
        ("status", ["En cours"], "« status » : un texte est attendu, pas une liste"),
        ("summary", {"a": 1}, "« summary » : un texte est attendu, pas un objet"),
        ("partners", True, "« partners » : une liste est attendue, pas un booléen"),
        ("centre", ["x"], "« centre » : un texte est attendu, pas une liste"),
        ("funding_lines", [{"label": ["x"], "amount": None}], "« funding_lines » : Une ligne de financement"),
    ],
)
def test_json_records_of_a_wrong_type_are_rejected_naming_record_and_key(write, key, value, expected):
    records = [RECORD, {**RECORD, "title": "Autre", key: value}]
    status, _, err = failing_import("--format", "json", write("a.json", json.dumps(records, indent=1)))
    assert status == 1
    assert "enregistrement 2 : " + expected in err, err
    assert not Action.objects.exists()


# -- Updates that would empty sections ---------------------------------------------------------------------


@pytest.fixture
def imported(write):
    run_import(write("v1.txt", sheet_file(sheet_text("Atelier", partners=("CAF",), summary="Un résumé."))))
    return Action.objects.get(title="Atelier")


CUT = sheet_file(sheet_text("Atelier", summary="", keywords=()))  # a sheet cut short: no summary, no keywords


def test_an_update_that_empties_sections_is_refused_by_default(write, imported):
    status, _, err = failing_import(write("v2.txt", CUT))
    assert status == 1
    assert "la fiche mise à jour viderait les rubriques « Mots clés », « Résumé », « Partenaires »" in err
    imported.refresh_from_db()
    assert imported.summary == "Un résumé." and imported.keywords.exists()


def test_under_skip_invalid_the_action_is_kept_and_the_sheet_rejected(write, imported):
    status, out, err = failing_import(write("v2.txt", CUT), "--skip-invalid")
    assert status == 2 and "updated: 0" in out and "rejected: 1" in out
    imported.refresh_from_db()
    assert imported.summary == "Un résumé."


def test_allow_emptying_accepts_it(write, imported):
    out, _ = run_import(write("v2.txt", CUT), "--allow-emptying")
    assert "updated: 1" in out
    imported.refresh_from_db()
    assert imported.summary == "" and not imported.keywords.exists()


def test_a_json_import_is_not_refused_for_what_json_does_not_carry(write, imported):
    Action.objects.filter(pk=imported.pk).update(files_text="Affiche.pdf", declares_files=True)
    from actions_catalog.core.export_schema import export_rows

    (record,) = export_rows(Action.objects.with_sheet_relations().filter(pk=imported.pk))
    record["summary"] = "Un autre résumé."
    out, _ = run_import("--format", "json", write("a.json", json.dumps([record])))
    assert "updated: 1" in out
    imported.refresh_from_db()
    assert imported.summary == "Un autre résumé." and imported.files_text == "Affiche.pdf"  # kept


def test_later_sheets_of_the_same_file_replacing_earlier_ones_are_not_concerned(write):
    full = sheet_text("Atelier", partners=("CAF",))
    out, _ = run_import(write("f.txt", sheet_file(full, sheet_text("Atelier", summary="", keywords=()))))
    assert "created: 1" in out


# -- Repeated labels and sizes -----------------------------------------------------------------------------


def test_a_label_repeated_inside_a_sheet_is_a_warning(write):
    text = sheet_text("Répété", extra="\n".join(["- Résumé", "encore"] * 3))
    _, err = run_import(write("f.txt", sheet_file(text)))
    assert "la rubrique « Résumé » est répétée dans la fiche (3 fois de plus)" in err


def test_territoire_concerne_twice_is_no_warning(write):
    text = sheet_text("Deux territoires", territory="Une commune", territory_again="Une commune")
    _, err = run_import(write("f.txt", sheet_file(text)))
    assert "répétée" not in err


def test_imports_enforce_the_form_s_limits(write):
    too_long = sheet_text("Trop long", summary="x" * (MAX_TEXT_LENGTH + 1))
    too_many = sheet_text("Trop de mots", keywords=tuple(f"Mot {n}" for n in range(MAX_KEYWORDS + 1)))
    partners = sheet_text("Trop de partenaires", partners=tuple(f"P {n}" for n in range(MAX_PARTNERS + 1)))
    status, _, err = failing_import(write("f.txt", sheet_file(too_long, too_many, partners)))
    assert status == 1
    assert "« Résumé » est trop long (20\u202f001 caractères, 20\u202f000 au plus)" in err
    assert f"« Mots clés » : {MAX_KEYWORDS + 1} éléments, {MAX_KEYWORDS} au plus" in err
    assert f"« Partenaires » : {MAX_PARTNERS + 1} éléments" in err
    record = {**RECORD, "summary": "y" * (MAX_TEXT_LENGTH + 1)}
    status, _, err = failing_import("--format", "json", write("a.json", json.dumps([record])))
    assert "« summary » : « Résumé » est trop long" in err
