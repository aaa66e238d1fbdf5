"""Production mode: requests load the newest index a worker stored, never build one; a worker builds each new
version's index; the stored format gives the same answers as the SQL reference."""

import pytest
from django.db.models import F
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from actions_catalog.catalogue import index as catalogue_index
from actions_catalog.catalogue import tasks
from actions_catalog.catalogue.models import IndexSnapshot
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from tests import oracles
from tests.catalog.test_catalogue_index import filterset

pytestmark = pytest.mark.usefixtures("seeded")


@pytest.fixture(autouse=True)
def _stored_indexes(settings):
    settings.CATALOGUE_INDEX_INLINE = False
    # Pages follow each new index at once here; the kept pages of a replaced one: test_visitor_pages.py.
    settings.VISITOR_PAGES_GRACE_SECONDS = 0


def total(client, query=""):
    return client.get(reverse("api_action_list") + f"?{query}").json()["count"]


@pytest.fixture
def no_build_here(monkeypatch):
    """Requests must not build an index: building one in this process fails the test."""

    def refuse(version):
        raise AssertionError("an index was built inside a request")

    monkeypatch.setattr(catalogue_index, "build", refuse)


def test_without_a_stored_index_pages_answer_and_build_nothing(client, no_build_here):
    assert client.get("/").status_code == 200
    assert client.get("/actions/").status_code == 200
    assert total(client) == 0
    assert not IndexSnapshot.objects.exists()


def test_the_worker_builds_each_new_version_and_requests_follow(client, make_action, monkeypatch):
    assert catalogue_index.refresh_stored_index() is not None
    assert catalogue_index.refresh_stored_index() is None  # nothing new
    assert total(client) == 22
    make_action("Une action toute neuve", keywords=["Culture"])
    # Requests go on with the stored index (a few seconds old), and build nothing.
    with monkeypatch.context() as patched:
        patched.setattr(catalogue_index, "build", None)  # calling it would fail
        assert total(client) == 22
    assert IndexSnapshot.objects.count() == 1
    IndexSnapshot.objects.update(built_at=F("built_at") - tasks.INDEX_EVERY)  # built a while ago
    tasks.refresh_catalogue()  # the worker's watcher
    assert IndexSnapshot.objects.count() == 2
    assert total(client) == 23
    assert total(client, "keyword=culture") == 5


def test_a_burst_of_writes_gets_one_index_every_few_seconds_of_the_newest_version(client, make_action):
    first = catalogue_index.refresh_stored_index()
    make_action("Publiée juste après l'index")
    tasks.refresh_catalogue()  # within INDEX_EVERY of the last build: nothing yet
    assert IndexSnapshot.objects.count() == 1 and total(client) == 22
    make_action("Publiée encore après")
    IndexSnapshot.objects.filter(pk=first.pk).update(built_at=timezone.now() - tasks.INDEX_EVERY)
    tasks.refresh_catalogue()  # one build, of the newest version: both actions
    assert IndexSnapshot.objects.count() == 2 and total(client) == 24
    assert catalogue_index.newest_snapshot().version == catalogue_index.catalogue_version()
    tasks.refresh_catalogue()  # nothing new
    assert IndexSnapshot.objects.count() == 2


def test_an_index_that_took_longer_than_the_spacing_to_build_is_followed_at_once(client, make_action):
    """The spacing counts from the start of the last build: at 100,000 actions a build takes longer than
    ``INDEX_EVERY``, and the next version's build does not wait on top of it."""
    first = catalogue_index.refresh_stored_index()
    make_action("Publiée pendant une longue construction")
    IndexSnapshot.objects.filter(pk=first.pk).update(build_seconds=tasks.INDEX_EVERY.total_seconds() + 1)
    tasks.refresh_catalogue()
    assert IndexSnapshot.objects.count() == 2 and total(client) == 23


def test_an_action_newer_than_the_index_shows_its_links(client, make_action):
    catalogue_index.refresh_stored_index()
    action = make_action("Publiée juste après", keywords=["Parentalité"], partners=["CAF"])
    page = client.get(action.get_absolute_url())
    assert page.status_code == 200
    assert "Parentalité" in page.content.decode() and "CAF" in page.content.decode()


def test_the_stored_index_answers_as_sql_does(make_action):
    make_action("Brouillon", state=PublicationState.DRAFT, keywords=["Culture"])
    snapshot = catalogue_index.build_and_store()
    index = catalogue_index.current()
    assert index.version == snapshot.pk and index.size == Action.objects.published().count()
    for query in ["", "keyword=culture&public=familles", "region=27&departement=25&partner=ancv", "q=sejour"]:
        fs = filterset(query)
        assert index.compute_facets(fs, index.filter_masks(fs)) == oracles.compute_facets(fs)
    assert index.headline_figures() == oracles.headline_figures()


def test_old_snapshots_are_dropped():
    for _ in range(catalogue_index.SNAPSHOTS_KEPT + 2):
        Action.objects.published().first().save()
        catalogue_index.build_and_store()
    assert IndexSnapshot.objects.count() == catalogue_index.SNAPSHOTS_KEPT


def test_the_index_of_a_filtered_listing_comes_from_the_store(client):
    catalogue_index.build_and_store()
    from actions_catalog.catalogue.listing import build_listing

    listing = build_listing(QueryDict("keyword=culture"))
    assert listing.total == 4


def test_full_downloads_are_built_at_once_then_at_most_every_few_minutes(make_action):
    """The first build starts at once; after it, new versions wait for one build, not before ``DOWNLOADS_EVERY``
    after the last, whatever the number of versions meanwhile."""
    from actions_catalog.jobs.models import Job
    from tests.jobs.helpers import run_queued_jobs

    catalogue_index.refresh_stored_index()
    first = tasks.ensure_full_downloads()
    assert first.run_after is None
    run_queued_jobs()
    first.refresh_from_db()
    assert tasks.ensure_full_downloads() is None  # the newest index has its files

    for title in ("Publiée après les fichiers", "Et une autre"):
        make_action(title)
        IndexSnapshot.objects.update(built_at=F("built_at") - tasks.INDEX_EVERY)  # the last index, a while ago
        tasks.refresh_catalogue()  # the worker's watcher: the new index, then the downloads' job
    waiting = Job.objects.open().get(handler=tasks.FULL)
    assert waiting.run_after == first.finished_at + tasks.DOWNLOADS_EVERY
    assert Job.objects.filter(handler=tasks.FULL).count() == 2  # one waiting build for both versions
    assert tasks.newest_full_downloads() == first  # visitors keep the files they had
