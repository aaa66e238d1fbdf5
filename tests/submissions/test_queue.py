"""The moderation queue: each item's age and checks, the filters by région and by check, pagination that keeps them,
a fixed number of queries, the errors reported; and every moderation URL refused to everyone but moderators."""

import re
from datetime import timedelta

import pytest
from django.db.models.signals import post_init
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from actions_catalog.core import error_reports, review
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.mapper import sheet_to_json
from actions_catalog.core.models import Action
from actions_catalog.core.submission_models import (
    ActionRevision,
    DuplicateConfirmation,
    ErrorReport,
    EventVerb,
    KeywordSuggestion,
    ModerationEvent,
    RevisionState,
)
from tests.factories import CentreFactory, make_action, make_sheet
from tests.submissions.conftest import CREATE_URL, make_user, review_url, sheet_post

pytestmark = pytest.mark.django_db

QUEUE_URL = reverse("espace:moderation_queue")


@pytest.fixture
def moderator_browser(moderator):
    client = Client()
    client.force_login(moderator)
    return client


@pytest.fixture
def lyon(db):
    return CentreFactory(name="Centre social des Pentes", departement_id="69")  # Auvergne-Rhône-Alpes


def pending(title, centre, **values):
    action = make_action(title, centre, state=PublicationState.PENDING, **values)
    ModerationEvent.objects.create(action=action, verb=EventVerb.SUBMITTED)
    return action


def revision_of(action, **changes):
    sheet = make_sheet(
        title=action.title, centre_name=action.centre.name, departement_code=action.centre.departement_id
    )
    for name, value in changes.items():
        setattr(sheet, name, value)
    return ActionRevision.objects.create(
        action=action, data=sheet_to_json(sheet), state=RevisionState.PENDING, submitted_at=timezone.now()
    )


def titles(page: str) -> list[str]:
    """The titles of the queue's table, in order."""
    table = re.search(r'<table class="queue[ "].*?</table>', page, re.S)
    return re.findall(r'<th scope="row" class="queue__title">\s*<a href="[^"]+">([^<]+)</a>', table[0] if table else "")


def test_each_item_shows_its_kind_age_and_checks(moderator_browser, centre):
    action = pending("Atelier vélo", centre)
    ModerationEvent.objects.filter(action=action).update(created_at=timezone.now() - timedelta(days=3, hours=2))
    published = make_action("Jardin partagé", centre)
    revision_of(published)

    page = moderator_browser.get(QUEUE_URL).content.decode()

    assert titles(page) == ["Atelier vélo", "Jardin partagé"]  # the longest waiting first
    assert "il y a 3\xa0jours" in page
    assert "Nouvelles fiches (1) · Modifications de fiches publiées (1)" in page
    assert 'class="queue__kind queue__kind--revision">Modification<' in page
    assert '<li class="check-badge check-badge--rubriques-vides">Rubriques clés vides</li>' in page
    assert "Occitanie" in page


def test_the_queue_filters_by_region(moderator_browser, centre, lyon):
    pending("À Toulouse", centre)
    pending("À Lyon", lyon)

    page = moderator_browser.get(QUEUE_URL, {"region": "84"}).content.decode()

    assert titles(page) == ["À Lyon"]
    assert '<option value="84" selected>Auvergne-Rhône-Alpes</option>' in page


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ("total-incoherent", ["Total faux"]),
        ("doublon-confirme", ["Doublon"]),
        ("mots-cles-proposes", ["Mot clé"]),
        ("texte-reecrit", ["Réécrite"]),
    ],
)
def test_the_queue_filters_by_check(moderator_browser, centre, check, expected):
    full = {
        "summary": "Un résumé.",
        "description": "Une description.",
        "publics": ["familles"],
        "dimension": "citoyennete",
    }
    sheet = make_sheet()
    pending("Total faux", centre, declared_total=sheet.declared_total + 1, funding_lines=sheet.funding_lines, **full)
    DuplicateConfirmation.objects.create(action=pending("Doublon", centre, **full), similar_title="Autre action")
    KeywordSuggestion.objects.create(action=pending("Mot clé", centre, **full), label="Jardinage")
    published = make_action("Réécrite", centre, summary="Une semaine à la mer pour douze familles.")
    revision_of(published, summary="Un atelier de cuisine chaque mardi soir.")

    page = moderator_browser.get(QUEUE_URL, {"controle": check}).content.decode()

    assert titles(page) == expected


