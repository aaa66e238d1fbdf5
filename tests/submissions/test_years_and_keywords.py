"""« Année(s) »: asked of new sheets and of sheets that have years, optional for a sheet that had none (the
imported ones); the keywords offered in French order, each with its normalized label for the picker."""

import re

import pytest

from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from tests.factories import KeywordFactory, make_action
from tests.submissions.conftest import CREATE_URL, edit_url, sheet_post

pytestmark = pytest.mark.django_db

YEARS_REQUIRED = "Indiquez l&#x27;année ou les années de l&#x27;action."


def years_label(page: str) -> str:
    return re.search(r'<label for="id_years">(.*?)</label>', page, re.S)[1]


@pytest.fixture
def imported(centre):
    """A published sheet without years, as every imported sheet is (the scraped form had no year field)."""
    return make_action("Atelier cuisine du monde", centre, years=[])


@pytest.fixture
def dated(centre):
    return make_action("Fête de quartier", centre, years=[2022, 2023], state=PublicationState.DRAFT)


def test_a_new_sheet_must_give_its_years(member_client, centre):
    page = member_client.get(CREATE_URL).content.decode()
    assert "(obligatoire)" in years_label(page)
    response = member_client.post(CREATE_URL, sheet_post(centre, years=""))
    assert response.status_code == 400
    assert YEARS_REQUIRED in response.content.decode()
    assert not Action.objects.exists()


def test_an_imported_sheet_without_years_can_be_edited_without_inventing_one(member_client, centre, imported):
    page = member_client.get(edit_url(imported)).content.decode()
    assert "(obligatoire)" not in years_label(page)
    assert "Facultatif pour cette fiche, qui n&#x27;en indiquait pas." in page
    response = member_client.post(edit_url(imported), sheet_post(centre, title=imported.title, years=""))
    assert response.status_code == 302, response.content.decode()[-2000:]
    revision = imported.revisions.get()
    assert revision.sheet.years == []


def test_years_given_to_a_sheet_that_had_none_are_still_read_by_the_rules(member_client, centre, imported):
    response = member_client.post(edit_url(imported), sheet_post(centre, title=imported.title, years="l'an dernier"))
    assert response.status_code == 400
    assert "n&#x27;est pas une année" in response.content.decode()
    response = member_client.post(edit_url(imported), sheet_post(centre, title=imported.title, years="2021-2022"))
    assert response.status_code == 302
    assert imported.revisions.get().sheet.years == [2021, 2022]


def test_a_sheet_that_has_years_keeps_them_required_and_checked(member_client, centre, dated):
    assert "(obligatoire)" in years_label(member_client.get(edit_url(dated)).content.decode())
    emptied = member_client.post(edit_url(dated), sheet_post(centre, title=dated.title, years=""))
    assert emptied.status_code == 400
    assert YEARS_REQUIRED in emptied.content.decode()
    bad = member_client.post(edit_url(dated), sheet_post(centre, title=dated.title, years="1789"))
    assert "1789 : l&#x27;année doit être comprise entre 1950" in bad.content.decode()
    assert list(dated.years.values_list("year", flat=True)) == [2022, 2023]


def test_keywords_are_offered_in_french_order_accents_and_case_ignored(member_client):
    for label in ("vacances / loisirs", "Écologie", "Mixité sociale", "éducation", "mobilité / transport", "Culture"):
        KeywordFactory(label=label)
    page = member_client.get(CREATE_URL).content.decode()
    offered = re.findall(r'name="keywords" value="[^"]*"[^>]*>\s*([^<]+?)</label>', page)
    assert offered == [
        "Culture",
        "Écologie",
        "éducation",
        "Mixité sociale",
        "mobilité / transport",
        "vacances / loisirs",
    ]
    assert 'data-key="ecologie"' in page and 'data-key="mobilite transport"' in page
