"""The digests: only the new matching actions of confirmed follows, nothing when nothing is new, each
frequency on its own run, the e-mail's headers, and work bounded by the searches rather than the follows."""

import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actions_catalog.catalogue.index import CatalogueIndex
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from actions_catalog.follows import digests
from actions_catalog.follows.digests import send_digests
from actions_catalog.follows.models import Follow, Frequency
from tests.factories import FollowFactory, make_action
from tests.follows.conftest import stop_path

pytestmark = pytest.mark.usefixtures("seeded", "no_settle", "seed_published_long_ago")


@pytest.fixture
def seed_published_long_ago():
    """The seed's 22 actions were published a month ago, before any follow of these tests."""
    Action.objects.update(published_at=timezone.now() - timedelta(days=30))


def culture(title, **values):
    return make_action(title, keywords=["Culture"], **values)


def digest_of(address):
    [message] = [message for message in mail.outbox if message.to == [address]]
    return message


def test_a_digest_lists_only_the_new_published_actions_its_search_matches():
    follow = FollowFactory(email="ana@example.org", query="keyword=culture")
    new = culture("Atelier de théâtre au pied des tours")
    make_action("Jardin partagé", keywords=["Environnement"])  # another keyword
    culture("Brouillon de spectacle", state=PublicationState.DRAFT)
    culture("Fiche en attente", state=PublicationState.PENDING)

    run = send_digests(Frequency.DAILY)

    message = digest_of("ana@example.org")
    assert message.subject == "1 nouvelle action : Mots clés : Culture"
    assert "Atelier de théâtre au pied des tours" in message.body
    assert f"http://127.0.0.1:8000{new.get_absolute_url()}" in message.body
    for absent in ("Jardin partagé", "Brouillon de spectacle", "Fiche en attente", "Les lumières de la paix"):
        assert absent not in message.body  # the seed's Culture actions were published before the confirmation
    assert (run.sent, run.follows, run.searches) == (1, 1, 1)
    follow.refresh_from_db()
    assert follow.last_sent_at is not None and follow.covered_until > follow.confirmed_at


def test_the_digest_has_a_one_click_unsubscribe():
    FollowFactory(email="ana@example.org")
    culture("Atelier de théâtre")
    send_digests(Frequency.DAILY)

    message = digest_of("ana@example.org")
    assert message.extra_headers["List-Unsubscribe"] == f"<http://127.0.0.1:8000{stop_path(message)}>"
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Ne plus recevoir d'e-mail pour cette recherche" in message.body


def test_unconfirmed_follows_send_nothing():
    follow = FollowFactory(confirmed_at=None, covered_until=None)
    culture("Atelier de théâtre")

    run = send_digests(Frequency.DAILY)

    assert mail.outbox == []
    assert run.follows == 0
    assert Follow.objects.get(pk=follow.pk).covered_until is None


def test_nothing_is_sent_when_nothing_new_matches_and_the_window_moves_on():
    follow = FollowFactory()
    make_action("Jardin partagé", keywords=["Environnement"])

    run = send_digests(Frequency.DAILY)

    assert mail.outbox == []
    assert (run.sent, run.follows) == (0, 1)
    follow.refresh_from_db()
    assert follow.last_sent_at is None
    assert follow.covered_until > follow.confirmed_at


def test_an_action_is_sent_once():
    FollowFactory(email="ana@example.org")
    culture("Atelier de théâtre")
    send_digests(Frequency.DAILY)

    send_digests(Frequency.DAILY)

    assert len(mail.outbox) == 1
    culture("Atelier de danse")
    send_digests(Frequency.DAILY)
    assert len(mail.outbox) == 2
    assert "Atelier de danse" in mail.outbox[1].body and "Atelier de théâtre" not in mail.outbox[1].body


