"""« Contacter le centre » (``/actions/<slug>/contact/``): the page, its answers, its honeypot, its limits."""

import re
from html import unescape

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from actions_catalog.core.choices import PublicationState
from actions_catalog.core.rate_limits import RateLimitHit
from tests.factories import CentreFactory, UserFactory, make_action
from tests.security.test_headers import inline_code

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.CONTACT_MESSAGES_PER_SENDER = 2
    settings.CONTACT_MESSAGES_PER_CENTRE = 3


@pytest.fixture
def centre(db):
    centre = CentreFactory(name="Centre social des Tilleuls", departement_id="69")
    UserFactory(username="alice", email="alice.tilleuls@example.org", centres=[centre])
    return centre


@pytest.fixture
def action(centre):
    return make_action("Café des parents", centre)


def url(action) -> str:
    return reverse("action_contact", kwargs={"slug": action.slug})


def valid(**changes) -> dict:
    data = {"name": "Ana Martin", "email": "ana@example.org", "message": "Bonjour, pouvons-nous vous appeler ?"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def text(response) -> str:
    return unescape(response.content.decode())


def test_the_page_names_the_centre_and_the_action_but_no_address(client, action):
    response = client.get(url(action))

    assert response.status_code == 200
    html = text(response)
    assert "<h1>Contacter le centre</h1>" in html
    assert "Centre social des Tilleuls" in html and f'href="{action.get_absolute_url()}"' in html
    assert "alice.tilleuls@example.org" not in html and "mailto:" not in html.split('id="pied"')[0]
    for name in ("name", "email", "message"):
        assert re.search(rf'<label for="id_{name}">[^<]+<span class="required">\(obligatoire\)</span></label>', html)
    assert inline_code(response.content.decode()) == []


def test_a_message_is_sent_and_the_visitor_is_told_on_the_sheet(client, action):
    response = client.post(url(action), valid(), follow=True)

    assert response.redirect_chain == [(action.get_absolute_url(), 302)]
    assert (
        "Votre message est envoyé à l'équipe de Centre social des Tilleuls, qui vous répondra à ana@example.org."
        in (text(response))
    )
    [message] = mail.outbox
    assert message.to == ["alice.tilleuls@example.org"] and message.reply_to == ["ana@example.org"]
    assert "Bonjour, pouvons-nous vous appeler ?" in message.body


def test_without_member_the_visitor_is_told_the_federation_passes_it_on(client, settings):
    settings.FEDERATION_CONTACT_EMAIL = "federation@example.org"
    lonely = make_action("Sans compte", CentreFactory(name="Centre sans compte"))

    response = client.post(url(lonely), valid(), follow=True)

    assert "Centre sans compte n'a pas encore de compte sur le catalogue : la fédération le lui transmet." in (
        text(response)
    )
    assert [message.to for message in mail.outbox] == [["federation@example.org"]]


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"email": None}, "Indiquez votre adresse e-mail"),
        ({"email": "pas-une-adresse"}, "Cette adresse e-mail n'est pas valide"),
        ({"email": "ana@example.org\nBcc: tous@example.org"}, "Cette adresse e-mail n'est pas valide"),
        ({"name": "   "}, "Indiquez votre nom."),
        ({"message": "Salut"}, "Votre message est trop court"),
        ({"message": "x" * 5001}, "Votre message est trop long"),
    ],
)
def test_invalid_input_is_refused_with_a_french_message_and_sends_nothing(client, action, changes, error):
    response = client.post(url(action), valid(**changes))

    assert response.status_code == 400
    html = text(response)
    assert "Votre message n'est pas envoyé" in html and error in html
    assert 'aria-invalid="true"' in html
    assert not mail.outbox and not RateLimitHit.objects.exists()


def test_a_name_on_several_lines_is_kept_on_one(client, action):
    client.post(url(action), valid(name="Ana\r\nMartin"))
    assert "De : Ana Martin <ana@example.org>" in mail.outbox[0].body


def test_the_honeypot_rejects_the_message_whatever_the_rest_says(client, action):
    response = client.post(url(action), valid(site_web="http://promo.example"))

    assert response.status_code == 400
    assert "invisible à l'écran, a été rempli" in text(response)
    assert not mail.outbox and not RateLimitHit.objects.exists()
    honeypot = text(client.get(url(action)))
    assert re.search(r'<div class="honeypot" aria-hidden="true">.*?tabindex="-1"', honeypot, re.S)


def test_the_limit_per_sender_holds_and_says_so(client, action, centre):
    other = make_action("Ludothèque", centre)
    assert client.post(url(action), valid()).status_code == 302
    assert client.post(url(other), valid(email="Ana@Example.org")).status_code == 302

    response = client.post(url(action), valid())

    assert response.status_code == 429
    assert "Vous avez déjà envoyé 2 messages aujourd'hui avec l'adresse ana@example.org" in text(response)
    assert len(mail.outbox) == 2


def test_the_limit_per_centre_holds_and_says_so(client, action):
    for number in range(3):
        assert client.post(url(action), valid(email=f"visiteur{number}@example.org")).status_code == 302

    response = client.post(url(action), valid(email="encore@example.org"))

    assert response.status_code == 429
    assert "Ce centre a déjà reçu 3 messages aujourd'hui" in text(response)
    assert len(mail.outbox) == 3


def test_a_mail_server_failure_says_to_try_again(client, action, settings):
    settings.EMAIL_BACKEND = "tests.core.test_contact.FailingBackend"
    response = client.post(url(action), valid())
    assert response.status_code == 503
    assert "réessayez dans un moment" in text(response)


@pytest.mark.parametrize("state", [PublicationState.DRAFT, PublicationState.PENDING, PublicationState.REJECTED])
def test_only_published_sheets_have_a_contact_page(client, centre, state):
    hidden = make_action("Pas publiée", centre, state=state)
    assert client.get(url(hidden)).status_code == 404
    assert client.post(url(hidden), valid()).status_code == 404
    assert client.get(reverse("action_contact", kwargs={"slug": "nexiste-pas"})).status_code == 404
    assert not mail.outbox


def test_the_form_needs_its_csrf_token(action):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url(action), valid()).status_code == 403
    assert not mail.outbox


def test_the_page_runs_a_fixed_number_of_queries(client, action, django_assert_num_queries):
    with django_assert_num_queries(1):  # the action with its centre and département
        assert client.get(url(action)).status_code == 200
