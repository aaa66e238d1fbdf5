"""Abuse bounds: login attempts (django-axes) and submissions per member per hour."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions_catalog.core.models import Action
from actions_catalog.core.submission_models import ModerationEvent
from tests.submissions.conftest import CREATE_URL, edit_url, sheet_post

pytestmark = pytest.mark.django_db

TITLES = ["Jardin partagé", "Atelier vélo", "Sortie au musée", "Repair café", "Fête de quartier"]


def login(client, password):
    return client.post(reverse("login"), {"username": "camille", "password": password})


def test_a_good_password_logs_in(client, member):
    response = login(client, "mot-de-passe-solide")
    assert response.status_code == 302
    assert response["Location"] == reverse("espace:dashboard")


def test_a_wrong_password_says_so_in_french(client, member):
    response = login(client, "faux")
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.content.decode()


def test_login_is_locked_after_too_many_failures_even_with_the_right_password(client, member, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(2):
        assert login(client, "faux").status_code == 200
    response = login(client, "faux")
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.content.decode()
    response = login(client, "mot-de-passe-solide")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_concerns_one_username_not_everyone(client, member, django_user_model, settings):
    settings.AXES_FAILURE_LIMIT = 2
    django_user_model.objects.create_user("alex", password="autre-mot-de-passe")
    login(client, "faux")
    login(client, "faux")
    response = client.post(reverse("login"), {"username": "alex", "password": "autre-mot-de-passe"})
    assert response.status_code == 302


def test_a_success_resets_the_failure_count(client, member, settings):
    settings.AXES_FAILURE_LIMIT = 3
    login(client, "faux")
    login(client, "faux")
    assert login(client, "mot-de-passe-solide").status_code == 302
    client.logout()
    login(client, "faux")
    login(client, "faux")
    assert login(client, "mot-de-passe-solide").status_code == 302


def test_submissions_per_hour_are_bounded(member_client, centre, settings, mailoutbox, moderator):
    settings.SUBMISSIONS_PER_HOUR = 4
    for title in TITLES[:2]:
        assert member_client.post(CREATE_URL, sheet_post(centre, title=title, intent="send")).status_code == 302
    # two new sheets sent = 4 events (created + sent); the fifth one is refused
    response = member_client.post(CREATE_URL, sheet_post(centre, title=TITLES[2]))
    page = response.content.decode()
    assert response.status_code == 429
    assert "Vous avez déjà créé ou envoyé 4 fiches dans l&#x27;heure" in page
    assert f'value="{TITLES[2]}"' in page
    assert Action.objects.count() == 2
    assert len(mailoutbox) == 2


def test_sending_an_existing_draft_counts_too_but_saving_it_does_not(member_client, centre, settings):
    settings.SUBMISSIONS_PER_HOUR = 2
    member_client.post(CREATE_URL, sheet_post(centre, title=TITLES[0]))
    action = Action.objects.get()
    for summary in ("un", "deux", "trois"):
        assert (
            member_client.post(edit_url(action), sheet_post(centre, title=TITLES[0], summary=summary)).status_code
            == 302
        )
    assert member_client.post(edit_url(action), sheet_post(centre, title=TITLES[0], intent="send")).status_code == 302
    response = member_client.post(edit_url(action), sheet_post(centre, title=TITLES[0], intent="send"))
    assert response.status_code == 429


def test_the_limit_is_per_hour(member_client, centre, settings, member):
    settings.SUBMISSIONS_PER_HOUR = 1
    member_client.post(CREATE_URL, sheet_post(centre, title=TITLES[0]))
    assert member_client.post(CREATE_URL, sheet_post(centre, title=TITLES[1])).status_code == 429
    ModerationEvent.objects.filter(actor=member).update(created_at=timezone.now() - timedelta(minutes=61))
    assert member_client.post(CREATE_URL, sheet_post(centre, title=TITLES[1])).status_code == 302