def test_each_frequency_is_sent_by_its_own_run():
    FollowFactory(email="chaque-jour@example.org", frequency=Frequency.DAILY)
    FollowFactory(email="chaque-semaine@example.org", frequency=Frequency.WEEKLY)
    culture("Atelier de théâtre")

    send_digests(Frequency.DAILY)
    assert [message.to for message in mail.outbox] == [["chaque-jour@example.org"]]

    send_digests(Frequency.WEEKLY)
    assert [message.to for message in mail.outbox] == [["chaque-jour@example.org"], ["chaque-semaine@example.org"]]


def test_each_follow_gets_what_is_new_since_its_own_last_digest():
    now = timezone.now()
    older = FollowFactory(email="depuis-longtemps@example.org", confirmed_at=now - timedelta(days=3))
    FollowFactory(email="depuis-hier@example.org", confirmed_at=now - timedelta(days=1))
    for title, age in (("Il y a deux jours", 2), ("Il y a une heure", 0)):
        action = culture(title)
        Action.objects.filter(pk=action.pk).update(published_at=now - timedelta(days=age, hours=1))

    send_digests(Frequency.DAILY)

    assert "Il y a deux jours" in digest_of(older.email).body and "Il y a une heure" in digest_of(older.email).body
    assert digest_of(older.email).subject.startswith("2 nouvelles actions")
    recent = digest_of("depuis-hier@example.org")
    assert "Il y a une heure" in recent.body and "Il y a deux jours" not in recent.body


def test_a_text_search_is_matched_as_the_list_matches_it():
    FollowFactory(email="ana@example.org", query="q=th%C3%A9%C3%A2tre&public=jeunesse")
    make_action("Théâtres de rue pour les jeunes", publics=["jeunesse"])
    make_action("Théâtre des familles", publics=["familles"])  # the text, not the public
    make_action("Sortie au cinéma", publics=["jeunesse"])  # the public, not the text

    send_digests(Frequency.DAILY)

    body = digest_of("ana@example.org").body
    assert "Théâtres de rue pour les jeunes" in body  # the stemmer: "théâtre" finds "Théâtres"
    assert "Théâtre des familles" not in body and "Sortie au cinéma" not in body


def test_following_every_action_gets_every_new_one():
    FollowFactory(email="tout@example.org", query="")
    culture("Atelier de théâtre")
    make_action("Jardin partagé", keywords=["Environnement"])

    send_digests(Frequency.DAILY)

    message = digest_of("tout@example.org")
    assert message.subject == "2 nouvelles actions : Toutes les actions"
    assert "- toutes les actions" in message.body


def test_a_long_digest_lists_the_most_recent_and_counts_the_others():
    now = timezone.now()
    FollowFactory(email="ana@example.org", confirmed_at=now - timedelta(hours=1))
    for n in range(digests.LISTED + 2):
        action = culture(f"Spectacle numéro {n:02d}")
        Action.objects.filter(pk=action.pk).update(published_at=now - timedelta(minutes=30 - n))

    send_digests(Frequency.DAILY)

    body = digest_of("ana@example.org").body
    assert "12 nouvelles actions correspondent" in body
    assert "Spectacle numéro 11" in body and "Spectacle numéro 02" in body
    assert "Spectacle numéro 01" not in body and "Spectacle numéro 00" not in body
    assert body.index("numéro 11") < body.index("numéro 02")  # most recent first
    assert "… et 2 autres actions : http://127.0.0.1:8000/actions/?keyword=culture" in body


