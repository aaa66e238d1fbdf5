"""Public pages kept for visitors (catalogue/visitor_pages.py): asked again, a page costs the version's query
only; a new catalogue version, a signed-in person, a cookie, a token or an error is never served a kept page."""

import subprocess
import sys

import pytest
from django.contrib.messages import add_message, constants
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory, override_settings

from actions_catalog.catalogue import index as catalogue_index
from actions_catalog.catalogue.visitor_pages import cached_for_visitors
from actions_catalog.core.models import Action
from tests.factories import UserFactory, make_action
from tests.processes import PROJECT, environment_for_the_test_database

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/actions/", "/actions/?q=sejour", "/api/actions/", "/actions/feed/"])
def test_a_page_asked_again_is_the_kept_page_at_the_cost_of_one_query(client, seeded, django_assert_num_queries, url):
    first = client.get(url)
    assert first.status_code == 200
    with django_assert_num_queries(1):  # the catalogue version
        again = client.get(url)
    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert sorted(again.headers) == sorted(first.headers)  # the same headers, Vary included
    assert _varies_on(again) == _varies_on(first)  # the HTML pages vary on the cookie, as rendered for a visitor
    assert ("Cookie" in _varies_on(again)) == again["Content-Type"].startswith("text/html")
    assert "Content-Security-Policy" in again  # the middleware's headers are added to a kept page too


def test_the_api_keeps_its_own_headers(client, seeded):
    client.get("/api/actions/")
    again = client.get("/api/actions/")
    assert again["Access-Control-Allow-Origin"] == "*"
    assert again.json()["count"] == 22


def test_a_new_catalogue_version_is_a_new_page(client, seeded):
    assert "Une action toute nouvelle" not in client.get("/actions/").content.decode()
    make_action("Une action toute nouvelle")
    page = client.get("/actions/").content.decode()
    assert "Une action toute nouvelle" in page
    action = Action.objects.get(title="Une action toute nouvelle")
    Action.objects.filter(pk=action.pk).update(title="Un titre corrigé")
    page = client.get("/actions/").content.decode()
    assert "Un titre corrigé" in page and "Une action toute nouvelle" not in page


def test_a_signed_in_member_is_never_served_a_visitors_page_nor_leaves_one(client, seeded, django_assert_num_queries):
    assert "Mon espace" not in client.get("/actions/").content.decode()  # kept for visitors
    client.force_login(UserFactory(username="membre-connecte"))
    assert "Mon espace" in client.get("/actions/").content.decode()
    client.logout()
    with django_assert_num_queries(1):  # the visitors' page, still kept
        assert "Mon espace" not in client.get("/actions/").content.decode()


@pytest.mark.parametrize("status", [400, 404, 500, 301])
def test_an_answer_other_than_200_is_not_kept(seeded, status):
    view = _Counting(lambda request: HttpResponse("autre", status=status))
    view(_visitor("/"))
    view(_visitor("/"))
    assert view.calls == 2


def test_a_bad_list_is_rendered_each_time(client, seeded):
    for _ in range(2):
        response = client.get("/actions/?status=nope")
        assert response.status_code == 400
        assert response.templates  # rendered, not kept


@pytest.mark.parametrize(
    "personal",
    [
        lambda request: get_token(request),  # a form's CSRF token: someone's own
        lambda request: request.session.__setitem__("vu", True),
        lambda request: add_message(request, constants.INFO, "Bonjour"),
    ],
    ids=["csrf token", "session written", "message added"],
)
def test_a_page_that_is_someone_s_own_is_not_kept(seeded, personal):
    def page(request):
        personal(request)
        return HttpResponse("la page")

    view = _Counting(page)
    for _ in range(2):
        assert view(_visitor("/")).status_code == 200
    assert view.calls == 2


def test_a_page_that_sets_a_cookie_or_is_private_is_not_kept(seeded):
    def with_cookie(request):
        response = HttpResponse("la page")
        response.set_cookie("choix", "1")
        return response

    def private(request):
        response = HttpResponse("la page")
        response["Cache-Control"] = "private, no-store"
        return response

    for page in (with_cookie, private):
        view = _Counting(page)
        view(_visitor("/"))
        view(_visitor("/"))
        assert view.calls == 2


