"""« Signaler une erreur »: the public form of a published sheet, its e-mail to moderators, its honeypot, its rate
limit per client address, bad input, and the admin of the reports."""

import pytest
from django.test import Client
from django.urls import reverse

from actions_catalog.core import error_reports
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.error_reports import MAX_REPORT_LENGTH
from actions_catalog.core.rate_limits import RateLimitHit
from actions_catalog.core.submission_models import ErrorReport
from tests.factories import CentreFactory, UserFactory, make_action

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "https://catalogue.example"
    settings.ERROR_REPORTS_PER_HOUR = 3


@pytest.fixture
def action(db):
    centre = CentreFactory(name="Centre social de la Reynerie", departement_id="31")
    return make_action("Jardin partagé des familles", centre, summary="Un jardin cultivé par les familles.")


@pytest.fixture
def moderator(db):
    return UserFactory(username="federation", moderator=True)


def report_url(action):
    return reverse("error_report", kwargs={"slug": action.slug})


def post(action, *, address="203.0.113.7", client=None, **fields):
    data = {"message": "Le centre a déménagé rue des Lilas.", "email": "", "site_web": "", **fields}
    return (client or Client()).post(report_url(action), data, REMOTE_ADDR=address)


def test_the_sheet_links_to_the_form_in_its_aside(action):
    page = Client().get(action.get_absolute_url()).content.decode()

    aside = page.split('class="sheet__aside"', 1)[1].split('class="sheet__body"', 1)[0]
    assert f'<a href="{report_url(action)}">Signaler une erreur</a>' in aside


def test_the_form_asks_what_is_wrong_and_an_optional_address(action):
    response = Client().get(report_url(action))

    assert response.status_code == 200
    page = response.content.decode()
    assert (
        '<label for="id_message">Qu&#x27;est-ce qui est inexact ? <span class="required">(obligatoire)</span>' in page
    )
    assert '<label for="id_email">Votre adresse e-mail (facultatif)</label>' in page
    assert 'name="site_web"' in page and 'tabindex="-1"' in page and '<div class="honeypot" aria-hidden="true">' in page
    assert "csrfmiddlewaretoken" in page
    assert "Jardin partagé des familles" in page


@pytest.mark.parametrize("state", [PublicationState.DRAFT, PublicationState.PENDING, PublicationState.REJECTED])
def test_only_published_sheets_can_be_reported(state):
    unpublished = make_action("Pas encore publiée", state=state)

    assert Client().get(report_url(unpublished)).status_code == 404
    assert post(unpublished).status_code == 404
    assert not ErrorReport.objects.exists()
    with pytest.raises(error_reports.ReportRefused):
        error_reports.report_error(unpublished, message="Faux", client="203.0.113.7")


def test_a_report_is_recorded_and_the_moderators_are_told(action, moderator, mailoutbox):
    client = Client()
    response = post(action, client=client, email="ana@example.org", message="Le centre a déménagé.\nRue des Lilas.")

    assert response.status_code == 302 and response["Location"] == action.get_absolute_url()
    report = ErrorReport.objects.get()
    assert (report.action, report.message, report.email, report.handled) == (
        action,
        "Le centre a déménagé.\nRue des Lilas.",
        "ana@example.org",
        False,
    )
    (message,) = mailoutbox
    assert message.to == [moderator.email]
    assert message.subject == "Erreur signalée sur « Jardin partagé des familles »"
    assert "Le centre a déménagé.\nRue des Lilas." in message.body
    assert "ana@example.org" in message.body
    assert f"https://catalogue.example{action.get_absolute_url()}" in message.body
    assert "https://catalogue.example/espace/moderation/#signalements" in message.body
    sheet = client.get(action.get_absolute_url()).content.decode()
    assert "Merci : votre signalement est transmis à la fédération" in sheet


