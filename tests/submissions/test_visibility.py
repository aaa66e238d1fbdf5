"""Only published actions are public: lists, detail pages, exports."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from actions_catalog.core.models import Action
from tests.submissions.conftest import CREATE_URL, sheet_post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("intent", ["draft", "send"])
def test_an_unpublished_action_is_on_no_public_page_and_in_no_export(
    seeded, member_client, centre, client, intent, tmp_path
):
    member_client.post(CREATE_URL, sheet_post(centre, title="Action pas encore validée", intent=intent))
    action = Action.objects.get(title="Action pas encore validée")
    member_client.logout()
    assert "Action pas encore validée" not in client.get(reverse("action_list")).content.decode()
    assert client.get(action.get_absolute_url()).status_code == 404
    assert '<span class="figures__number">22</span> actions publiées' in client.get(reverse("home")).content.decode()
    output = tmp_path / "export.json"
    call_command("export_actions", "--format", "json", "--output", str(output))
    titles = [row["title"] for row in json.loads(output.read_text())]
    assert len(titles) == 22
    assert "Action pas encore validée" not in titles
