"""The sheet the load test's members send is one the form accepts (a form change must not break the load)."""

import pytest

from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action, Keyword
from centres.models import Centre
from loadtest.submission import TITLE_TAKEN, sheet_post
from tests.submissions.conftest import CREATE_URL, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def member_client(client, django_user_model):
    centre = Centre.objects.create(name="Centre social du Lac", slug="lac-33", departement_id="33")
    client.force_login(make_user(django_user_model, "charge01", centres=[centre]))
    client.centre = centre
    return client


def test_the_load_tests_sheet_is_saved_and_sent_for_validation(member_client):
    keyword = Keyword.objects.create(label="Parentalité", normalized_label="parentalite", slug="parentalite")
    data = sheet_post(centre_id=member_client.centre.pk, title="Charge 1 jardin", token="", keywords=[keyword.slug])

    response = member_client.post(CREATE_URL, data)

    assert response.status_code == 302
    action = Action.objects.get(title="Charge 1 jardin")
    assert action.state == PublicationState.PENDING
    assert list(action.keywords.all()) == [keyword]


def test_the_same_title_again_is_refused_with_the_message_the_load_test_expects(member_client):
    data = sheet_post(centre_id=member_client.centre.pk, title="Charge 2 jardin", token="", keywords=[])
    assert member_client.post(CREATE_URL, data).status_code == 302

    response = member_client.post(CREATE_URL, {**data, "confirm_duplicate": "on"})

    assert response.status_code == 400
    assert TITLE_TAKEN in response.content.decode()
    assert Action.objects.filter(title="Charge 2 jardin").count() == 1