@pytest.mark.parametrize("cookie", ["sessionid", "messages"])
def test_a_request_with_a_session_or_messages_cookie_is_rendered(seeded, cookie):
    view = _Counting(lambda request: JsonResponse({"ok": True}))
    view(_visitor("/"))
    request = _visitor("/")
    request.COOKIES[cookie] = "quelque-chose"
    view(request)
    assert view.calls == 2
    view(_visitor("/"))  # a visitor still gets the kept page
    assert view.calls == 2


def test_the_address_is_the_key(seeded):
    view = _Counting(lambda request: HttpResponse(request.get_full_path()))
    assert view(_visitor("/actions/?page=2")).content == b"/actions/?page=2"
    assert view(_visitor("/actions/?page=3")).content == b"/actions/?page=3"
    assert view(_visitor("/actions/?page=2")).content == b"/actions/?page=2"
    assert view.calls == 2


def test_a_post_is_never_kept(seeded):
    view = _Counting(lambda request: HttpResponse("ok"))
    for _ in range(2):
        view(_with_session(RequestFactory().post("/")))
    assert view.calls == 2


@override_settings(VISITOR_PAGES_SECONDS=0)
def test_zero_seconds_keeps_nothing(seeded):
    view = _Counting(lambda request: HttpResponse("ok"))
    view(_visitor("/"))
    view(_visitor("/"))
    assert view.calls == 2


def test_the_page_is_rendered_with_the_index_of_the_version_of_its_key(seeded, django_assert_num_queries):
    catalogue_index.current()  # built
    seen = []

    def page(request):
        with django_assert_num_queries(0):  # the version is not read again
            seen.append(catalogue_index.current().version)
        return HttpResponse("ok")

    _Counting(page)(_visitor("/"))
    assert seen == [catalogue_index.read_version()]


@pytest.fixture
def stored_indexes(settings):
    """Production: pages read the indexes a worker stored, and a replaced one's pages for a few seconds more."""
    settings.CATALOGUE_INDEX_INLINE = False
    settings.VISITOR_PAGES_GRACE_SECONDS = 3
    catalogue_index.build_and_store()


def _replaced(seconds_ago: float):
    """Store the index of a new version (an action renamed), as if stored ``seconds_ago``: the index it replaces
    was replaced then."""
    from datetime import timedelta

    from django.utils import timezone

    from actions_catalog.catalogue.models import IndexSnapshot

    top_of_the_list = Action.objects.published().order_by("-updated_at", "-pk").first()
    Action.objects.filter(pk=top_of_the_list.pk).update(title="Un titre de la version nouvelle")
    newest = catalogue_index.build_and_store()
    IndexSnapshot.objects.filter(pk=newest.pk).update(built_at=timezone.now() - timedelta(seconds=seconds_ago))
    return newest


def test_a_page_kept_at_the_index_just_replaced_is_served_for_a_few_seconds(
    client, seeded, stored_indexes, django_assert_num_queries
):
    first = client.get("/actions/")
    _replaced(seconds_ago=1)
    with django_assert_num_queries(1):  # the recent versions (the kept pages: this test's memory cache)
        again = client.get("/actions/")
    assert again.content == first.content
    assert "Un titre de la version nouvelle" not in again.content.decode()


def test_past_the_grace_a_page_is_rendered_at_the_newest_index(client, seeded, stored_indexes):
    client.get("/actions/")
    newest = _replaced(seconds_ago=4)
    page = client.get("/actions/")
    assert "Un titre de la version nouvelle" in page.content.decode()
    seen = []
    view = _Counting(lambda request: seen.append(catalogue_index.current().version) or HttpResponse("ok"))
    view(_visitor("/autre/"))
    assert seen == [newest.pk]  # a page never kept is rendered at the newest index, grace or not


