"""Uploading a scraped sheet file from the admin: a dry run first (summary, errors by line), then a
confirmation that writes through the loader; all or nothing unless "only the valid sheets" is ticked."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions_catalog.backoffice.admin import UPLOAD_SESSION_KEY
from actions_catalog.core.models import Action

pytestmark = pytest.mark.django_db

URL = reverse("admin:actions_catalog_action_upload_sheets")
INVALID_SHEET = "Actions\nSans structure\n- Structure organisatrice\n- Statut de l'action\n- En cours\n"


def send(client, content: bytes, name="fiches.txt", only_valid=False):
    data = {"sheet_file": SimpleUploadedFile(name, content)}
    if only_valid:
        data["only_valid"] = "on"
    return client.post(URL, data)


def confirm(client, response, only_valid=None):
    form = response.context["confirm_form"]
    data = {"confirm-token": form.initial["token"]}
    if only_valid if only_valid is not None else form.initial["only_valid"]:
        data["confirm-only_valid"] = "on"
    return client.post(URL, data)


def test_upload_previews_without_writing_then_confirms(admin_client, admin_user, seed_bytes):
    preview = send(admin_client, seed_bytes, "fiches-actions-centres-sociaux.txt")

    assert preview.status_code == 200
    report = preview.context["preview"].report
    assert (report.created, report.duplicates, report.rejected) == (22, 3, 0)
    assert Action.objects.count() == 0
    assert "Aperçu de l" in preview.content.decode()

    response = confirm(admin_client, preview)

    assert response.status_code == 302
    assert Action.objects.count() == 22
    record = Action.history.latest()
    assert record.history_user == admin_user
    assert record.history_change_reason == "Import depuis l'administration : fiches-actions-centres-sociaux.txt"
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("22 créée(s)" in message for message in messages)
    assert UPLOAD_SESSION_KEY not in admin_client.session


def test_a_file_with_an_invalid_sheet_is_refused_whole_by_default(admin_client, seed_bytes):
    content = seed_bytes + b"\n" + INVALID_SHEET.encode()
    preview = send(admin_client, content)

    problems = preview.context["preview"].problems
    assert problems and all(problem.line > 1400 for problem in problems)
    page = preview.content.decode()
    assert f"Ligne {problems[0].line} :" in page
    assert preview.context["preview"].report.rejected == 1

    response = confirm(admin_client, preview, only_valid=False)

    assert response.status_code == 400
    assert response.context["refused"]
    assert Action.objects.count() == 0


def test_only_the_valid_sheets_are_imported_when_asked(admin_client, seed_bytes):
    preview = send(admin_client, seed_bytes + b"\n" + INVALID_SHEET.encode(), only_valid=True)
    response = confirm(admin_client, preview)
    assert response.status_code == 302
    assert Action.objects.count() == 22


def test_a_confirmation_without_a_pending_file_writes_nothing(admin_client, seed_bytes):
    preview = send(admin_client, seed_bytes)
    response = admin_client.post(URL, {"confirm-token": "0" * 64})
    assert response.status_code == 302
    assert Action.objects.count() == 0
    session = admin_client.session
    session.pop(UPLOAD_SESSION_KEY)
    session.save()
    assert confirm(admin_client, preview).status_code == 302
    assert Action.objects.count() == 0


def test_an_archive_or_an_oversized_file_is_refused(admin_client, settings, seed_bytes):
    archive = send(admin_client, b"PK\x03\x04" + b"\0" * 100, "fiches.xlsx")
    assert "archive" in " ".join(archive.context["form"].errors["sheet_file"])
    settings.CATALOGUE_MAX_UPLOAD_SIZE = 1000
    too_big = send(admin_client, seed_bytes)
    assert "trop gros" in " ".join(too_big.context["form"].errors["sheet_file"])
    assert "preview" not in too_big.context


def test_uploading_needs_the_import_permission(staff_client, seed_bytes):
    client = staff_client("actions_catalog.view_action", "actions_catalog.add_action", "actions_catalog.change_action")
    assert client.get(URL).status_code == 403
    assert send(client, seed_bytes).status_code == 403
    assert Action.objects.count() == 0


def test_a_staff_member_with_the_import_permission_may_upload(staff_client, seed_bytes):
    client = staff_client("actions_catalog.view_action", "actions_catalog.import_action")
    assert client.get(URL).status_code == 200
    assert confirm(client, send(client, seed_bytes)).status_code == 302
    assert Action.objects.count() == 22
