"""The admin shows the source of a reprise read-only, and neither a save nor a revert from the history changes it."""

import pytest
from django.urls import reverse

from actions_catalog.core.models import Action
from tests.admin.conftest import change_form_data
from tests.factories import CentreFactory, make_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def reprise():
    source = make_action("Café des parents", CentreFactory(name="Centre Source"))
    action = make_action("Café des parents du quartier", CentreFactory(name="Centre Reprise"))
    Action.objects.filter(pk=action.pk).update(inspired_by=source)
    return Action.objects.get(pk=action.pk)


def test_the_change_page_shows_the_source_and_a_save_keeps_it(admin_client, reprise):
    url = reverse("admin:actions_catalog_action_change", args=[reprise.pk])
    html = admin_client.get(url).content.decode()
    assert "Inspirée de" in html and "Café des parents" in html

    data = change_form_data(admin_client, url) | {"inspired_by": "", "summary": "Un résumé changé."}
    assert admin_client.post(url, data).status_code == 302
    reprise.refresh_from_db()
    assert reprise.summary == "Un résumé changé." and reprise.inspired_by.title == "Café des parents"


def test_a_revert_from_the_history_keeps_the_current_source(admin_client, reprise):
    before = reprise.history.order_by("history_date").first()  # written before it had a source
    assert before.inspired_by_id is None
    survivor = make_action("Café des parents (bis)", reprise.inspired_by.centre)
    Action.objects.filter(pk=reprise.pk).update(inspired_by=survivor)

    revert_url = reverse("admin:actions_catalog_action_simple_history", args=[reprise.pk, before.history_id])
    assert admin_client.post(revert_url, change_form_data(admin_client, revert_url)).status_code == 302
    reprise.refresh_from_db()
    assert reprise.inspired_by == survivor