def test_the_honeypot_refuses_the_report_says_why_and_records_nothing(action, moderator, mailoutbox):
    client = Client()
    response = post(action, client=client, site_web="http://spam.example")

    assert response.status_code == 400
    page = response.content.decode()
    assert "invisible à l&#x27;écran, a été rempli" in page
    assert "Le centre a déménagé rue des Lilas." in page  # a person whose browser filled it loses nothing
    assert not ErrorReport.objects.exists()
    assert mailoutbox == []
    assert not RateLimitHit.objects.exists()


def test_reports_are_limited_per_client_address(action, mailoutbox):
    for _ in range(3):
        assert post(action).status_code == 302

    refused = post(action)

    assert refused.status_code == 429
    assert "Vous avez déjà signalé 3 erreurs dans l&#x27;heure" in refused.content.decode()
    assert "Le centre a déménagé rue des Lilas." in refused.content.decode()  # the text is kept in the form
    assert ErrorReport.objects.count() == 3
    assert post(action, address="198.51.100.9").status_code == 302  # another visitor
    assert ErrorReport.objects.count() == 4


def test_behind_a_proxy_the_limit_counts_each_client_not_the_proxy(action, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(4):
        response = Client().post(
            report_url(action),
            {"message": "Faux", "email": "", "site_web": ""},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
        assert response.status_code == 302
    assert ErrorReport.objects.count() == 4


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"message": "   "}, "Décrivez ce qui est inexact sur la fiche."),
        ({"message": "x" * (MAX_REPORT_LENGTH + 1)}, "Le message est trop long"),
        ({"email": "pas-une-adresse"}, "Cette adresse e-mail n&#x27;est pas valide"),
    ],
)
def test_bad_input_is_refused_with_a_french_message_and_records_nothing(action, fields, error, mailoutbox):
    response = post(action, **fields)

    assert response.status_code == 400
    page = response.content.decode()
    assert error in page
    assert 'aria-invalid="true"' in page
    assert not ErrorReport.objects.exists()
    assert not RateLimitHit.objects.exists()
    assert mailoutbox == []


def test_the_form_needs_its_csrf_token(action):
    client = Client(enforce_csrf_checks=True)

    assert client.post(report_url(action), {"message": "Faux"}).status_code == 403
    assert not ErrorReport.objects.exists()


def test_reading_the_sheet_and_the_form_writes_nothing(action):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        Client().get(action.get_absolute_url())
        Client().get(report_url(action))

    writes = [q["sql"] for q in queries.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []


# -- The admin ----------------------------------------------------------------------------------------------------


def test_the_admin_lists_reports_and_a_moderator_marks_them_handled(action, client, moderator):
    superuser = UserFactory(username="admin", is_staff=True, is_superuser=True)
    first = ErrorReport.objects.create(action=action, message="Le centre a déménagé.")
    ErrorReport.objects.create(action=action, message="Déjà vu.", handled_at=first.created_at, handled_by=superuser)
    client.force_login(superuser)
    url = reverse("admin:actions_catalog_errorreport_changelist")

    page = client.get(url, {"traitee": "non"}).content.decode()
    assert "Le centre a déménagé." in page and "Déjà vu." not in page

    client.post(url, {"action": "mark_handled", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert first.handled_by == superuser
    assert client.get(reverse("admin:actions_catalog_errorreport_add")).status_code == 403


def test_staff_without_the_moderation_permission_cannot_mark_reports_handled(action, client):
    report = ErrorReport.objects.create(action=action, message="Faux")
    staff = UserFactory(
        username="equipe",
        is_staff=True,
        perms=["actions_catalog.view_errorreport", "actions_catalog.change_errorreport"],
    )
    client.force_login(staff)

    response = client.post(
        reverse("admin:actions_catalog_errorreport_changelist"),
        {"action": "mark_handled", "_selected_action": [report.pk]},
    )

    assert response.status_code == 403
    report.refresh_from_db()
    assert not report.handled
