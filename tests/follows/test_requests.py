"""Asking to follow a search: the list's parameters checked and normalized, the confirmation e-mail and its
headers, renewals, the rate limits (counted in the database) and rollbacks."""

from unittest import mock

import pytest
from django.core import mail
from django.http import QueryDict

from actions_catalog.core.rate_limits import RateLimitHit
from actions_catalog.follows import services
from actions_catalog.follows.models import Follow, Frequency
from actions_catalog.follows.searches import from_params
from tests.factories import FollowFactory
from tests.follows.conftest import FOLLOW_URL, confirm_path, stop_path

pytestmark = pytest.mark.usefixtures("seeded")


def ask(client, query="keyword=culture", email="Ana@Example.org", frequency="daily", **extra):
    return client.post(f"{FOLLOW_URL}?{query}", {"email": email, "frequency": frequency}, **extra)


def test_the_form_shows_the_search_in_words_and_how_many_actions_it_holds(client):
    response = client.get(f"{FOLLOW_URL}?keyword=culture&public=jeunesse&q=jeunes")
    html = response.content.decode()

    assert response.status_code == 200
    assert "Recherche :</span> « jeunes »" in html
    assert "Mots clés :</span> Culture" in html
    assert "Public :</span> Jeunesse" in html
    listed = client.get("/actions/?keyword=culture&public=jeunesse&q=jeunes").context["listing"].total
    assert response.context["search"].total == listed >= 1
    assert 'name="email"' in html and 'value="weekly"' in html
    assert response["Cache-Control"].startswith("max-age=0")


def test_following_every_action_is_allowed(client):
    response = client.get(FOLLOW_URL)

    assert response.status_code == 200
    assert "Toutes les actions publiées, sans filtre." in response.content.decode()


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("keyword=nexistepas", "keyword"), ("status=fini", "status"), ("page=abc", "page"), ("q=" + "x" * 201, "q")],
)
def test_parameters_the_list_refuses_are_refused_with_its_400(client, query, parameter):
    response = client.get(f"{FOLLOW_URL}?{query}")
    posted = ask(client, query)

    assert response.status_code == posted.status_code == 400
    assert f"Paramètre « {parameter} »" in response.content.decode()
    assert not Follow.objects.exists()
    assert mail.outbox == []


def test_a_request_records_an_unconfirmed_follow_and_sends_its_confirmation_link(client):
    response = ask(client)

    assert response.status_code == 302
    assert response["Location"] == "/suivre/demande-envoyee/"
    follow = Follow.objects.get()
    assert (follow.email, follow.query, follow.frequency) == ("ana@example.org", "keyword=culture", "daily")
    assert follow.confirmed_at is None and follow.covered_until is None
    [message] = mail.outbox
    assert message.to == ["ana@example.org"]
    assert message.subject == "Confirmez le suivi de votre recherche"
    assert "- Mots clés : Culture" in message.body
    assert confirm_path(message).startswith("/suivre/confirmer/")
    assert "ana@example.org" in client.get(response["Location"]).content.decode()  # the message of the next page


def test_the_confirmation_email_has_a_one_click_unsubscribe(client):
    ask(client)
    [message] = mail.outbox

    assert message.extra_headers["List-Unsubscribe"] == f"<http://127.0.0.1:8000{stop_path(message)}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert stop_path(message) in message.body


def test_sort_pages_and_order_do_not_make_another_search(client):
    ask(client, "page_size=50&sort=title&public=familles&keyword=parentalite&keyword=culture&keyword=culture")
    ask(client, "keyword=culture&public=familles&keyword=parentalite&page=1")

    follow = Follow.objects.get()
    assert follow.query == "keyword=culture&keyword=parentalite&public=familles"
    assert len(mail.outbox) == 2


def test_the_search_text_is_stored_as_the_list_runs_it():
    search = from_params(QueryDict("q=  s%C3%A9jour  --ski -  "))

    assert search.query == "q=s%C3%A9jour+-ski"
    assert search.label == "Recherche : « séjour -ski »"


def test_a_bad_address_is_refused_and_nothing_is_sent(client):
    response = ask(client, email="pas-une-adresse")

    assert response.status_code == 400
    assert "Adresse non valable : elle doit ressembler à nom@exemple.fr." in response.content.decode()
    assert not Follow.objects.exists()
    assert mail.outbox == []


def test_a_frequency_outside_the_choices_is_refused(client):
    response = ask(client, frequency="hourly")

    assert response.status_code == 400
    assert not Follow.objects.exists()


def test_a_new_request_replaces_the_previous_link(client):
    ask(client)
    ask(client, frequency="weekly")
    first, second = mail.outbox

    assert Follow.objects.count() == 1
    assert Follow.objects.get().frequency == "weekly"
    assert client.post(confirm_path(first)).status_code == 400
    assert client.post(confirm_path(second)).status_code == 302


def test_a_request_for_a_confirmed_follow_changes_nothing_until_confirmed(client):
    follow = FollowFactory(email="ana@example.org", query="keyword=culture", frequency=Frequency.DAILY)

    ask(client, frequency="weekly")

    assert Follow.objects.get(pk=follow.pk).frequency == "daily"  # still daily, still sending
    assert client.post(confirm_path(mail.outbox[0])).status_code == 302
    confirmed = Follow.objects.get(pk=follow.pk)
    assert confirmed.frequency == "weekly"
    assert confirmed.confirmed_at == follow.confirmed_at
    assert confirmed.covered_until == follow.covered_until  # its digests go on from where they were


def test_confirmation_emails_to_one_address_are_limited_per_hour(client):
    answers = [
        ask(client, query).status_code for query in ("", "keyword=culture", "public=familles", "status=en-cours")
    ]

    assert answers == [302, 302, 302, 429]
    assert len(mail.outbox) == services.CONFIRMATIONS_PER_ADDRESS == 3
    assert Follow.objects.count() == 3
    assert "déjà été envoyés à cette adresse" in ask(client, "status=terminee").content.decode()
    assert ask(client, "status=terminee", email="bob@example.org").status_code == 302  # another address


def test_requests_from_one_client_are_limited_per_hour(client):
    answers = [ask(client, email=f"personne{n}@example.org").status_code for n in range(11)]

    assert answers == [302] * services.CONFIRMATIONS_PER_CLIENT + [429]
    assert len(mail.outbox) == 10
    other_client = ask(client, email="personne99@example.org", REMOTE_ADDR="192.0.2.7")
    assert other_client.status_code == 302


def test_an_email_that_cannot_be_sent_leaves_nothing_behind():
    search = from_params(QueryDict("keyword=culture"))
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=OSError("no mail server")):
        with pytest.raises(OSError):
            services.request("ana@example.org", search, "daily", client="127.0.0.1")

    assert not Follow.objects.exists()
    assert not RateLimitHit.objects.exists()  # the refused work does not count against the address


def test_a_signed_in_member_finds_their_address_already_filled(client, django_user_model):
    user = django_user_model.objects.create_user("camille", "camille@example.org", "un-mot-de-passe-solide")
    client.force_login(user)

    html = client.get(FOLLOW_URL).content.decode()

    assert 'value="camille@example.org"' in html
    assert "/espace/suivis/" in html
