"""The links of the e-mails: a confirmation works once, expired or altered links are refused, and the
unsubscribe link stops a follow without signing in, on a POST only (a GET shows a button: link scanners)."""

import time
from unittest import mock

import pytest
from django.core import mail
from django.test import Client

from actions_catalog.follows import tokens
from actions_catalog.follows.models import Follow
from tests.factories import FollowFactory
from tests.follows.conftest import FOLLOW_URL, confirm_path, stop_path

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture
def requested(client):
    """A request of ana@example.org for the keyword Culture, daily: its confirmation e-mail."""
    client.post(f"{FOLLOW_URL}?keyword=culture", {"email": "ana@example.org", "frequency": "daily"})
    [message] = mail.outbox
    return message


def test_opening_the_confirmation_link_shows_a_button_and_confirms_nothing(client, requested):
    response = client.get(confirm_path(requested))
    html = response.content.decode()

    assert response.status_code == 200
    assert "Confirmer le suivi</button>" in html
    assert "ana@example.org" in html and "chaque jour" in html
    assert Follow.objects.get().confirmed_at is None
    assert response["Cache-Control"].startswith("max-age=0")


def test_confirming_starts_the_digests_now_and_returns_to_the_search(client, requested):
    response = client.post(confirm_path(requested))

    follow = Follow.objects.get()
    assert follow.confirmed_at is not None
    assert follow.covered_until == follow.confirmed_at
    assert follow.frequency == "daily"
    assert response.status_code == 302
    assert response["Location"] == "/actions/?keyword=culture"
    assert "est confirmé" in client.get(response["Location"]).content.decode()


def test_a_confirmation_link_works_once(client, requested):
    assert client.post(confirm_path(requested)).status_code == 302
    confirmed_at = Follow.objects.get().confirmed_at

    again = client.post(confirm_path(requested))
    opened = client.get(confirm_path(requested))

    assert again.status_code == opened.status_code == 400
    assert "déjà servi" in again.content.decode()
    assert Follow.objects.get().confirmed_at == confirmed_at


def test_an_expired_confirmation_link_is_refused(client, requested):
    follow = Follow.objects.get()
    week_ago = time.time() - tokens.CONFIRMATION_VALIDITY.total_seconds() - 60
    with mock.patch("django.core.signing.time.time", return_value=week_ago):
        old = tokens.confirmation_token(follow, "daily")

    response = client.post(f"/suivre/confirmer/{old}/")

    assert response.status_code == 400
    assert "a expiré" in response.content.decode()
    assert Follow.objects.get().confirmed_at is None


@pytest.mark.parametrize("alter", [lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"), lambda t: "x" + t])
def test_an_altered_confirmation_link_is_refused(client, requested, alter):
    token = confirm_path(requested).split("/")[3]

    response = client.post(f"/suivre/confirmer/{alter(token)}/")

    assert response.status_code == 400
    assert "n&#x27;est pas valable" in response.content.decode()
    assert Follow.objects.get().confirmed_at is None


def test_a_link_signed_for_unsubscribing_does_not_confirm(client, requested):
    follow = Follow.objects.get()

    response = client.post(f"/suivre/confirmer/{tokens.stop_token(follow)}/")

    assert response.status_code == 400
    assert Follow.objects.get().confirmed_at is None


def test_the_confirmation_link_of_a_stopped_follow_is_refused(client, requested):
    client.post(stop_path(requested))

    response = client.post(confirm_path(requested))

    assert response.status_code == 400
    assert "n'existe plus" in response.content.decode().replace("&#x27;", "'")
    assert not Follow.objects.exists()


# -- Unsubscribing --------------------------------------------------------------------------------------


def test_opening_the_unsubscribe_link_shows_a_button_and_stops_nothing(client):
    follow = FollowFactory(email="ana@example.org")

    response = client.get(f"/suivre/arreter/{tokens.stop_token(follow)}/")

    assert response.status_code == 200
    assert "Arrêter le suivi</button>" in response.content.decode()
    assert Follow.objects.filter(pk=follow.pk).exists()


def test_one_click_unsubscribe_works_without_signing_in_nor_csrf_token():
    follow, other = FollowFactory(email="ana@example.org"), FollowFactory(email="bob@example.org")
    mail_client = Client(enforce_csrf_checks=True)  # what a mail client sends: no cookie, no token

    response = mail_client.post(
        f"/suivre/arreter/{tokens.stop_token(follow)}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert "Le suivi est arrêté" in response.content.decode()
    assert not Follow.objects.filter(pk=follow.pk).exists()
    assert Follow.objects.filter(pk=other.pk).exists()


def test_unsubscribing_twice_says_it_is_already_stopped(client):
    follow = FollowFactory()
    path = f"/suivre/arreter/{tokens.stop_token(follow)}/"
    client.post(path)

    again, opened = client.post(path), client.get(path)

    assert again.status_code == opened.status_code == 200
    assert "Ce suivi est déjà arrêté" in again.content.decode()
    assert "Ce suivi est déjà arrêté" in opened.content.decode()


def test_an_unconfirmed_request_can_be_stopped_from_its_confirmation_email(client, requested):
    assert client.post(stop_path(requested)).status_code == 200

    assert not Follow.objects.exists()


def test_an_altered_unsubscribe_link_stops_nothing(client):
    follow = FollowFactory()
    token = tokens.stop_token(follow)

    responses = [client.post(f"/suivre/arreter/{bad}/") for bad in (token[:-3] + "abc", "123", "x" + token)]

    assert [response.status_code for response in responses] == [400, 400, 400]
    assert Follow.objects.filter(pk=follow.pk).exists()


def test_unsubscribe_links_never_expire(client):
    follow = FollowFactory()
    long_ago = time.time() - 5 * 365 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=long_ago):
        token = tokens.stop_token(follow)

    assert client.post(f"/suivre/arreter/{token}/").status_code == 200
    assert not Follow.objects.exists()


def test_other_methods_are_refused(client):
    follow = FollowFactory()

    assert client.put(f"/suivre/arreter/{tokens.stop_token(follow)}/").status_code == 405
    assert client.delete(f"/suivre/confirmer/{tokens.confirmation_token(follow, 'daily')}/").status_code == 405
    assert Follow.objects.filter(pk=follow.pk).exists()
