"""Messages between moderators and a centre about a sent sheet: both pages, the e-mails of each side, who may
write, when, and bad input."""

import pytest
from django.test import Client
from django.urls import reverse

from actions_catalog.core import comments
from actions_catalog.core.comments import MAX_COMMENT_LENGTH, CommentError
from actions_catalog.core.models import Action
from actions_catalog.core.submission_models import SubmissionComment
from tests.submissions.conftest import CREATE_URL, edit_url, make_user, review_url, sheet_post

pytestmark = pytest.mark.django_db


def comments_url(action):
    return reverse("espace:action_comments", kwargs={"slug": action.slug})


def moderation_comment_url(action):
    return reverse("espace:moderation_comment", kwargs={"slug": action.slug})


@pytest.fixture
def moderator_browser(moderator):
    client = Client()
    client.force_login(moderator)
    return client


@pytest.fixture
def sent(member_client, centre):
    member_client.post(CREATE_URL, sheet_post(centre, intent="send"))
    return Action.objects.get()


@pytest.fixture
def colleague(django_user_model, centre):
    return make_user(django_user_model, "claude", centres=[centre])


def test_a_moderator_writes_from_the_review_page_and_the_centre_is_told(
    sent, moderator_browser, moderator, member, colleague, mailoutbox
):
    mailoutbox.clear()
    response = moderator_browser.post(
        moderation_comment_url(sent), {"text": "Le total ne correspond pas.\nPouvez-vous vérifier ?"}
    )

    assert response.status_code == 302
    assert response["Location"] == review_url(sent) + "#echanges"
    comment = SubmissionComment.objects.get()
    assert (comment.action, comment.revision, comment.author, comment.from_moderation) == (sent, None, moderator, True)
    assert sorted(message.to[0] for message in mailoutbox) == sorted([member.email, colleague.email])
    message = mailoutbox[0]
    assert message.subject == "La fédération vous écrit au sujet de « Jardin partagé des familles »"
    assert "Le total ne correspond pas.\nPouvez-vous vérifier ?" in message.body
    assert f"https://catalogue.example{comments_url(sent)}" in message.body
    page = moderator_browser.get(review_url(sent)).content.decode()
    assert "Échanges avec le centre (1)" in page
    assert "Le total ne correspond pas.<br>Pouvez-vous vérifier ?" in page


def test_the_member_reads_and_answers_and_every_moderator_is_told(
    sent, member_client, moderator, django_user_model, mailoutbox
):
    second = make_user(django_user_model, "seconde", moderator=True)
    comments.add_comment(sent, moderator, "Précisez le public.", from_moderation=True)
    page = member_client.get(comments_url(sent)).content.decode()
    assert "Précisez le public." in page and "La fédération" in page
    mailoutbox.clear()

    response = member_client.post(comments_url(sent), {"text": "C'est fait : familles et enfants."})

    assert response.status_code == 302
    answer = SubmissionComment.objects.latest("pk")
    assert answer.from_moderation is False
    assert sorted(message.to[0] for message in mailoutbox) == sorted([moderator.email, second.email])
    assert mailoutbox[0].subject == "Message du centre au sujet de « Jardin partagé des familles »"
    assert f"https://catalogue.example{review_url(sent)}" in mailoutbox[0].body
    page = member_client.get(comments_url(sent)).content.decode()
    assert page.index("Précisez le public.") < page.index("familles et enfants")  # oldest first


def test_the_author_of_a_message_is_not_mailed_their_own_message(
    sent, moderator, member, django_user_model, mailoutbox
):
    both = make_user(django_user_model, "double", centres=[sent.centre], moderator=True)
    mailoutbox.clear()
    comments.add_comment(sent, both, "Je relis.", from_moderation=True)

    assert both.email not in [message.to[0] for message in mailoutbox]
    assert member.email in [message.to[0] for message in mailoutbox]


def test_the_dashboard_and_the_form_link_to_the_conversation(sent, member_client, moderator):
    comments.add_comment(sent, moderator, "Bonjour", from_moderation=True)
    comments.add_comment(sent, moderator, "Encore moi", from_moderation=True)

    dashboard = member_client.get(reverse("espace:dashboard")).content.decode()
    assert f'href="{comments_url(sent)}">Échanges avec la fédération (2)' in dashboard
    assert f'href="{comments_url(sent)}"' in member_client.get(edit_url(sent)).content.decode()


