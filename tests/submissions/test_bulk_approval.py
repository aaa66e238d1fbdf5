"""« Publier la sélection »: every sheet goes through the moderation service (event, e-mail, files), one that
cannot be published does not block the others, and the messages say which were published and why not."""

from unittest import mock

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from actions_catalog.core import moderation, notifications
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from actions_catalog.core.submission_models import Attachment, EventVerb, ModerationEvent, RevisionState
from tests.submissions.conftest import CREATE_URL, edit_url, make_user, review_url, sheet_post
from tests.submissions.test_attachments import PDF, post_with_files, upload

pytestmark = pytest.mark.django_db

BULK_URL = reverse("espace:moderation_bulk_approve")
QUEUE_URL = reverse("espace:moderation_queue")


@pytest.fixture
def moderator_browser(moderator):
    client = Client()
    client.force_login(moderator)
    return client


def send(member_client, centre, title, **fields):
    response = member_client.post(CREATE_URL, sheet_post(centre, intent="send", title=title, **fields))
    assert response.status_code == 302
    return Action.objects.get(title=title)


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_selection_is_published_through_the_moderation_service(
    member_client, member, moderator_browser, moderator, centre, mailoutbox
):
    post_with_files(member_client, CREATE_URL, centre, [upload("bilan.pdf", PDF)], intent="send", title="Atelier vélo")
    first = Action.objects.get(title="Atelier vélo")
    second = send(member_client, centre, "Sortie au musée", declared_total="1")  # a check: total incohérent
    left = send(member_client, centre, "Repair café")
    mailoutbox.clear()

    response = moderator_browser.post(BULK_URL, {"selection": [first.pk, second.pk]})

    assert response.status_code == 302 and response["Location"] == QUEUE_URL
    for action in (first, second):
        action.refresh_from_db()
        assert action.state == PublicationState.PUBLISHED and action.published_at is not None
    left.refresh_from_db()
    assert left.state == PublicationState.PENDING
    events = ModerationEvent.objects.filter(verb=EventVerb.APPROVED, actor=moderator).order_by("pk")
    assert [event.action for event in events] == [first, second]
    assert events[1].reason == "Publiée malgré les contrôles automatiques : Total incohérent, Rubriques clés vides."
    assert Attachment.objects.get(action=first).approved_at is not None
    assert sorted(message.subject for message in mailoutbox) == [
        "Votre fiche « Atelier vélo » est publiée",
        "Votre fiche « Sortie au musée » est publiée",
    ]
    assert all(message.to == [member.email] for message in mailoutbox)
    assert texts(response) == ["2 fiches publiées : « Atelier vélo », « Sortie au musée »."]


def test_every_approval_of_the_selection_calls_moderation_approve(member_client, moderator_browser, moderator, centre):
    actions = [send(member_client, centre, title) for title in ("Atelier vélo", "Sortie au musée")]

    with mock.patch.object(moderation, "approve", wraps=moderation.approve) as approve:
        moderator_browser.post(BULK_URL, {"selection": [action.pk for action in actions]})

    assert [call.args[0].pk for call in approve.call_args_list] == [action.pk for action in actions]
    assert all(call.args[1] == moderator for call in approve.call_args_list)


def test_a_sheet_that_cannot_be_published_does_not_block_the_others_and_says_why(
    member_client, moderator_browser, centre, mailoutbox
):
    published = send(member_client, centre, "Jardin partagé")
    moderator_browser.post(review_url(published), {"decision": "approve"})
    # A change whose new title another sheet took meanwhile cannot be applied.
    member_client.post(edit_url(published), sheet_post(centre, intent="send", title="Atelier vélo"))
    member_client.post(CREATE_URL, sheet_post(centre, title="Atelier vélo"))
    decided = send(member_client, centre, "Sortie au musée")
    moderator_browser.post(review_url(decided), {"decision": "reject", "reason": "Incomplète."})
    fine = send(member_client, centre, "Repair café")
    moderator_browser.get(QUEUE_URL)  # shows (and so clears) the messages of the decisions above
    mailoutbox.clear()

    response = moderator_browser.post(BULK_URL, {"selection": [published.pk, decided.pk, fine.pk]})

    fine.refresh_from_db()
    assert fine.state == PublicationState.PUBLISHED
    published.refresh_from_db()
    assert published.title == "Jardin partagé"
    assert published.revisions.get().state == RevisionState.PENDING
    decided.refresh_from_db()
    assert decided.state == PublicationState.REJECTED
    messages = texts(response)
    assert messages[0] == "1 fiche publiée : « Repair café »."
    assert "« Jardin partagé » n'est pas publiée : Le titre proposé « Atelier vélo » est déjà celui" in messages[1]
    assert messages[2] == "« Sortie au musée » n'est pas publiée : elle n'attend plus de décision (déjà traitée)."
    assert [message.subject for message in mailoutbox] == ["Votre fiche « Repair café » est publiée"]


