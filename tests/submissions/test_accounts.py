"""Accounts: French login, logout, password pages; invited accounts choose their password from an e-mail link."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_login_page_is_in_french_with_labelled_fields(client):
    page = client.get(reverse("login")).content.decode()
    assert "<h1>Connexion à l'espace des centres</h1>" in page
    assert '<label for="id_username">Nom d’utilisateur' in page
    assert '<label for="id_password">Mot de passe' in page
    assert reverse("password_reset") in page


def test_the_header_links_to_the_member_area_or_to_the_login(client, member):
    assert f'href="{reverse("login")}"' in client.get(reverse("home")).content.decode()
    client.force_login(member)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("espace:dashboard")}"' in page
    assert f'action="{reverse("logout")}"' in page


def test_logout_is_a_post_and_goes_home(member_client):
    response = member_client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert member_client.get(reverse("espace:dashboard")).status_code == 302


def test_password_change_is_in_french(member_client):
    page = member_client.get(reverse("password_change")).content.decode()
    assert "<h1>Changer de mot de passe</h1>" in page
    assert '<label for="id_old_password">Ancien mot de passe' in page
    response = member_client.post(
        reverse("password_change"),
        {"old_password": "faux", "new_password1": "Un-nouveau-mot-2024", "new_password2": "Un-nouveau-mot-2024"},
    )
    assert "Votre ancien mot de passe est incorrect" in response.content.decode()


def test_password_reset_sends_a_french_link(client, member, mailoutbox):
    page = client.get(reverse("password_reset")).content.decode()
    assert "<h1>Mot de passe oublié</h1>" in page
    response = client.post(reverse("password_reset"), {"email": member.email})
    assert response["Location"] == reverse("password_reset_done")
    assert len(mailoutbox) == 1
    assert "/comptes/nouveau-mot-de-passe/" in mailoutbox[0].body
    assert "réinitialisation" in mailoutbox[0].body


def follow_link(client, body: str):
    url = re.search(r"https://catalogue\.example(/comptes/nouveau-mot-de-passe/\S+/)", body)[1]
    response = client.get(url)  # Django swaps the token for a session key and redirects
    assert response.status_code == 302
    return response["Location"]


def test_an_account_created_without_password_is_invited_once_it_has_an_email(
    client, django_user_model, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = django_user_model.objects.create_user("nouvelle")
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        user.email = "nouvelle@example.org"
        user.save()
    assert [message.to for message in mailoutbox] == [["nouvelle@example.org"]]
    message = mailoutbox[0]
    assert message.subject == "Votre compte sur le catalogue des actions des centres sociaux"
    assert "Votre identifiant : nouvelle" in message.body
    with django_capture_on_commit_callbacks(execute=True):
        user.first_name = "Nouvelle"
        user.save()
    assert len(mailoutbox) == 1  # saved again, same address: no second invitation

    form_url = follow_link(client, message.body)
    assert "Choisir un mot de passe" in client.get(form_url).content.decode()
    response = client.post(form_url, {"new_password1": "Jardin-2024-partage", "new_password2": "Jardin-2024-partage"})
    assert response["Location"] == reverse("password_reset_complete")
    login = client.post(reverse("login"), {"username": "nouvelle", "password": "Jardin-2024-partage"})
    assert login.status_code == 302


def test_an_account_with_a_password_is_not_invited(django_user_model, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        django_user_model.objects.create_user("avec", email="avec@example.org", password="Un-mot-de-passe-1")
    assert mailoutbox == []


def test_an_admin_creates_an_account_and_the_user_gets_a_link(
    client, django_user_model, mailoutbox, django_capture_on_commit_callbacks
):
    admin = django_user_model.objects.create_superuser("admin", "admin@example.org", "Admin-mot-de-passe-1")
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:auth_user_add"), {"username": "camille.martin", "usable_password": "false"}
        )
    assert response.status_code == 302, response.content.decode()[-3000:]
    user = django_user_model.objects.get(username="camille.martin")
    assert not user.has_usable_password()
    assert mailoutbox == []
    change = client.get(reverse("admin:auth_user_change", args=[user.pk])).context["adminform"].form
    data = {name: value for name, value in change.initial.items() if value is not None and name != "password"}
    data.update(
        email="camille.martin@example.org",
        date_joined_0=user.date_joined.strftime("%d/%m/%Y"),
        date_joined_1=user.date_joined.strftime("%H:%M:%S"),
        groups=[],
        user_permissions=[],
    )
    data = {key: value for key, value in data.items() if key not in ("last_login", "date_joined")}
    for flag in ("is_active", "is_staff", "is_superuser"):
        if not data.get(flag):
            data.pop(flag, None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:auth_user_change", args=[user.pk]), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert [message.to for message in mailoutbox] == [["camille.martin@example.org"]]


def test_an_invited_account_can_ask_for_a_new_link(client, django_user_model, mailoutbox):
    django_user_model.objects.create_user("invitee", email="invitee@example.org")
    mailoutbox.clear()
    client.post(reverse("password_reset"), {"email": "invitee@example.org"})
    assert len(mailoutbox) == 1
