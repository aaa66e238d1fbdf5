"""Every state transition of a proposed sheet and of a change to a published one, and the e-mails they send."""

import pytest
from django.test import Client
from django.urls import reverse

from actions_catalog.core import moderation, permissions
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action, Keyword
from actions_catalog.core.submission_models import (
    ActionRevision,
    EventVerb,
    KeywordSuggestion,
    ModerationEvent,
    RevisionState,
    SuggestionState,
)
from tests.submissions.conftest import CREATE_URL, edit_url, make_user, review_url, sheet_post, visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_browser(member):
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def moderator_browser(moderator):
    client = Client()
    client.force_login(moderator)
    return client


def send_new(member_browser, centre, **fields):
    response = member_browser.post(CREATE_URL, sheet_post(centre, intent="send", **fields))
    assert response.status_code == 302, response.content.decode()[-3000:]
    return Action.objects.get(title=fields.get("title", "Jardin partagé des familles"))


@pytest.fixture
def published(member_browser, moderator_browser, centre):
    action = send_new(member_browser, centre)
    moderator_browser.post(review_url(action), {"decision": "approve"})
    action.refresh_from_db()
    assert action.state == PublicationState.PUBLISHED
    return action


def public_page(action) -> str:
    return Client().get(reverse("action_detail", kwargs={"slug": action.slug})).content.decode()


# -- New actions -------------------------------------------------------------------------------------------


def test_saving_a_draft_creates_a_draft_owned_by_the_member_and_mails_nobody(
    member_browser, member, moderator, centre, mailoutbox
):
    response = member_browser.post(CREATE_URL, sheet_post(centre))
    assert response.status_code == 302
    action = Action.objects.get()
    assert action.state == PublicationState.DRAFT
    assert action.submitted_by == member
    assert action.centre == centre
    assert action.published_at is None
    assert mailoutbox == []
    assert list(action.moderation_events.values_list("verb", flat=True)) == [EventVerb.CREATED]


def test_sending_makes_it_pending_and_mails_every_moderator(
    member_browser, moderator, centre, mailoutbox, django_user_model
):
    second = make_user(django_user_model, "seconde", moderator=True)
    make_user(django_user_model, "sans-adresse", moderator=True, email="")
    action = send_new(member_browser, centre)
    assert action.state == PublicationState.PENDING
    assert sorted(message.to[0] for message in mailoutbox) == sorted([moderator.email, second.email])
    message = mailoutbox[0]
    assert message.subject == "Nouvelle fiche à valider : Jardin partagé des familles"
    assert f"https://catalogue.example{review_url(action)}" in message.body
    assert "Centre social de la Reynerie" in message.body


def test_a_draft_can_be_sent_later(member_browser, centre, mailoutbox, moderator):
    member_browser.post(CREATE_URL, sheet_post(centre))
    action = Action.objects.get()
    response = member_browser.post(edit_url(action), sheet_post(centre, intent="send"))
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.state == PublicationState.PENDING
    assert len(mailoutbox) == 1


def test_saving_a_pending_action_as_draft_withdraws_it_from_the_queue(member_browser, centre, moderator):
    action = send_new(member_browser, centre)
    member_browser.post(edit_url(action), sheet_post(centre, summary="Corrigé"))
    action.refresh_from_db()
    assert action.state == PublicationState.DRAFT
    assert action.summary == "Corrigé"


