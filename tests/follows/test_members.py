"""A member's follows in ``/espace/suivis/``: those of their account's address only; frequency and stop;
nobody else's, and nothing without signing in. The admin lists follows for data requests."""

import pytest
from django.urls import reverse

from actions_catalog.follows.models import Follow, Frequency
from tests.factories import FollowFactory, UserFactory

pytestmark = pytest.mark.usefixtures("seeded")

MINE = "/espace/suivis/"


@pytest.fixture
def member(client):
    user = UserFactory(username="camille", email="Camille@Example.org")
    client.force_login(user)
    return user


def test_the_page_needs_signing_in(client):
    FollowFactory(email="camille@example.org")

    response = client.get(MINE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_member_sees_the_follows_of_their_address_only(client, member, django_assert_num_queries):
    FollowFactory(email="camille@example.org", query="keyword=culture&public=jeunesse", frequency=Frequency.WEEKLY)
    FollowFactory(email="camille@example.org", query="", confirmed_at=None, covered_until=None)
    FollowFactory(email="autre@example.org", query="keyword=parentalite")

    client.get(MINE)  # builds the catalogue index
    # The session, the user, the follows, the index's version (labels), the user's permissions (the navigation).
    with django_assert_num_queries(6):
        response = client.get(MINE)
    html = response.content.decode()

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "Mots clés : Culture · Public : Jeunesse" in html
    assert "Toutes les actions" in html and "En attente de confirmation" in html
    assert "Parentalité" not in html
    assert html.count("Arrêter ce suivi") == 2
    assert html.count("Enregistrer la fréquence") == 1  # a pending follow has its frequency in its link


def test_the_dashboard_links_to_the_follows(client, member):
    assert MINE in client.get(reverse("espace:dashboard")).content.decode()


def test_a_member_changes_the_frequency_of_their_follow(client, member):
    follow = FollowFactory(email="camille@example.org", frequency=Frequency.DAILY)

    response = client.post(f"{MINE}{follow.pk}/frequence/", {f"suivi-{follow.pk}-frequency": "weekly"})

    assert response.status_code == 302
    assert Follow.objects.get(pk=follow.pk).frequency == "weekly"
    assert "Fréquence enregistrée : chaque semaine." in client.get(MINE).content.decode()


def test_a_bad_frequency_changes_nothing(client, member):
    follow = FollowFactory(email="camille@example.org", frequency=Frequency.DAILY)

    client.post(f"{MINE}{follow.pk}/frequence/", {f"suivi-{follow.pk}-frequency": "hourly"})

    assert Follow.objects.get(pk=follow.pk).frequency == "daily"


def test_a_member_stops_their_follow(client, member):
    follow = FollowFactory(email="camille@example.org")

    response = client.post(f"{MINE}{follow.pk}/arreter/")

    assert response.status_code == 302
    assert not Follow.objects.filter(pk=follow.pk).exists()


def test_nobody_changes_or_stops_the_follow_of_another_address(client, member):
    other = FollowFactory(email="autre@example.org", frequency=Frequency.DAILY)

    changed = client.post(f"{MINE}{other.pk}/frequence/", {f"suivi-{other.pk}-frequency": "weekly"})
    stopped = client.post(f"{MINE}{other.pk}/arreter/")

    assert changed.status_code == stopped.status_code == 404
    assert Follow.objects.get(pk=other.pk).frequency == "daily"


def test_a_member_cannot_confirm_by_changing_the_frequency_of_a_pending_follow(client, member):
    pending = FollowFactory(email="camille@example.org", confirmed_at=None, covered_until=None)

    response = client.post(f"{MINE}{pending.pk}/frequence/", {f"suivi-{pending.pk}-frequency": "weekly"})

    assert response.status_code == 404
    assert Follow.objects.get(pk=pending.pk).confirmed_at is None


def test_an_account_without_address_follows_nothing(client):
    client.force_login(UserFactory(username="sans-adresse", email=""))
    FollowFactory(email="")  # cannot happen through the form; still nobody's

    html = client.get(MINE).content.decode()

    assert "n'a pas d'adresse électronique" in html.replace("&#x27;", "'")
    assert "Arrêter ce suivi" not in html


def test_changing_a_follow_needs_a_post(client, member):
    follow = FollowFactory(email="camille@example.org")

    assert client.get(f"{MINE}{follow.pk}/arreter/").status_code == 405
    assert Follow.objects.filter(pk=follow.pk).exists()


def test_the_admin_finds_the_follows_of_an_address_and_adds_none(client):
    FollowFactory(email="ana@example.org")
    FollowFactory(email="bob@example.org")
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))

    found = client.get(reverse("admin:follows_follow_changelist"), {"q": "ana@"})

    assert found.status_code == 200
    assert list(found.context["cl"].result_list.values_list("email", flat=True)) == ["ana@example.org"]
    assert client.get(reverse("admin:follows_follow_add")).status_code == 403