def test_a_mail_that_fails_after_the_publication_is_reported_as_such(member_client, moderator_browser, centre):
    first = send(member_client, centre, "Atelier vélo")
    second = send(member_client, centre, "Repair café")
    real = notifications.notify_decision
    calls = []

    def failing_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise ConnectionRefusedError("SMTP down")
        return real(*args, **kwargs)

    with mock.patch.object(notifications, "notify_decision", failing_once):
        response = moderator_browser.post(BULK_URL, {"selection": [first.pk, second.pk]})

    assert set(Action.objects.values_list("state", flat=True)) == {PublicationState.PUBLISHED}
    messages = texts(response)
    assert messages[0] == "2 fiches publiées : « Atelier vélo », « Repair café »."
    assert messages[1] == "« Atelier vélo » est publiée, mais l'e-mail au centre n'a pas pu être envoyé."


def test_the_redirect_keeps_the_queue_filters(member_client, moderator_browser, centre):
    action = send(member_client, centre, "Atelier vélo")

    response = moderator_browser.post(
        BULK_URL, {"selection": [action.pk], "region": "76", "controle": "total-incoherent"}
    )

    assert response["Location"] == f"{QUEUE_URL}?region=76&controle=total-incoherent"


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        ([], "Cochez au moins une fiche à publier : rien n'a été publié."),
        (["abc"], "La sélection envoyée est illisible : rien n'a été publié."),
        ([str(n) for n in range(1, 102)], "100 fiches au plus à la fois : rien n'a été publié."),
    ],
)
def test_a_bad_selection_publishes_nothing(member_client, moderator_browser, centre, selection, message):
    action = send(member_client, centre, "Atelier vélo")

    response = moderator_browser.post(BULK_URL, {"selection": selection})

    assert texts(response) == [message]
    action.refresh_from_db()
    assert action.state == PublicationState.PENDING
    assert not ModerationEvent.objects.filter(verb=EventVerb.APPROVED).exists()


def test_an_unknown_sheet_in_the_selection_is_reported(member_client, moderator_browser, centre):
    action = send(member_client, centre, "Atelier vélo")

    response = moderator_browser.post(BULK_URL, {"selection": [action.pk, 999_999]})

    assert texts(response) == ["1 fiche publiée : « Atelier vélo ».", "1 fiche de la sélection n'existe plus."]


def test_non_moderators_cannot_publish_a_selection(member_client, member, centre, django_user_model):
    action = send(member_client, centre, "Atelier vélo")

    assert member_client.post(BULK_URL, {"selection": [action.pk]}).status_code == 403
    staff = make_user(django_user_model, "equipe")
    staff.is_staff = True
    staff.save()
    other = Client()
    other.force_login(staff)
    assert other.post(BULK_URL, {"selection": [action.pk]}).status_code == 403
    anonymous = Client().post(BULK_URL, {"selection": [action.pk]})
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    action.refresh_from_db()
    assert action.state == PublicationState.PENDING
    with pytest.raises(Exception, match="modérateurs"):
        moderation.approve_many([action], member)


def test_the_selection_is_posted_never_fetched(moderator_browser):
    assert moderator_browser.get(BULK_URL).status_code == 405


def test_a_sheet_taken_back_to_a_draft_since_the_page_was_shown_is_not_published(
    member_client, moderator_browser, centre
):
    action = send(member_client, centre, "Atelier vélo")
    other = send(member_client, centre, "Repair café")
    member_client.post(edit_url(action), sheet_post(centre, title="Atelier vélo"))  # withdrawn: a draft again
    member_client.post(edit_url(other), sheet_post(centre, title="Repair café"))

    bulk = moderator_browser.post(BULK_URL, {"selection": [action.pk]})
    single = moderator_browser.post(review_url(other), {"decision": "approve"})

    assert texts(bulk) == ["« Atelier vélo » n'est pas publiée : elle n'attend plus de décision (déjà traitée)."]
    assert single.status_code == 302
    assert set(Action.objects.values_list("state", flat=True)) == {PublicationState.DRAFT}
