"""Files follow their transaction, and a published sheet's files change only when its revision is approved."""

import os
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client

from actions_catalog.core import moderation, submissions
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from actions_catalog.core.submission_models import Attachment
from tests.submissions.conftest import CREATE_URL, edit_url, review_url
from tests.submissions.test_attachments import PDF, post_with_files, upload

pytestmark = pytest.mark.django_db


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.fixture
def published_with_a_file(member_client, centre, moderator):
    post_with_files(member_client, CREATE_URL, centre, [upload("programme.pdf", PDF)], intent="send")
    action = Action.objects.get()
    moderation.approve(action, moderator)
    attachment = Attachment.objects.get()
    assert attachment.approved_at is not None
    return action, attachment


def test_a_pending_removal_leaves_the_published_file_public(
    member_client, centre, published_with_a_file, django_capture_on_commit_callbacks, settings
):
    action, attachment = published_with_a_file
    with django_capture_on_commit_callbacks(execute=True):
        response = post_with_files(
            member_client, edit_url(action), centre, [], intent="draft", remove_attachments=[str(attachment.pk)]
        )
    assert response.status_code == 302
    assert (settings.MEDIA_ROOT / attachment.file.name).exists()
    assert Client().get(attachment.get_absolute_url()).status_code == 200  # visitors still get it
    assert Attachment.objects.get(pk=attachment.pk).removal_revision == action.revisions.open().get()


def test_the_removal_and_the_new_file_apply_when_the_revision_is_approved(
    member_client, centre, moderator, published_with_a_file, django_capture_on_commit_callbacks, settings
):
    action, old = published_with_a_file
    post_with_files(
        member_client,
        edit_url(action),
        centre,
        [upload("bilan.pdf", PDF)],
        intent="send",
        remove_attachments=[str(old.pk)],
    )
    new = Attachment.objects.get(original_name="bilan.pdf")
    assert new.approved_at is None and Client().get(new.get_absolute_url()).status_code == 404  # not public yet

    with django_capture_on_commit_callbacks(execute=True):
        moderation.approve(action, moderator)

    assert not Attachment.objects.filter(pk=old.pk).exists()
    assert not (settings.MEDIA_ROOT / old.file.name).exists()
    new.refresh_from_db()
    assert (new.approved_at is not None, new.revision) == (True, None)
    assert Client().get(new.get_absolute_url()).status_code == 200


def test_a_refused_revision_changes_no_file(member_client, centre, moderator, published_with_a_file, settings):
    action, old = published_with_a_file
    post_with_files(member_client, edit_url(action), centre, [], intent="send", remove_attachments=[str(old.pk)])
    moderation.reject(action, moderator, "Gardez le programme.")
    assert Client().get(old.get_absolute_url()).status_code == 200
    assert (settings.MEDIA_ROOT / old.file.name).exists()


def test_a_submission_whose_transaction_rolls_back_leaves_no_file(member_client, centre, monkeypatch, settings):
    def fail(*args, **kwargs):
        raise RuntimeError("panne simulée après l'écriture des fichiers")

    monkeypatch.setattr(submissions, "_save_keyword_suggestion", fail)
    with pytest.raises(RuntimeError, match="panne simulée"):
        post_with_files(member_client, CREATE_URL, centre, [upload("programme.pdf", PDF)], new_keyword="Jardins")
    assert not Action.objects.exists() and not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_a_removal_whose_transaction_rolls_back_keeps_the_file(member_client, centre, monkeypatch, settings):
    post_with_files(member_client, CREATE_URL, centre, [upload("programme.pdf", PDF)])
    attachment = Attachment.objects.get()

    def fail(*args, **kwargs):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(submissions, "_save_keyword_suggestion", fail)
    with pytest.raises(RuntimeError):
        post_with_files(
            member_client, edit_url(Action.objects.get()), centre, [], remove_attachments=[str(attachment.pk)]
        )
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert (settings.MEDIA_ROOT / attachment.file.name).exists()


def test_the_sweep_deletes_old_orphan_files_only(settings, member_client, centre):
    post_with_files(member_client, CREATE_URL, centre, [upload("programme.pdf", PDF)])
    kept = Attachment.objects.get().file.name
    old_orphan = default_storage.save("pieces-jointes/999/orphelin.pdf", ContentFile(PDF))
    young_orphan = default_storage.save("pieces-jointes/999/recent.pdf", ContentFile(PDF))
    two_days_ago = time.time() - timedelta(days=2).total_seconds()
    os.utime(default_storage.path(old_orphan), (two_days_ago, two_days_ago))

    call_command("sweep_attachments", "--hours", "24", stdout=open(os.devnull, "w"))

    assert stored_files(settings) == sorted([kept, young_orphan])


def test_an_unpublished_sheet_removes_its_file_once_committed(
    member_client, centre, django_capture_on_commit_callbacks, settings
):
    post_with_files(member_client, CREATE_URL, centre, [upload("programme.pdf", PDF)])
    attachment = Attachment.objects.get()
    assert Action.objects.get().state == PublicationState.DRAFT
    with django_capture_on_commit_callbacks() as callbacks:
        post_with_files(
            member_client, edit_url(Action.objects.get()), centre, [], remove_attachments=[str(attachment.pk)]
        )
    assert not Attachment.objects.exists()
    assert (settings.MEDIA_ROOT / attachment.file.name).exists()  # until the commit
    for callback in callbacks:
        callback()
    assert not (settings.MEDIA_ROOT / attachment.file.name).exists()


def test_the_review_page_shows_the_files_a_revision_adds_and_removes(
    member_client, centre, moderator, published_with_a_file
):
    action, old = published_with_a_file
    moderator_browser = Client()
    moderator_browser.force_login(moderator)
    post_with_files(
        member_client,
        edit_url(action),
        centre,
        [upload("bilan.pdf", PDF)],
        intent="send",
        remove_attachments=[str(old.pk)],
    )
    page = moderator_browser.get(review_url(action)).content.decode()
    added = page[page.index("Fichiers à valider") : page.index("Fichiers que la modification retire")]
    removed = page[page.index("Fichiers que la modification retire") :]
    assert "bilan.pdf" in added and "programme.pdf" not in added
    assert "programme.pdf" in removed.split("</ul>")[0]
