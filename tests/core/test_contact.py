"""``core.contact``: a visitor's message relayed to a centre's members, within limits counted in the database."""

import smtplib
import threading

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection

from actions_catalog.core import contact
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.contact import CENTRE_SCOPE, SENDER_SCOPE, ContactLimitReached, ContactMessage, ContactRefused
from actions_catalog.core.rate_limits import RateLimitHit
from tests.factories import CentreFactory, UserFactory, make_action

pytestmark = pytest.mark.django_db

FEDERATION = "federation@centres-sociaux.example"


class FailingBackend(BaseEmailBackend):
    """A mail server that does not answer."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("connexion perdue")


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.FEDERATION_CONTACT_EMAIL = FEDERATION
    settings.SITE_URL = "https://catalogue.example"
    settings.CONTACT_MESSAGES_PER_SENDER = 3
    settings.CONTACT_MESSAGES_PER_CENTRE = 5


@pytest.fixture
def centre(db):
    return CentreFactory(name="Centre social des Tilleuls", departement_id="69")


@pytest.fixture
def action(centre):
    return make_action("Café des parents", centre)


def note(email="ana@example.org", name="Ana Martin", text="Bonjour, comment avez-vous trouvé le local ?"):
    return ContactMessage(name=name, email=email, message=text)


def test_the_message_goes_to_each_active_member_with_reply_to_the_sender(action, centre):
    UserFactory(username="alice", centres=[centre])
    UserFactory(username="bruno", centres=[centre])
    UserFactory(username="parti", centres=[centre], is_active=False)
    UserFactory(username="sans-adresse", centres=[centre], email="")
    UserFactory(username="ailleurs", centres=[CentreFactory()])

    relayed = contact.relay(action, note())

    assert relayed.recipients == ["alice@example.org", "bruno@example.org"] and not relayed.to_federation
    assert [message.to for message in mail.outbox] == [["alice@example.org"], ["bruno@example.org"]]
    first = mail.outbox[0]
    assert first.reply_to == ["ana@example.org"]
    assert first.subject == "Message d'un visiteur à propos de « Café des parents »"
    assert "Ana Martin <ana@example.org>" in first.body
    assert "Bonjour, comment avez-vous trouvé le local ?" in first.body
    assert "https://catalogue.example/actions/cafe-des-parents/" in first.body
    assert "bruno@example.org" not in first.body  # members do not see each other's address either


def test_a_centre_without_member_gets_it_through_the_federation(action):
    relayed = contact.relay(action, note())

    assert relayed.to_federation and relayed.recipients == [FEDERATION]
    [message] = mail.outbox
    assert message.to == [FEDERATION] and message.reply_to == ["ana@example.org"]
    assert "n'a pas encore de compte sur le catalogue : merci de lui faire suivre ce message" in message.body
    assert "Centre social des Tilleuls" in message.body


def test_one_sender_is_limited_per_day_and_a_refusal_sends_and_records_nothing(action):
    for _ in range(3):
        contact.relay(action, note())
    with pytest.raises(ContactLimitReached) as refusal:
        contact.relay(action, note(email="ANA@example.org "))  # the same address, however typed

    assert "3 messages aujourd'hui" in str(refusal.value)
    assert len(mail.outbox) == 3
    assert RateLimitHit.objects.filter(scope=SENDER_SCOPE).count() == 3
    contact.relay(action, note(email="bob@example.org"))  # another sender still may
    assert len(mail.outbox) == 4


def test_one_centre_is_limited_per_day_whoever_writes(action, centre):
    for number in range(5):
        contact.relay(action, note(email=f"visiteur{number}@example.org"))
    with pytest.raises(ContactLimitReached) as refusal:
        contact.relay(make_action("Autre action du centre", centre), note(email="nouveau@example.org"))

    assert "Ce centre a déjà reçu 5 messages aujourd'hui" in str(refusal.value)
    assert len(mail.outbox) == 5
    # The refused sender's use was rolled back with the refusal: they may still write to another centre.
    assert RateLimitHit.objects.filter(scope=SENDER_SCOPE).count() == 5
    contact.relay(make_action("Ailleurs", CentreFactory()), note(email="nouveau@example.org"))
    assert len(mail.outbox) == 6


def test_a_mail_server_failure_is_a_clear_refusal_that_counts_nothing(action, settings):
    settings.EMAIL_BACKEND = "tests.core.test_contact.FailingBackend"
    with pytest.raises(ContactRefused) as refusal:
        contact.relay(action, note())

    assert "n'a pas pu être envoyé" in str(refusal.value)
    assert not RateLimitHit.objects.exists()


def test_an_unpublished_sheet_cannot_be_used(centre):
    draft = make_action("Brouillon", centre, state=PublicationState.DRAFT)
    with pytest.raises(ContactRefused):
        contact.relay(draft, note())
    assert not mail.outbox and not RateLimitHit.objects.exists()


def test_the_limits_are_counted_in_the_database_under_concurrency(transactional_db, reference_data):
    """Ten visitors' messages at once with the same address: exactly the limit goes out (the count is shared by
    every process, through the database)."""
    action = make_action("Café des parents", CentreFactory())
    start = threading.Barrier(10, timeout=30)
    outcomes, lock = [], threading.Lock()

    def send():
        try:
            start.wait()
            try:
                contact.relay(action, note())
                outcome = "sent"
            except ContactLimitReached:
                outcome = "refused"
            with lock:
                outcomes.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused"] * 7 + ["sent"] * 3
    assert len(mail.outbox) == 3
    assert RateLimitHit.objects.filter(scope=SENDER_SCOPE).count() == 3
    assert RateLimitHit.objects.filter(scope=CENTRE_SCOPE).count() == 3
