"""Sheets sent at the same moment: a double click saves one action, and the other request is a form error.

The view checks that the title is free, then saves; another request may take the title in between. Found by
the load test (``make loadtest``), where it answered HTTP 500.
"""

import threading

import pytest
from django.db import connection
from django.test import Client

from actions_catalog.core import moderation
from actions_catalog.core.models import Action
from actions_catalog.core.submission_models import EventVerb, ModerationEvent, RevisionState
from actions_catalog.members import views as member_views
from tests.submissions.conftest import CREATE_URL, edit_url, review_url, sheet_post

TITLE_TAKEN = (
    "Ce centre a déjà une action intitulée « Jardin partagé des familles » (peut-être envoyée à l&#x27;instant)"
)


@pytest.fixture
def title_check_passes(monkeypatch):
    """The view's title check runs before another request saves the same title: it finds nothing."""
    monkeypatch.setattr(member_views, "title_taken", lambda *args, **kwargs: None)


@pytest.mark.django_db
def test_a_title_taken_after_the_check_is_a_form_error(member_client, centre, title_check_passes):
    assert member_client.post(CREATE_URL, sheet_post(centre, intent="send")).status_code == 302

    response = member_client.post(CREATE_URL, sheet_post(centre, intent="send", confirm_duplicate="on"))

    assert response.status_code == 400
    assert TITLE_TAKEN in response.content.decode()
    assert Action.objects.filter(title="Jardin partagé des familles").count() == 1
    assert ModerationEvent.objects.filter(verb=EventVerb.CREATED).count() == 1


@pytest.mark.django_db
def test_a_revision_whose_title_is_taken_during_the_approval_is_not_applied(
    member_client, moderator, centre, title_check_passes
):
    member_client.post(CREATE_URL, sheet_post(centre, intent="send", title="Atelier vélo"))
    published = Action.objects.get(title="Atelier vélo")
    moderation.approve(published, moderator)
    member_client.post(edit_url(published), sheet_post(centre, intent="send", title="Jardin partagé"))
    member_client.post(CREATE_URL, sheet_post(centre, title="Jardin partagé"))  # saved since the check
    moderator_client = Client()
    moderator_client.force_login(moderator)

    response = moderator_client.post(review_url(published), {"decision": "approve"})

    assert response.status_code == 400
    assert "est déjà celui d&#x27;une autre action de ce centre" in response.content.decode()
    published.refresh_from_db()
    assert published.title == "Atelier vélo"
    assert published.revisions.get().state == RevisionState.PENDING


@pytest.mark.django_db(transaction=True)
def test_a_double_click_saves_the_sheet_once(reference_data, member, centre, monkeypatch):
    both_checked = threading.Barrier(2, timeout=30)
    check = member_views.title_taken

    def check_together(*args, **kwargs):
        found = check(*args, **kwargs)
        both_checked.wait()  # both requests found the title free: they go on to save at the same moment
        return found

    monkeypatch.setattr(member_views, "title_taken", check_together)
    data = sheet_post(centre, intent="send", confirm_duplicate="on")
    responses = [None, None]

    def click(index):
        try:
            client = Client()
            client.force_login(member)
            responses[index] = client.post(CREATE_URL, data)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(response.status_code for response in responses) == [302, 400]
    refused = next(response for response in responses if response.status_code == 400)
    assert TITLE_TAKEN in refused.content.decode()
    action = Action.objects.get()
    assert (action.title, action.state, action.submitted_by) == ("Jardin partagé des familles", "pending", member)
    assert ModerationEvent.objects.filter(verb=EventVerb.CREATED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_hourly_bound_holds_under_simultaneous_sends(reference_data, member, centre, settings):
    """14 new sheets saved at once by one member with 8 left in the hour (each creation counts one): 8 are saved."""
    settings.SUBMISSIONS_PER_HOUR = 8
    start = threading.Barrier(14, timeout=30)
    statuses = [None] * 14

    def send(index):
        try:
            client = Client()
            client.force_login(member)
            start.wait()
            data = sheet_post(centre, title=f"Action simultanée {index}")
            statuses[index] = client.post(CREATE_URL, data).status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(index,)) for index in range(14)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(statuses) == [302] * 8 + [429] * 6
    assert Action.objects.count() == 8
    assert ModerationEvent.objects.filter(verb=EventVerb.CREATED).count() == 8
