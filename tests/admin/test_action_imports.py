"""The admin's imports of actions, as background jobs: sheet files and export-schema files (CSV, XLSX, JSON);
upload kept in the default storage, a dry run (summary, problems by line and column), confirmation, progress."""

import csv
import io
import json

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions_catalog.core.export_schema import flat_headers
from actions_catalog.core.models import Action, ActionYear
from actions_catalog.core.submission_models import EventVerb, ModerationEvent
from actions_catalog.jobs.models import Job, JobState
from tests.jobs.helpers import run_queued_jobs

pytestmark = pytest.mark.django_db

URL = reverse("admin:actions_catalog_action_import")
INVALID_SHEET = "Actions\nSans structure\n- Structure organisatrice\n- Statut de l'action\n- En cours\n"


def send(client, content: bytes, name="fiches.txt", only_valid=False):
    data = {"import_file": SimpleUploadedFile(name, content)}
    if only_valid:
        data["only_valid"] = "on"
    response = client.post(URL, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def checked(client, content: bytes, name="fiches.txt", only_valid=False) -> Job:
    """Upload, then let the worker run the dry run."""
    job = send(client, content, name, only_valid)
    assert job.state == JobState.QUEUED and job.params["dry_run"]
    run_queued_jobs()
    job.refresh_from_db()
    return job


def confirm(client, dry_run: Job, only_valid=False) -> Job:
    data = {"only_valid": "on"} if only_valid else {}
    response = client.post(reverse("admin:actions_catalog_action_import_confirm", args=[dry_run.pk]), data)
    assert response.status_code == 302
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    run_queued_jobs()
    job.refresh_from_db()
    return job


def page(client, job: Job) -> str:
    return client.get(reverse("admin:actions_catalog_action_import_job", args=[job.pk])).content.decode()


def test_a_sheet_file_is_checked_then_imported_by_jobs(admin_client, admin_user, seed_bytes):
    job = send(admin_client, seed_bytes, "fiches-actions-centres-sociaux.txt")
    assert default_storage.exists(job.file) and job.expires_at is not None  # kept in the storage, not the session
    assert 'http-equiv="refresh"' in page(admin_client, job)  # the page follows the job
    run_queued_jobs()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED
    assert (job.result["created"], job.result["duplicates"], job.result["rejected"]) == (22, 3, 0)
    assert Action.objects.count() == 0  # a dry run writes nothing
    html = page(admin_client, job)
    assert "Confirmer l'import" in html and "Vérification" in html and "refresh" not in html

    imported = confirm(admin_client, job)

    assert imported.state == JobState.SUCCEEDED and imported.result["created"] == 22
    assert (imported.progress_done, imported.progress_total) == (25, 25)
    assert Action.objects.count() == 22
    record = Action.history.latest()
    assert record.history_user == admin_user
    assert record.history_change_reason == "Import depuis l'administration : fiches-actions-centres-sociaux.txt"
    assert confirm(admin_client, job) == imported  # confirmed once


def test_a_file_with_an_invalid_sheet_is_refused_whole_by_default(admin_client, seed_bytes):
    job = checked(admin_client, seed_bytes + b"\n" + INVALID_SHEET.encode())
    assert job.result["rejected"] == 1 and job.result["refused"]
    line, _, message = job.problems[0]
    assert line > 1400 and message
    assert f"<td>{line}</td>" in page(admin_client, job)
    imported = confirm(admin_client, job)
    assert imported.result["refused"] and Action.objects.count() == 0


def test_only_the_valid_sheets_are_imported_when_asked(admin_client, seed_bytes):
    job = checked(admin_client, seed_bytes + b"\n" + INVALID_SHEET.encode(), only_valid=True)
    imported = confirm(admin_client, job, only_valid=True)
    assert imported.result["rejected"] == 1 and not imported.result["refused"]
    assert Action.objects.count() == 22


def exported(client, fmt: str) -> bytes:
    response = client.get(reverse("action_download", args=[fmt]))
    if response.status_code == 202:  # the full files of a new version: the worker builds them
        run_queued_jobs()
        response = client.get(reverse("action_download", args=[fmt]))
    return b"".join(response.streaming_content)


def cells(content: bytes, fmt: str):
    if fmt != "xlsx":
        return content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_an_export_imports_back_to_the_same_export(admin_client, seeded, fmt):
    with_files = set(Action.objects.filter(declares_files=True).values_list("pk", flat=True))
    assert with_files
    before = exported(admin_client, fmt)
    job = checked(admin_client, before, f"export.{fmt}")
    assert job.state == JobState.SUCCEEDED, job.error
    assert (job.result["created"], job.result["rejected"]) == (0, 0), job.problems
    assert job.result["updated"] + job.result["unchanged"] == 22
    confirm(admin_client, job)
    assert Action.objects.count() == 22
    assert cells(exported(admin_client, fmt), fmt) == cells(before, fmt)
    # The export carries no files: the actions keep theirs.
    assert set(Action.objects.filter(declares_files=True).values_list("pk", flat=True)) == with_files


def test_rows_are_reported_by_line_and_column(admin_client, seeded):
    rows = [
        ["Nouvelle action", "Centre neuf", "31", "En cours"],
        ["Statut inconnu", "Centre neuf", "31", "Bientôt"],
        ["Sans département", "Centre neuf", "99", "En cours"],
    ]
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["Titre", "Structure organisatrice", "Code du département", "Statut de l'action"])
    writer.writerows(rows)
    job = checked(admin_client, text.getvalue().encode(), "a.csv")
    assert {(line, column) for line, column, _ in job.problems} == {(3, "status"), (4, "departement_code")}
    assert "Bientôt" in page(admin_client, job)
    assert job.result["created"] == 1 and job.result["rejected"] == 2
    assert not Action.objects.filter(title="Nouvelle action").exists()
    confirm(admin_client, job, only_valid=True)
    action = Action.objects.get(title="Nouvelle action")
    assert action.state == "published" and action.centre.departement_id == "31"