def test_a_change_to_a_published_sheet_is_discussed_on_its_revision(
    sent, member_client, moderator_browser, moderator, centre
):
    moderator_browser.post(review_url(sent), {"decision": "approve"})
    sent.refresh_from_db()
    assert comments.conversation(sent).is_open is False  # published, nothing under way
    member_client.post(edit_url(sent), sheet_post(centre, intent="send", summary="Nouveau résumé."))

    comments.add_comment(sent, moderator, "Pourquoi ce changement ?", from_moderation=True)

    comment = SubmissionComment.objects.get()
    assert comment.revision == sent.revisions.get()
    assert "au sujet d'une modification" in member_client.get(comments_url(sent)).content.decode()


def test_a_refused_sheet_can_still_be_discussed_on_the_review_page_without_a_decision(
    sent, member_client, moderator_browser
):
    moderator_browser.post(review_url(sent), {"decision": "reject", "reason": "Trop court."})
    member_client.post(comments_url(sent), {"text": "Que faut-il ajouter ?"})

    page = moderator_browser.get(review_url(sent)).content.decode()

    assert page.count("Que faut-il ajouter ?") == 1
    assert "n'attend pas de décision" in page
    assert "Valider et publier" not in page
    assert moderator_browser.post(moderation_comment_url(sent), {"text": "Le public."}).status_code == 302
    assert SubmissionComment.objects.count() == 2


# -- When, who, and bad input ------------------------------------------------------------------------------------


def test_a_draft_never_sent_cannot_be_discussed(member_client, centre, moderator_browser):
    member_client.post(CREATE_URL, sheet_post(centre))
    draft = Action.objects.get()

    response = member_client.post(comments_url(draft), {"text": "Bonjour ?"})

    assert response.status_code == 400  # the page, with the notice instead of the form
    assert "Vous pourrez écrire à la fédération" in response.content.decode()
    with pytest.raises(CommentError):
        comments.add_comment(draft, draft.submitted_by, "Bonjour ?", from_moderation=False)
    assert moderator_browser.post(moderation_comment_url(draft), {"text": "Bonjour ?"}).status_code == 400
    assert not SubmissionComment.objects.exists()


def test_a_withdrawn_sheet_keeps_its_open_conversation(sent, member_client, centre, moderator):
    comments.add_comment(sent, moderator, "Une question.", from_moderation=True)
    member_client.post(edit_url(sent), sheet_post(centre))  # saved as a draft again
    sent.refresh_from_db()
    assert sent.state == "draft"

    response = member_client.post(comments_url(sent), {"text": "Je corrige et je renvoie."})

    assert response.status_code == 302
    assert SubmissionComment.objects.count() == 2


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_an_empty_message_is_refused_and_the_form_says_why(sent, member_client, text, mailoutbox):
    mailoutbox.clear()
    response = member_client.post(comments_url(sent), {"text": text})

    assert response.status_code == 400
    assert "Le message est vide" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not SubmissionComment.objects.exists()
    assert mailoutbox == []


def test_a_message_too_long_is_refused_and_kept_in_the_form(sent, moderator_browser):
    text = "a" * (MAX_COMMENT_LENGTH + 1)

    response = moderator_browser.post(moderation_comment_url(sent), {"text": text})

    assert response.status_code == 400
    assert "Le message est trop long" in response.content.decode()
    assert text in response.content.decode()
    assert not SubmissionComment.objects.exists()
    with pytest.raises(CommentError):
        comments.add_comment(sent, sent.submitted_by, text, from_moderation=False)


def test_a_member_of_another_centre_gets_404_and_writes_nothing(sent, outsider):
    client = Client()
    client.force_login(outsider)

    assert client.get(comments_url(sent)).status_code == 404
    assert client.post(comments_url(sent), {"text": "Intrus"}).status_code == 404
    assert not SubmissionComment.objects.exists()


def test_a_member_cannot_write_as_the_federation(sent, member_client, member):
    assert member_client.post(moderation_comment_url(sent), {"text": "Validé !"}).status_code == 403
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        comments.add_comment(sent, member, "Validé !", from_moderation=True)
    assert not SubmissionComment.objects.exists()


def test_a_moderator_outside_the_centre_cannot_write_as_the_centre(sent, moderator):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        comments.add_comment(sent, moderator, "Signé : le centre", from_moderation=False)


def test_the_side_of_a_message_is_set_by_the_server(sent, member_client):
    member_client.post(comments_url(sent), {"text": "Bonjour", "from_moderation": "on", "author": "1"})

    comment = SubmissionComment.objects.get()
    assert comment.from_moderation is False
    assert comment.author == sent.submitted_by


def test_anonymous_visitors_are_sent_to_the_login_page(sent):
    for url in (comments_url(sent), moderation_comment_url(sent)):
        response = Client().post(url, {"text": "Spam"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert not SubmissionComment.objects.exists()