def test_approval_publishes_and_mails_the_member(member_browser, moderator_browser, member, centre, mailoutbox):
    action = send_new(member_browser, centre)
    assert "Jardin partagé des familles" not in Client().get(reverse("action_list")).content.decode()
    mailoutbox.clear()
    response = moderator_browser.post(review_url(action), {"decision": "approve"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.state == PublicationState.PUBLISHED
    assert action.published_at is not None
    assert "Jardin partagé des familles" in Client().get(reverse("action_list")).content.decode()
    assert [message.to for message in mailoutbox] == [[member.email]]
    assert mailoutbox[0].subject == "Votre fiche « Jardin partagé des familles » est publiée"
    assert f"https://catalogue.example{action.get_absolute_url()}" in mailoutbox[0].body


def test_rejection_needs_a_reason(member_browser, moderator_browser, centre, mailoutbox):
    action = send_new(member_browser, centre)
    mailoutbox.clear()
    response = moderator_browser.post(review_url(action), {"decision": "reject", "reason": "  "})
    assert response.status_code == 400
    assert "Expliquez au centre pourquoi" in response.content.decode()
    action.refresh_from_db()
    assert action.state == PublicationState.PENDING
    assert mailoutbox == []


def test_rejection_returns_the_sheet_with_the_reason(member_browser, moderator_browser, member, centre, mailoutbox):
    action = send_new(member_browser, centre)
    mailoutbox.clear()
    moderator_browser.post(review_url(action), {"decision": "reject", "reason": "Le résumé manque de précision."})
    action.refresh_from_db()
    assert action.state == PublicationState.REJECTED
    assert action.rejection_reason == "Le résumé manque de précision."
    assert [message.to for message in mailoutbox] == [[member.email]]
    assert "Le résumé manque de précision." in mailoutbox[0].body
    assert "n'a pas été validée" in mailoutbox[0].subject
    dashboard = member_browser.get(reverse("espace:dashboard")).content.decode()
    assert "Refusée" in dashboard
    assert "Le résumé manque de précision." in dashboard
    assert "Le résumé manque de précision." in member_browser.get(edit_url(action)).content.decode()


def test_a_rejected_sheet_can_be_corrected_and_sent_again(member_browser, moderator_browser, centre):
    action = send_new(member_browser, centre)
    moderator_browser.post(review_url(action), {"decision": "reject", "reason": "Précisez le public."})
    member_browser.post(edit_url(action), sheet_post(centre, intent="send", publics=["familles", "seniors"]))
    action.refresh_from_db()
    assert action.state == PublicationState.PENDING
    assert sorted(action.publics.values_list("public", flat=True)) == ["familles", "seniors"]


def test_a_decision_on_an_action_no_longer_pending_changes_nothing(
    member_browser, moderator_browser, moderator, centre
):
    action = send_new(member_browser, centre)
    moderator_browser.post(review_url(action), {"decision": "approve"})
    response = moderator_browser.post(review_url(action), {"decision": "reject", "reason": "Trop tard"}, follow=True)
    assert "n&#x27;attend pas de décision" in response.content.decode()
    action.refresh_from_db()
    assert action.state == PublicationState.PUBLISHED
    with pytest.raises(moderation.NothingToModerate):
        moderation.reject(action, moderator, "Trop tard")


def test_services_refuse_a_decision_from_a_non_moderator(member_browser, member, centre):
    from django.core.exceptions import PermissionDenied

    action = send_new(member_browser, centre)
    with pytest.raises(PermissionDenied):
        moderation.approve(action, member)
    action.refresh_from_db()
    assert action.state == PublicationState.PENDING


def test_the_review_page_shows_the_proposed_sheet(member_browser, moderator_browser, centre):
    action = send_new(member_browser, centre)
    page = moderator_browser.get(review_url(action)).content.decode()
    assert "Nouvelle fiche" in page
    assert "Ville de Toulouse : 1\u202f500,00 €" in page
    assert "Valider et publier" in page


# -- Changes to published actions --------------------------------------------------------------------------


def test_editing_a_published_action_creates_a_pending_revision_and_keeps_the_published_text(
    published, member_browser, centre, mailoutbox, moderator
):
    mailoutbox.clear()
    response = member_browser.post(
        edit_url(published), sheet_post(centre, intent="send", summary="Un tout nouveau résumé.")
    )
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.state == PublicationState.PUBLISHED
    assert published.summary == "Un jardin cultivé par les familles du quartier."
    page = public_page(published)
    assert "Un jardin cultivé par les familles du quartier." in page
    assert "Un tout nouveau résumé." not in page
    revision = published.revisions.get()
    assert revision.state == RevisionState.PENDING
    assert revision.sheet.summary == "Un tout nouveau résumé."
    assert [message.subject for message in mailoutbox] == ["Modification à valider : Jardin partagé des familles"]


def test_the_review_of_a_revision_shows_old_and_new_side_by_side(published, member_browser, moderator_browser, centre):
    member_browser.post(edit_url(published), sheet_post(centre, intent="send", summary="Un tout nouveau résumé."))
    page = visible_text(moderator_browser.get(review_url(published)).content.decode())
    assert "Version publiée" in page and "Version proposée" in page
    assert "Ce qui change (1 rubrique)" in page
    assert "Un jardin cultivé par les familles du quartier." in page
    assert "Un tout nouveau résumé." in page


def test_approving_a_revision_applies_it_through_the_loader(
    published, member_browser, moderator_browser, member, centre, mailoutbox
):
    member_browser.post(
        edit_url(published),
        sheet_post(centre, intent="send", summary="Un tout nouveau résumé.", funding=[("Région", "3 000")]),
    )
    mailoutbox.clear()
    moderator_browser.post(review_url(published), {"decision": "approve"})
    published.refresh_from_db()
    assert published.state == PublicationState.PUBLISHED
    assert published.summary == "Un tout nouveau résumé."
    assert [(line.label, str(line.amount)) for line in published.funding_lines.all()] == [("Région", "3000.00")]
    assert "Un tout nouveau résumé." in public_page(published)
    assert published.revisions.get().state == RevisionState.APPLIED
    assert [message.to for message in mailoutbox] == [[member.email]]
    assert mailoutbox[0].subject == "Votre modification de « Jardin partagé des familles » est publiée"


def test_rejecting_a_revision_keeps_the_published_text_and_returns_the_change(
    published, member_browser, moderator_browser, centre, mailoutbox
):
    member_browser.post(edit_url(published), sheet_post(centre, intent="send", summary="Résumé douteux."))
    moderator_browser.post(review_url(published), {"decision": "reject", "reason": "Résumé hors sujet."})
    published.refresh_from_db()
    assert published.summary == "Un jardin cultivé par les familles du quartier."
    revision = published.revisions.get()
    assert revision.state == RevisionState.REJECTED
    assert revision.rejection_reason == "Résumé hors sujet."
    assert "Résumé hors sujet." in mailoutbox[-1].body
    form = member_browser.get(edit_url(published)).content.decode()
    assert "Résumé hors sujet." in form
    assert "Résumé douteux." in form  # the rejected change is given back to be corrected
    member_browser.post(edit_url(published), sheet_post(centre, intent="send", summary="Résumé corrigé."))
    revision.refresh_from_db()
    assert revision.state == RevisionState.PENDING
    assert revision.rejection_reason == ""
    assert ActionRevision.objects.count() == 1


def test_a_draft_revision_is_kept_without_mail_and_reopened_in_the_form(published, member_browser, centre, mailoutbox):
    mailoutbox.clear()
    member_browser.post(edit_url(published), sheet_post(centre, summary="Brouillon de modification."))
    revision = published.revisions.get()
    assert revision.state == RevisionState.DRAFT
    assert mailoutbox == []
    assert "Brouillon de modification." in member_browser.get(edit_url(published)).content.decode()
    assert not permissions.is_moderator(revision.author)


def test_only_one_open_revision_per_action(published, member_browser, centre):
    member_browser.post(edit_url(published), sheet_post(centre, summary="Première."))
    member_browser.post(edit_url(published), sheet_post(centre, intent="send", summary="Deuxième."))
    assert published.revisions.count() == 1
    assert published.revisions.get().sheet.summary == "Deuxième."


def test_sending_an_unchanged_published_sheet_still_waits_for_a_decision(published, member_browser, centre):
    member_browser.post(edit_url(published), sheet_post(centre, intent="send"))
    assert published.revisions.get().state == RevisionState.PENDING


def test_the_queue_lists_new_sheets_and_revisions(published, member_browser, moderator_browser, centre):
    member_browser.post(edit_url(published), sheet_post(centre, intent="send", summary="Nouveau."))
    send_new(member_browser, centre, title="Atelier vélo solidaire")
    page = moderator_browser.get(reverse("espace:moderation_queue")).content.decode()
    assert "Nouvelles fiches (1)" in page
    assert "Modifications de fiches publiées (1)" in page
    assert "Atelier vélo solidaire" in page


# -- Keyword suggestions -----------------------------------------------------------------------------------


def test_a_suggested_keyword_waits_for_a_moderator(member_browser, centre):
    member_browser.post(CREATE_URL, sheet_post(centre, new_keyword="Jardinage urbain"))
    action = Action.objects.get()
    suggestion = action.keyword_suggestions.get()
    assert suggestion.label == "Jardinage urbain"
    assert suggestion.state == SuggestionState.PENDING
    assert not Keyword.objects.filter(label="Jardinage urbain").exists()
    assert not action.keywords.exists()


def test_suggesting_an_existing_keyword_ticks_it(member_browser, centre):
    Keyword.objects.create(label="Parentalité", slug="parentalite")
    member_browser.post(CREATE_URL, sheet_post(centre, new_keyword="PARENTALITE"))
    action = Action.objects.get()
    assert list(action.keywords.values_list("label", flat=True)) == ["Parentalité"]
    assert not KeywordSuggestion.objects.exists()


def test_approving_a_keyword_adds_it_to_the_list_and_to_the_sheet(member_browser, moderator_browser, centre):
    member_browser.post(CREATE_URL, sheet_post(centre, new_keyword="Jardinage urbain"))
    suggestion = KeywordSuggestion.objects.get()
    moderator_browser.post(reverse("espace:keyword_decision", args=[suggestion.pk]), {"decision": "approve"})
    suggestion.refresh_from_db()
    assert suggestion.state == SuggestionState.APPROVED
    assert suggestion.keyword.label == "Jardinage urbain"
    action = Action.objects.get()
    assert list(action.keywords.values_list("label", flat=True)) == ["Jardinage urbain"]
    assert action.state == PublicationState.DRAFT


def test_approving_a_keyword_for_a_published_action_goes_into_its_revision(
    published, member_browser, moderator_browser, centre
):
    member_browser.post(edit_url(published), sheet_post(centre, intent="send", new_keyword="Jardinage urbain"))
    suggestion = KeywordSuggestion.objects.get()
    moderator_browser.post(reverse("espace:keyword_decision", args=[suggestion.pk]), {"decision": "approve"})
    assert not published.keywords.exists()
    assert published.revisions.get().sheet.keywords == ["Jardinage urbain"]


def test_rejecting_a_keyword_leaves_the_list_alone(member_browser, moderator_browser, centre):
    member_browser.post(CREATE_URL, sheet_post(centre, new_keyword="N'importe quoi"))
    suggestion = KeywordSuggestion.objects.get()
    moderator_browser.post(reverse("espace:keyword_decision", args=[suggestion.pk]), {"decision": "reject"})
    suggestion.refresh_from_db()
    assert suggestion.state == SuggestionState.REJECTED
    assert not Keyword.objects.exists()


def test_every_transition_is_logged(published, member_browser, moderator_browser, centre, member, moderator):
    member_browser.post(edit_url(published), sheet_post(centre, intent="send", summary="Nouveau."))
    moderator_browser.post(review_url(published), {"decision": "reject", "reason": "Non."})
    events = list(ModerationEvent.objects.order_by("pk").values_list("verb", "actor__username", "revision"))
    revision = published.revisions.get().pk
    assert events == [
        (EventVerb.CREATED, member.username, None),
        (EventVerb.SUBMITTED, member.username, None),
        (EventVerb.APPROVED, moderator.username, None),
        (EventVerb.SUBMITTED, member.username, revision),
        (EventVerb.REJECTED, moderator.username, revision),
    ]


def test_a_revision_is_applied_to_the_centre_as_it_is_now(published, member_browser, moderator_browser, centre):
    member_browser.post(edit_url(published), sheet_post(centre, intent="send", summary="Nouveau."))
    centre.name = "Centre social Reynerie-Mirail"  # renamed by an admin while the change waited
    centre.save()
    moderator_browser.post(review_url(published), {"decision": "approve"})
    published.refresh_from_db()
    assert published.centre == centre
    assert published.summary == "Nouveau."
    assert centre.__class__.objects.count() == 1


def test_a_revision_whose_title_was_taken_meanwhile_is_not_applied(
    published, member_browser, moderator_browser, centre
):
    member_browser.post(edit_url(published), sheet_post(centre, intent="send", title="Atelier vélo"))
    member_browser.post(CREATE_URL, sheet_post(centre, title="Atelier vélo"))  # another member, same title
    response = moderator_browser.post(review_url(published), {"decision": "approve"})
    assert response.status_code == 400
    assert "est déjà celui d&#x27;une autre action de ce centre" in response.content.decode()
    published.refresh_from_db()
    assert published.title == "Jardin partagé des familles"
    assert published.revisions.get().state == RevisionState.PENDING