def test_pagination_keeps_the_filters(moderator_browser, centre, lyon):
    for n in range(27):
        pending(f"Fiche {n:02}", centre)
    pending("À Lyon", lyon)

    first = moderator_browser.get(QUEUE_URL, {"region": "76", "controle": "rubriques-vides"}).content.decode()
    second = moderator_browser.get(
        QUEUE_URL, {"region": "76", "controle": "rubriques-vides", "page": 2}
    ).content.decode()

    assert len(titles(first)) == 25
    assert 'href="?region=76&amp;controle=rubriques-vides&amp;page=2" rel="next"' in first
    assert titles(second) == ["Fiche 25", "Fiche 26"]
    assert "Page 2 sur 2" in second
    assert 'href="?region=76&amp;controle=rubriques-vides&amp;page=1" rel="prev"' in second
    assert '<input type="hidden" name="region" value="76">' in second  # kept by « Publier la sélection »


def test_an_unknown_filter_is_a_400_that_says_which(moderator_browser, centre):
    pending("Atelier vélo", centre)

    response = moderator_browser.get(QUEUE_URL, {"region": "99", "controle": "nimporte"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "Région inconnue" in page and "Contrôle inconnu « nimporte »" in page
    assert titles(page) == ["Atelier vélo"]  # unfiltered


def test_the_queue_runs_the_same_number_of_queries_whatever_its_length(
    moderator_browser, centre, lyon, django_assert_num_queries
):
    def fill(n):
        for i in range(n):
            action = pending(f"Fiche {n}-{i}", centre if i % 2 else lyon)
            KeywordSuggestion.objects.create(action=action, label=f"Mot {n}-{i}")
            DuplicateConfirmation.objects.create(action=action, similar_title="Autre")
            revision_of(make_action(f"Publiée {n}-{i}", centre))
            ErrorReport.objects.create(action=make_action(f"Signalée {n}-{i}", lyon), message="Faux")

    fill(2)
    # session, user, permissions (2), régions, the order of pending actions and revisions (2), the page's actions
    # and revisions (2), six sheet relations, confirmations, proposed keywords (checks), keyword suggestions,
    # errors reported
    with django_assert_num_queries(19):
        moderator_browser.get(QUEUE_URL)
    fill(20)
    with django_assert_num_queries(19):
        page = moderator_browser.get(QUEUE_URL).content.decode()
    assert len(titles(page)) == 25
    # and the région of the filter, checked; no revision waits in that région: none is read
    with django_assert_num_queries(19):
        moderator_browser.get(QUEUE_URL, {"region": "84", "controle": "doublon-confirme", "page": "2"})


def test_the_queue_reads_the_sheets_of_the_page_it_shows_only(moderator_browser, centre):
    for number in range(40):
        pending(f"Fiche {number:02d}", centre)
    built = []

    def count(sender, instance, **kwargs):
        built.append(instance)

    post_init.connect(count, sender=Action)
    try:
        first = titles(moderator_browser.get(QUEUE_URL).content.decode())
        built_for_first = len(built)
        second = titles(moderator_browser.get(QUEUE_URL, {"page": "2"}).content.decode())
    finally:
        post_init.disconnect(count, sender=Action)
    assert first == [f"Fiche {number:02d}" for number in range(25)]  # longest waiting first
    assert second == [f"Fiche {number:02d}" for number in range(25, 40)]
    assert built_for_first == 25 and len(built) == 40  # 40 sheets waiting: 25 read for page 1, then 15


def test_when_each_sheet_was_sent_is_looked_up_in_its_index_not_by_scanning_the_events(centre):
    """``moderation_event_sent_idx`` (migration 0016) serves the queue's « envoyée le » look-up: with sequential
    scans priced out, the plan reads the index (a query whose conditions or order no longer match it would scan)."""
    from django.db import connection

    for number in range(3):
        pending(f"Fiche {number}", centre)
    sent_at = review.with_sent_at(Action.objects.pending().order_by()).values("last_sent_at")
    sql, params = sent_at.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "moderation_event_sent_idx" in plan
    assert "Sort" not in plan  # the latest event is the index's first entry


def test_a_sheet_decided_between_the_order_and_the_page_is_left_out(centre):
    kept, decided = pending("Atelier vélo", centre), pending("Jardin partagé", centre)
    entries = review.waiting()
    Action.objects.filter(pk=decided.pk).update(state=PublicationState.REJECTED)  # by another moderator

    assert [action.pk for action, _ in review.submissions_of(entries)] == [kept.pk]


# -- The errors reported -------------------------------------------------------------------------------------------


def test_errors_reported_are_listed_with_a_link_to_the_sheet_and_can_be_marked_handled(
    moderator_browser, moderator, centre
):
    action = make_action("Jardin partagé", centre)
    report = ErrorReport.objects.create(action=action, message="Le centre a déménagé.", email="ana@example.org")

    page = moderator_browser.get(QUEUE_URL).content.decode()
    section = page.split('id="signalements"', 1)[1]
    assert "Erreurs signalées (1)" in page
    assert f'<a href="{action.get_absolute_url()}">Jardin partagé</a>' in section
    assert "Le centre a déménagé." in section and "mailto:ana@example.org" in section

    url = reverse("espace:error_report_handled", args=[report.pk])
    response = moderator_browser.post(url, {"region": "76"})

    assert response["Location"] == f"{QUEUE_URL}?region=76#signalements"
    report.refresh_from_db()
    assert report.handled and report.handled_by == moderator
    assert "Aucune erreur signalée" in moderator_browser.get(QUEUE_URL).content.decode()


def test_marking_a_report_handled_twice_keeps_the_first_handler(moderator, django_user_model, centre):
    other = make_user(django_user_model, "autre", moderator=True)
    report = ErrorReport.objects.create(action=make_action("Jardin", centre), message="Faux")
    error_reports.mark_handled(report, moderator)
    first = ErrorReport.objects.get().handled_at

    error_reports.mark_handled(report, other)

    report.refresh_from_db()
    assert (report.handled_by, report.handled_at) == (moderator, first)


# -- Who may -------------------------------------------------------------------------------------------------------


@pytest.fixture
def moderation_urls(member_client, centre):
    member_client.post(CREATE_URL, sheet_post(centre, intent="send", new_keyword="Jardinage urbain"))
    action = make_action("Publiée", centre)
    suggestion = KeywordSuggestion.objects.get()
    report = ErrorReport.objects.create(action=action, message="Faux")
    sent = suggestion.action
    return {
        "get": [QUEUE_URL, review_url(sent)],
        "post": [
            (review_url(sent), {"decision": "approve"}),
            (reverse("espace:moderation_bulk_approve"), {"selection": [sent.pk]}),
            (reverse("espace:moderation_comment", kwargs={"slug": sent.slug}), {"text": "Bonjour"}),
            (reverse("espace:keyword_decision", args=[suggestion.pk]), {"decision": "approve"}),
            (reverse("espace:error_report_handled", args=[report.pk]), {}),
        ],
    }


def test_members_get_403_on_every_moderation_url_and_change_nothing(member_client, moderation_urls):
    for url in moderation_urls["get"]:
        assert member_client.get(url).status_code == 403, url
    for url, data in moderation_urls["post"]:
        assert member_client.post(url, data).status_code == 403, url
    assert not ModerationEvent.objects.filter(verb=EventVerb.APPROVED).exists()
    assert KeywordSuggestion.objects.get().state == "pending"
    assert not ErrorReport.objects.get().handled
    assert not ModerationEvent.objects.filter(verb=EventVerb.APPROVED).exists()


def test_anonymous_visitors_are_sent_to_log_in_from_every_moderation_url(moderation_urls):
    anonymous = Client()
    for url in moderation_urls["get"]:
        response = anonymous.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    for url, data in moderation_urls["post"]:
        response = anonymous.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url
    assert not ErrorReport.objects.get().handled


def test_moderation_pages_are_never_cached(moderator_browser, centre):
    action = pending("Atelier vélo", centre)

    for url in (QUEUE_URL, review_url(action)):
        assert moderator_browser.get(url)["Cache-Control"] == "private, no-store"
