"""Shared set-up for submissions and moderation: centres, members, a moderator, valid form data."""

import re

import pytest
from django.urls import reverse

from tests.factories import CentreFactory, UserFactory


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://catalogue.example"


@pytest.fixture
def centre(db):
    return CentreFactory(name="Centre social de la Reynerie", departement_id="31")


@pytest.fixture
def other_centre(db):
    return CentreFactory(name="Centre social du Lac", departement_id="33")


def make_user(django_user_model, username, *, centres=(), moderator=False, email=None):
    """A member of ``centres`` (a federation moderator with ``moderator``): ``tests.factories.UserFactory``."""
    extra = {} if email is None else {"email": email}
    return UserFactory(username=username, centres=centres, moderator=moderator, **extra)


@pytest.fixture
def member(django_user_model, centre):
    return make_user(django_user_model, "camille", centres=[centre])


@pytest.fixture
def outsider(django_user_model, other_centre):
    return make_user(django_user_model, "dominique", centres=[other_centre])


@pytest.fixture
def moderator(django_user_model):
    return make_user(django_user_model, "federation", moderator=True)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


def sheet_post(centre, *, intent="draft", funding=(("Ville de Toulouse", "1 500"), ("CAF", "2 000,50")), **fields):
    """Valid POST data of the sheet form (``fields`` override or add keys; a value None removes the key)."""
    data = {
        "centre": str(centre.pk),
        "title": "Jardin partagé des familles",
        "years": "2023, 2024",
        "status": "en-cours",
        "end_reason": "",
        "dimension": "citoyennete",
        "new_keyword": "",
        "summary": "Un jardin cultivé par les familles du quartier.",
        "initiatives": ["un-groupe-dhabitants"],
        "territory": "un-quartier",
        "context": "Des habitants ont proposé de cultiver une friche.",
        "publics": ["familles", "enfance"],
        "partners": ["Mairie de Toulouse", "Bailleur social", ""],
        "description": "Ateliers chaque mercredi.",
        "declared_total": "",
        "funding_text": "",
        "people_text": "12 bénévoles",
        "result_territory": "",
        "result_centre": "",
        "result_residents": "",
        "limits": "",
        "outlook": "",
        "intent": intent,
        "financement-TOTAL_FORMS": str(len(funding) + 1),
        "financement-INITIAL_FORMS": "0",
        "financement-MIN_NUM_FORMS": "0",
        "financement-MAX_NUM_FORMS": "30",
    }
    for index, (label, amount) in enumerate([*funding, ("", "")]):
        data[f"financement-{index}-label"] = label
        data[f"financement-{index}-amount"] = amount
    for key, value in fields.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


CREATE_URL = reverse("espace:action_create")


def edit_url(action):
    return reverse("espace:action_edit", kwargs={"slug": action.slug})


def review_url(action):
    return reverse("espace:moderation_review", kwargs={"slug": action.slug})


def visible_text(html: str) -> str:
    """The text a sighted reader sees: tags dropped, and the marks spoken only to screen readers."""
    html = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", html)
    return re.sub(r"<[^>]+>", "", html)