def test_a_json_import_names_the_record_line(admin_client, seeded):
    records = [{"title": "X", "centre": {"name": "Centre", "departement_code": "31"}, "status": "Bientôt"}]
    job = checked(admin_client, json.dumps(records, indent=1).encode(), "a.json")
    assert job.problems[0][:2] == [2, "status"]


def test_an_expired_upload_cannot_be_imported(admin_client, seed_bytes):
    job = checked(admin_client, seed_bytes)
    default_storage.delete(job.file)
    imported = confirm(admin_client, job)
    assert imported.state == JobState.FAILED and "expiré" in imported.error
    assert Action.objects.count() == 0


def test_an_unknown_format_or_an_oversized_file_is_refused(admin_client, settings, seed_bytes):
    response = admin_client.post(URL, {"import_file": SimpleUploadedFile("a.pdf", b"%PDF")})
    assert response.status_code == 400 and "Format inconnu" in response.content.decode()
    archive = admin_client.post(URL, {"import_file": SimpleUploadedFile("fiches.txt", b"PK\x03\x04" + b"\0" * 100)})
    assert "archive" in archive.content.decode()
    settings.CATALOGUE_MAX_IMPORT_SIZE = 1000
    assert (
        "trop gros" in admin_client.post(URL, {"import_file": SimpleUploadedFile("f.txt", seed_bytes)}).content.decode()
    )
    assert not Job.objects.exists()


def test_importing_needs_the_import_permission(staff_client, seed_bytes):
    client = staff_client("actions_catalog.view_action", "actions_catalog.add_action", "actions_catalog.change_action")
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"import_file": SimpleUploadedFile("f.txt", seed_bytes)}).status_code == 403


def test_the_import_permission_is_enough(staff_client, seed_bytes):
    allowed = staff_client("actions_catalog.view_action", "actions_catalog.import_action")
    assert allowed.get(URL).status_code == 200
    assert confirm(allowed, checked(allowed, seed_bytes)).result["created"] == 22


def test_the_headers_of_an_export_are_french():
    assert flat_headers()[:3] == ["Titre", "Identifiant (slug)", "Structure organisatrice"]


def test_an_actions_import_keeps_the_years_of_the_actions_it_updates(admin_client, seeded):
    forum = Action.objects.get(title="Forum Seniors")
    ActionYear.objects.bulk_create([ActionYear(action=forum, year=2023), ActionYear(action=forum, year=2024)])
    [record] = [r for r in json.loads(exported(admin_client, "json")) if r["slug"] == forum.slug]
    record["summary"] = "Un forum annuel des seniors"
    record.pop("years", None)  # a file that does not carry the years
    imported = confirm(admin_client, checked(admin_client, json.dumps([record]).encode(), "forum.json"))
    assert imported.result["updated"] == 1, imported.problems
    forum.refresh_from_db()
    assert forum.summary == "Un forum annuel des seniors"
    assert list(forum.years.values_list("year", flat=True)) == [2023, 2024]


def test_a_confirmed_actions_import_leaves_one_moderation_event(admin_client, admin_user, seeded):
    content = (
        "title,centre,departement_code,status\n"
        "Première nouvelle,Centre neuf,31,En cours\nSeconde nouvelle,Centre neuf,31,Terminée\n"
    ).encode()
    dry_run = checked(admin_client, content, "deux.csv")
    assert not ModerationEvent.objects.filter(verb=EventVerb.IMPORTED, actor=admin_user).exists()  # a dry run
    confirm(admin_client, dry_run)
    [event] = ModerationEvent.objects.filter(verb=EventVerb.IMPORTED, actor=admin_user)
    assert event.action is None and "deux.csv" in event.reason and "created: 2" in event.reason