def test_a_page_of_the_newest_index_wins_over_the_replaced_one(client, seeded, stored_indexes, settings):
    old = client.get("/actions/").content  # kept at the first index
    _replaced(seconds_ago=1)
    settings.VISITOR_PAGES_GRACE_SECONDS = 0
    new = client.get("/actions/").content  # rendered and kept at the newest
    settings.VISITOR_PAGES_GRACE_SECONDS = 3
    assert client.get("/actions/").content == new != old


def test_no_grace_serves_the_newest_index_s_pages_only(client, seeded, stored_indexes, settings):
    settings.VISITOR_PAGES_GRACE_SECONDS = 0
    client.get("/actions/")
    _replaced(seconds_ago=1)
    assert "Un titre de la version nouvelle" in client.get("/actions/").content.decode()


def test_an_index_replaced_by_two_recent_ones_still_serves_its_pages_until_its_replacement_is_old(
    client, seeded, stored_indexes
):
    from datetime import timedelta

    from actions_catalog.catalogue.models import IndexSnapshot

    first = client.get("/actions/").content
    middle = _replaced(seconds_ago=2)  # replaced the first index 2 s ago
    _replaced(seconds_ago=1)  # replaced the middle one 1 s ago
    assert client.get("/actions/").content == first
    IndexSnapshot.objects.filter(pk=middle.pk).update(built_at=middle.built_at - timedelta(seconds=60))
    assert client.get("/actions/").content != first  # the first index's replacement is now older than the grace


def _varies_on(response) -> set[str]:
    return {name.strip() for name in response.get("Vary", "").split(",") if name.strip()}


class _Counting:
    """``page`` wrapped by ``cached_for_visitors``; ``calls``: how many times it was rendered."""

    def __init__(self, page):
        self.calls = 0

        def counted(request):
            self.calls += 1
            return page(request)

        self.view = cached_for_visitors(counted)

    def __call__(self, request):
        return self.view(request)


def _visitor(url: str):
    return _with_session(RequestFactory().get(url))


def _with_session(request):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    request.session = SessionStore()
    request.user = AnonymousUser()
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("VISITOR_PAGES_SECONDS", "-1", "VISITOR_PAGES_SECONDS must be 0 (pages never kept) or more."),
        ("VISITOR_PAGES_SECONDS", "soixante", "VISITOR_PAGES_SECONDS must be a whole number, not 'soixante'."),
        (
            "VISITOR_PAGES_GRACE_SECONDS",
            "-3",
            "VISITOR_PAGES_GRACE_SECONDS must be 0 (the newest version's pages only) or more.",
        ),
        ("VISITOR_PAGES_GRACE_SECONDS", "3.5", "VISITOR_PAGES_GRACE_SECONDS must be a whole number, not '3.5'."),
    ],
)
def test_a_wrong_number_of_seconds_stops_the_start_with_one_message(tmp_path, variable, value, message):
    env = environment_for_the_test_database(tmp_path) | {variable: value}
    process = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=60
    )
    assert process.returncode != 0
    assert message in process.stderr


DATABASE_CACHE = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "catalogue_cache"}}


@override_settings(CACHES=DATABASE_CACHE)
def test_the_settings_cache_keeps_pages_in_postgresql_for_every_process(client, seeded, django_assert_num_queries):
    from django.core.management import call_command
    from django.db import connection

    call_command("createcachetable")  # as catalogue migration 0002 does with the settings' cache (rolled back)
    first = client.get("/actions/")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalogue_cache WHERE cache_key LIKE %s", ["%visitor-page:%"])
        assert cursor.fetchone()[0] == 1  # in the table every process reads
    catalogue_index.clear()  # another process: no index in memory, the page still kept
    with django_assert_num_queries(2):  # the catalogue version, the cache row
        again = client.get("/actions/")
    assert again.content == first.content


@override_settings(CACHES={"default": {"BACKEND": "tests.catalog.failing_cache.FailingCache"}})
def test_a_cache_that_fails_costs_a_rendering_not_the_page(client, seeded, caplog):
    for _ in range(2):
        response = client.get("/actions/")
        assert response.status_code == 200
        assert response.context["listing"].total == 22  # rendered
    assert "the cache of visitors' pages cannot be read" in caplog.text
    assert "the cache of visitors' pages cannot be written" in caplog.text
