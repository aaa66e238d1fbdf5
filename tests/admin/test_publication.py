"""In the admin, an action's publication is moderation's: read-only in the change form, "Publier" and "Refuser"
for moderators go through the moderation service (its event, its e-mail, the files it approves)."""

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse

from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from actions_catalog.core.submission_models import Attachment, EventVerb, ModerationEvent
from tests.admin.conftest import change_form_data
from tests.factories import CentreFactory, UserFactory, make_action

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def pending():
    """A sheet sent for validation by a member, with a file waiting for approval."""
    centre = CentreFactory(name="Centre social de la Reynerie")
    member = UserFactory(username="camille", centres=[centre])
    action = make_action("Jardin partagé", centre, state=PublicationState.PENDING, submitted_by=member)
    attachment = Attachment(action=action, original_name="plan.pdf", content_type="application/pdf", size=len(PDF))
    attachment.file.save("plan.pdf", ContentFile(PDF), save=True)
    return action


def change_url(action):
    return reverse("admin:actions_catalog_action_change", args=[action.pk])


def test_a_staff_user_without_the_moderation_permission_cannot_publish_through_the_change_form(staff_client, pending):
    client = staff_client("actions_catalog.view_action", "actions_catalog.change_action")
    page = client.get(change_url(pending)).content.decode()
    assert "Publier" not in page

    data = change_form_data(client, change_url(pending)) | {"state": "published", "published_at_0": "01/01/2026"}
    response = client.post(change_url(pending), data)

    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.state, pending.published_at) == (PublicationState.PENDING, None)
    assert client.post(reverse("admin:actions_catalog_action_publish", args=[pending.pk])).status_code == 403
    assert not ModerationEvent.objects.filter(verb=EventVerb.APPROVED).exists()
    assert mail.outbox == []


def test_an_action_added_in_the_admin_is_a_draft_until_published(admin_client):
    centre = CentreFactory()
    data = {
        key: value
        for key, value in change_form_data(admin_client, reverse("admin:actions_catalog_action_add")).items()
        if value != ""
    } | {
        "title": "Fiche saisie par la fédération",
        "slug": "",
        "centre": str(centre.pk),
        "status": "en-cours",
    }
    response = admin_client.post(reverse("admin:actions_catalog_action_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Action.objects.get(title="Fiche saisie par la fédération").state == PublicationState.DRAFT


@pytest.fixture
def moderator_client(client):
    moderator = UserFactory(
        username="federation",
        is_staff=True,
        perms=["actions_catalog.view_action", "actions_catalog.change_action", "actions_catalog.moderate_action"],
    )
    client.force_login(moderator)
    return client


def test_publier_goes_through_the_moderation_service(moderator_client, pending):
    assert "Publier" in moderator_client.get(change_url(pending)).content.decode()

    response = moderator_client.post(reverse("admin:actions_catalog_action_publish", args=[pending.pk]))

    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.state == PublicationState.PUBLISHED and pending.published_at is not None
    assert ModerationEvent.objects.filter(action=pending, verb=EventVerb.APPROVED).count() == 1
    assert Attachment.objects.get(action=pending).approved_at is not None  # the file is public with the sheet
    [message] = mail.outbox
    assert message.to == ["camille@example.org"] and "est publiée" in message.subject


def test_refuser_asks_a_reason_then_goes_through_the_moderation_service(moderator_client, pending):
    url = reverse("admin:actions_catalog_action_reject", args=[pending.pk])
    assert moderator_client.post(url, {"reason": "  "}).status_code == 400
    pending.refresh_from_db()
    assert pending.state == PublicationState.PENDING

    response = moderator_client.post(url, {"reason": "Il manque le budget."})

    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.state, pending.rejection_reason) == (PublicationState.REJECTED, "Il manque le budget.")
    assert ModerationEvent.objects.get(action=pending, verb=EventVerb.REJECTED).reason == "Il manque le budget."
    assert "Il manque le budget." in mail.outbox[0].body


def test_a_published_action_offers_no_button(moderator_client, make_action):
    published = make_action("Déjà publiée")
    page = moderator_client.get(change_url(published)).content.decode()
    assert reverse("admin:actions_catalog_action_publish", args=[published.pk]) not in page
    response = moderator_client.post(reverse("admin:actions_catalog_action_publish", args=[published.pk]))
    assert response.status_code == 302
    assert not ModerationEvent.objects.filter(verb=EventVerb.APPROVED).exists()
