"""The rules of a follow, held by named constraints, and said in words by ``clean()``."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from actions_catalog.follows.models import Follow, Frequency
from tests.factories import FollowFactory


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "constraint"),
    [
        ({"email": "Ana@example.org"}, "follow_email_lowercase"),
        ({"frequency": "hourly"}, "follow_frequency_valid"),
        ({"confirmed_at": timezone.now(), "covered_until": None}, "follow_confirmed_has_start"),
    ],
)
def test_the_database_refuses_a_follow_that_breaks_a_rule(values, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Follow.objects.create(**{"email": "ana@example.org", "query": "", **values})


@pytest.mark.django_db
def test_one_address_follows_one_search_once():
    FollowFactory(email="ana@example.org", query="keyword=culture")

    with pytest.raises(IntegrityError, match="follow_unique_search_per_address"), transaction.atomic():
        FollowFactory(email="ana@example.org", query="keyword=culture")
    duplicate = Follow(email="ANA@example.org ", query="keyword=culture", frequency=Frequency.DAILY)
    with pytest.raises(ValidationError, match="Cette adresse suit déjà cette recherche."):
        duplicate.clean()
    assert duplicate.email == "ana@example.org"
    FollowFactory(email="ana@example.org", query="keyword=parentalite")  # another search


@pytest.mark.django_db
def test_a_follow_leads_to_the_list_of_its_search():
    assert FollowFactory(query="keyword=culture&public=familles").get_absolute_url() == (
        "/actions/?keyword=culture&public=familles"
    )
    assert FollowFactory(query="").get_absolute_url() == "/actions/"


def test_the_deploy_check_wants_an_https_site_url(settings):
    from actions_catalog.follows.checks import site_url_is_https

    settings.SITE_URL = "http://catalogue.example"
    assert [warning.id for warning in site_url_is_https()] == ["follows.W001"]
    settings.SITE_URL = "https://catalogue.example"
    assert site_url_is_https() == []
