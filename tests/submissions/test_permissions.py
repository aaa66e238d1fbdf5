"""Who may reach what: anonymous users log in, members see only their centres, moderation needs the permission."""

import pytest
from django.test import Client
from django.urls import reverse

from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from tests.submissions.conftest import CREATE_URL, edit_url, make_user, review_url, sheet_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(member, centre):
    own = Client()
    own.force_login(member)
    own.post(CREATE_URL, sheet_post(centre))
    return Action.objects.get()


@pytest.mark.parametrize(
    "url",
    [reverse("espace:dashboard"), CREATE_URL, reverse("espace:moderation_queue")],
)
def test_anonymous_users_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_anonymous_users_are_sent_to_the_login_page_from_an_edit_or_a_review(client, draft):
    for url in (edit_url(draft), review_url(draft)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_anonymous_post_saves_nothing(client, centre):
    response = client.post(CREATE_URL, sheet_post(centre))
    assert response.status_code == 302
    assert not Action.objects.exists()


def test_a_member_of_another_centre_gets_404_not_a_form(client, draft, outsider, centre):
    client.force_login(outsider)
    assert client.get(edit_url(draft)).status_code == 404
    response = client.post(edit_url(draft), sheet_post(centre, title="Pris par un autre"))
    assert response.status_code == 404
    draft.refresh_from_db()
    assert draft.title == "Jardin partagé des familles"


def test_a_member_cannot_create_an_action_for_a_centre_they_do_not_belong_to(member_client, other_centre):
    response = member_client.post(CREATE_URL, sheet_post(other_centre))
    assert response.status_code == 400
    assert "Vous n&#x27;êtes pas membre de ce centre" in response.content.decode()
    assert not Action.objects.exists()


def test_the_dashboard_lists_only_the_member_centres_actions(client, member, draft, outsider, other_centre):
    other = Client()
    other.force_login(outsider)
    other.post(reverse("espace:action_create"), sheet_post(other_centre, title="Atelier vélo"))
    assert Action.objects.filter(title="Atelier vélo").exists()
    client.force_login(member)
    page = client.get(reverse("espace:dashboard")).content.decode()
    assert "Jardin partagé des familles" in page
    assert "Atelier vélo" not in page


def test_the_dashboard_runs_a_fixed_number_of_queries(member_client, centre, django_assert_num_queries):
    for title in ["Jardin partagé", "Atelier vélo", "Sortie au musée", "Repair café", "Fête de quartier", "Chorale"]:
        member_client.post(CREATE_URL, sheet_post(centre, title=title))
    # session, user, centres, actions, their open revisions, moderator permissions (2), invitations awaiting approval
    with django_assert_num_queries(8):
        response = member_client.get(reverse("espace:dashboard"))
    assert response.content.decode().count("Brouillon") == 6


def test_a_user_without_a_centre_cannot_propose(client, django_user_model):
    client.force_login(make_user(django_user_model, "sans-centre"))
    assert client.get(CREATE_URL).status_code == 403
    assert "aucun centre" in client.get(reverse("espace:dashboard")).content.decode()


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_moderation_is_forbidden_without_the_permission(client, request, draft, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("espace:moderation_queue")).status_code == 403
    assert client.get(review_url(draft)).status_code == 403
    response = client.post(review_url(draft), {"decision": "approve"})
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.state == PublicationState.DRAFT


def test_keyword_decisions_are_forbidden_without_the_permission(member_client, centre):
    member_client.post(CREATE_URL, sheet_post(centre, new_keyword="Jardinage"))
    suggestion = Action.objects.get().keyword_suggestions.get()
    response = member_client.post(reverse("espace:keyword_decision", args=[suggestion.pk]), {"decision": "approve"})
    assert response.status_code == 403
    suggestion.refresh_from_db()
    assert suggestion.state == "pending"


def test_a_moderator_who_is_not_a_member_cannot_edit_a_centre_action(client, moderator, draft):
    client.force_login(moderator)
    assert client.get(edit_url(draft)).status_code == 404


def test_the_moderation_queue_runs_a_fixed_number_of_queries(
    member_client, moderator, centre, client, django_assert_num_queries
):
    titles = ["Jardin partagé", "Atelier vélo", "Sortie au musée", "Repair café", "Fête de quartier"]
    for title in titles:
        member_client.post(CREATE_URL, sheet_post(centre, title=title, intent="send"))
    client.force_login(moderator)
    # session, user, permissions (2), the régions of the filter, the order of the pending actions and revisions
    # (2), the page's actions (no revision waits: none is read), the six relations of their sheets, their
    # confirmed duplicates and proposed keywords (the checks), the keyword suggestions, the errors reported
    with django_assert_num_queries(18):
        response = client.get(reverse("espace:moderation_queue"))
    page = response.content.decode()
    assert all(f">{title}</a>" in page for title in titles)
