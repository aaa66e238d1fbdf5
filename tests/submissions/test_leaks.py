"""What a visitor, a member or a moderator must not learn: drafts' partners and keywords, drafts' files;
private pages kept out of caches; the API's errors readable cross-origin; counters kept in the database."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from actions_catalog.core.choices import PublicationState, Status
from actions_catalog.core.sheet import SheetData
from actions_catalog.core.submission_models import Attachment
from actions_catalog.core.writer import SheetLoader
from tests.submissions.conftest import CREATE_URL, edit_url, sheet_post
from tests.submissions.test_attachments import download, image_bytes, upload

pytestmark = pytest.mark.django_db


def write(title, centre, *, state, partners=(), keywords=()):
    sheet = SheetData(
        title=title,
        centre_name=centre.name,
        departement_code=centre.departement_id,
        status=Status.IN_PROGRESS,
        partners=list(partners),
        keywords=list(keywords),
    )
    return SheetLoader().save_sheet(sheet, action=None, state=state)


@pytest.fixture
def drafts(centre, other_centre):
    write("Publiée", other_centre, state=PublicationState.PUBLISHED, partners=["Partenaire public"])
    write(
        "Brouillon d'un autre",
        other_centre,
        state=PublicationState.DRAFT,
        partners=["Partenaire secret"],
        keywords=["Mot secret"],
    )
    write("Mon brouillon", centre, state=PublicationState.DRAFT, partners=["Mon partenaire"])


def test_partner_suggestions_know_published_and_own_partners_only(member_client, drafts):
    page = member_client.get(CREATE_URL).content.decode()
    assert "Partenaire public" in page and "Mon partenaire" in page
    assert "Partenaire secret" not in page


def test_partner_suggestions_are_read_only_when_the_form_is_shown(member_client, centre, drafts):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def suggestion_queries(response_of):
        with CaptureQueriesContext(connection) as queries:
            response = response_of()
        return response, [
            q
            for q in queries.captured_queries
            if q["sql"].startswith('SELECT "actions_catalog_partner"."label" AS "label" FROM "actions_catalog_partner"')
        ]

    shown, read = suggestion_queries(lambda: member_client.get(CREATE_URL))
    assert shown.status_code == 200 and len(read) == 1
    saved, read = suggestion_queries(lambda: member_client.post(CREATE_URL, sheet_post(centre)))
    assert saved.status_code == 302 and read == []  # saved and redirected: no list of partners to suggest


@pytest.mark.parametrize("query", ["partner=partenaire-secret", "keyword=mot-secret"])
def test_the_api_and_the_list_do_not_know_drafts_labels(client, drafts, query):
    api = client.get(reverse("api_action_list") + "?" + query)
    assert api.status_code == 400  # as unknown as a slug that does not exist
    assert api.json()["error"].startswith("Valeur inconnue")
    assert client.get(reverse("action_list") + "?" + query).status_code == 400
    assert client.get(reverse("api_action_list") + "?partner=partenaire-public").status_code == 200


@pytest.fixture
def moderator_browser(moderator):
    client = Client()
    client.force_login(moderator)
    return client


@pytest.mark.parametrize("url", ["/espace/", "/espace/actions/nouvelle/"])
def test_member_pages_are_private(member_client, url):
    response = member_client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_moderation_pages_are_private(moderator_browser):
    response = moderator_browser.get("/espace/moderation/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_the_login_page_is_private_too(client):
    assert client.get(reverse("login"))["Cache-Control"] == "private, no-store"


def test_public_pages_stay_cacheable(client):
    assert "no-store" not in client.get("/").get("Cache-Control", "")


@pytest.mark.parametrize(
    ("url", "status"),
    [("/api/actions/?status=fini", 400), ("/api/actions/?page=99", 404), ("/api/inconnue/", 404)],
)
def test_api_errors_are_json_with_the_cors_header(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Content-Type"].startswith("application/json")
    assert "error" in response.json()


def test_an_api_server_error_is_json_with_the_cors_header(monkeypatch):
    from actions_catalog.catalogue import api

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "build_listing", boom)
    client = Client(raise_request_exception=False)
    response = client.get("/api/actions/")
    assert response.status_code == 500
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json()["error"].startswith("Erreur du serveur")


def test_an_overlong_query_string_is_a_400_before_gunicorn_s_414(client):
    from actions_catalog.config.security import MAX_QUERY_STRING

    long = "keyword=" + "a" * MAX_QUERY_STRING
    api = client.get("/api/actions/?" + long)
    assert api.status_code == 400 and api["Access-Control-Allow-Origin"] == "*" and "trop longue" in api.json()["error"]
    page = client.get("/actions/?" + long)
    assert page.status_code == 400 and "trop longue" in page.content.decode()
    assert MAX_QUERY_STRING + len("GET /api/actions/? HTTP/1.1") < 4094  # gunicorn's limit_request_line


def test_moderators_see_files_only_of_sheets_sent_for_validation(member_client, moderator_browser, centre):
    member_client.post(
        CREATE_URL, {**sheet_post(centre, intent="draft"), "attachments": [upload("photo.png", image_bytes("PNG"))]}
    )
    attachment = Attachment.objects.get()
    assert download(member_client, attachment).status_code == 200
    assert download(moderator_browser, attachment).status_code == 404  # a draft: the centre's own business
    action = attachment.action
    member_client.post(edit_url(action), {**sheet_post(centre, intent="send", title=action.title)})
    attachment.action.refresh_from_db()
    assert attachment.action.state == PublicationState.PENDING
    assert download(moderator_browser, attachment).status_code == 200


def test_counters_are_kept_in_the_database():
    """Login failures (django-axes) and the hourly submissions are counted in the database, shared by every
    process, never in a per-process memory cache."""
    from axes.conf import settings as axes_settings

    assert axes_settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    from actions_catalog.core import submissions

    source = __import__("inspect").getsource(submissions.check_rate_limit)
    assert "ModerationEvent.objects" in source and "cache" not in source
    assert settings.SUBMISSIONS_PER_HOUR > 0
