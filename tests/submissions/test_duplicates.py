"""Before sending, a likely duplicate (same centre, similar title) is shown with a link; the member confirms."""

import pytest

from actions_catalog.core import similarity
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from tests.submissions.conftest import CREATE_URL, edit_url, sheet_post

pytestmark = pytest.mark.django_db


@pytest.fixture
def existing(member_client, centre):
    member_client.post(CREATE_URL, sheet_post(centre, title="Jardin partagé des familles"))
    return Action.objects.get()


def test_a_similar_title_is_shown_with_a_link_and_nothing_is_saved(member_client, centre, existing, mailoutbox):
    response = member_client.post(CREATE_URL, sheet_post(centre, title="Le jardin partagé des familles", intent="send"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Cette action existe peut-être déjà" in page
    assert f'<a href="{edit_url(existing)}">Jardin partagé des familles</a>' in page
    assert 'name="confirm_duplicate"' in page
    assert 'value="Le jardin partagé des familles"' in page
    assert Action.objects.count() == 1
    assert mailoutbox == []


def test_a_published_duplicate_links_to_its_public_page(member_client, centre, existing):
    Action.objects.filter(pk=existing.pk).update(state=PublicationState.PUBLISHED, published_at="2024-01-01T00:00Z")
    page = member_client.post(
        CREATE_URL, sheet_post(centre, title="Jardins partagés des familles", intent="send")
    ).content.decode()
    assert f'<a href="{existing.get_absolute_url()}">Jardin partagé des familles</a>' in page


def test_once_confirmed_the_sheet_is_sent(member_client, centre, existing):
    response = member_client.post(
        CREATE_URL,
        sheet_post(centre, title="Le jardin partagé des familles", intent="send", confirm_duplicate="on"),
    )
    assert response.status_code == 302
    assert Action.objects.get(title="Le jardin partagé des familles").state == PublicationState.PENDING


def test_saving_a_draft_does_not_ask(member_client, centre, existing):
    response = member_client.post(CREATE_URL, sheet_post(centre, title="Le jardin partagé des familles"))
    assert response.status_code == 302
    assert Action.objects.count() == 2


def test_a_different_title_or_another_centre_is_not_a_duplicate(member_client, centre, other_centre, existing):
    assert similarity.similar_actions(centre, "Atelier de réparation de vélos") == []
    assert similarity.similar_actions(other_centre, "Jardin partagé des familles") == []
    assert similarity.similar_actions(centre, "JARDIN PARTAGE DES FAMILLES 2024") == [existing]


def test_sending_an_existing_action_under_its_own_title_does_not_warn(member_client, centre, existing):
    response = member_client.post(edit_url(existing), sheet_post(centre, intent="send"))
    assert response.status_code == 302
    existing.refresh_from_db()
    assert existing.state == PublicationState.PENDING


def test_the_same_title_is_an_error_not_a_warning(member_client, centre, existing):
    response = member_client.post(CREATE_URL, sheet_post(centre, title="Jardin partagé des familles", intent="send"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Ce centre a déjà une action intitulée" in page
    assert "Cette action existe peut-être déjà" not in page