def test_the_work_grows_with_the_searches_not_with_the_follows_nor_the_actions():
    """The window (the statistics snapshot, the oldest open transaction, the searches), the index's version and
    the new actions; then per search: the actions listed, a batch of follows locked and updated (4 statements
    with the savepoint) and the next, empty, batch (3)."""

    def run_with(follows: int, actions: int):
        Follow.objects.all().delete()
        for n in range(follows):
            FollowFactory(email=f"lecteur{n}@example.org", query="keyword=culture")
            FollowFactory(email=f"lectrice{n}@example.org", query="keyword=culture&status=en-cours")
        for n in range(actions):
            culture(f"Atelier {follows}-{n}", status="en-cours")
        send_digests(Frequency.DAILY)  # builds the index of this catalogue version
        Follow.objects.update(covered_until=timezone.now() - timedelta(hours=1))
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as captured:
            run = send_digests(Frequency.DAILY)
        assert run.sent == 2 * follows
        return len(captured)

    assert run_with(follows=2, actions=2) == run_with(follows=20, actions=15) == 5 + 2 * 8


def test_an_email_that_fails_is_sent_by_the_next_run():
    FollowFactory(email="refus@example.org")
    received = FollowFactory(email="ana@example.org")
    culture("Atelier de théâtre")
    real_send = mail.get_connection().__class__.send_messages

    def send_messages(self, messages):
        if messages[0].to == ["refus@example.org"]:
            raise OSError("550 mailbox unavailable")
        return real_send(self, messages)

    with mock.patch.object(mail.get_connection().__class__, "send_messages", send_messages):
        run = send_digests(Frequency.DAILY)

    assert (run.sent, run.failed) == (1, 1)
    assert "n'ont pas pu être envoyés" in run.summary
    refused = Follow.objects.get(email="refus@example.org")
    assert refused.covered_until == refused.confirmed_at and refused.last_sent_at is None
    assert Follow.objects.get(pk=received.pk).last_sent_at is not None
    send_digests(Frequency.DAILY)
    assert "Atelier de théâtre" in digest_of("refus@example.org").body


def test_an_action_published_during_the_settling_delay_goes_in_the_next_digest(settings):
    settings.FOLLOWS_DIGEST_SETTLE = digests.SETTLE
    now = timezone.now()
    FollowFactory(email="ana@example.org", confirmed_at=now - timedelta(hours=2))
    action = culture("Publiée à l'instant")

    send_digests(Frequency.DAILY, now=now)
    assert mail.outbox == []

    Action.objects.filter(pk=action.pk).update(published_at=now - timedelta(minutes=1))
    send_digests(Frequency.DAILY, now=now + digests.SETTLE)
    assert "Publiée à l'instant" in digest_of("ana@example.org").body


def test_an_action_the_index_does_not_hold_yet_waits_for_the_next_run(monkeypatch):
    FollowFactory(email="ana@example.org")
    held = culture("Déjà dans l'index")
    late = culture("Pas encore dans l'index")
    Action.objects.filter(pk=late.pk).update(published_at=timezone.now())
    position = CatalogueIndex.position
    monkeypatch.setattr(CatalogueIndex, "position", lambda index, pk: None if pk == late.pk else position(index, pk))

    send_digests(Frequency.DAILY)

    body = digest_of("ana@example.org").body
    assert held.title in body and late.title not in body
    monkeypatch.setattr(CatalogueIndex, "position", position)
    mail.outbox.clear()
    send_digests(Frequency.DAILY)
    assert late.title in digest_of("ana@example.org").body


def test_the_window_ends_before_the_oldest_open_transaction(settings):
    """A transaction that publishes an action is seen only once committed: the window stops before it began."""
    started, release = threading.Event(), threading.Event()

    def open_transaction():
        try:
            with transaction.atomic():
                with connections["default"].cursor() as cursor:
                    cursor.execute("SELECT 1")
                started.set()
                release.wait(10)
        finally:
            connections["default"].close()

    thread = threading.Thread(target=open_transaction)
    thread.start()
    try:
        assert started.wait(10)
        later = timezone.now() + timedelta(hours=1)
        held_back = digests.settled_cutoff(later)
    finally:
        release.set()
        thread.join()

    assert held_back < later - timedelta(minutes=30)  # at the other transaction's start, not an hour later
    assert digests.settled_cutoff(later) == later  # no other transaction now (no settling delay in these tests)
