"""Autosaves of the sheet form: a state of the form kept on the server, never a sheet; offered back, cleared by a
save; bounded in size and number; each member's own."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from actions_catalog.catalogue import french
from actions_catalog.core import autosaves, merging
from actions_catalog.core.autosaves import FormAutosave
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from actions_catalog.core.submission_models import ModerationEvent
from tests.factories import UserFactory, make_action
from tests.submissions.conftest import CREATE_URL, edit_url, sheet_post

pytestmark = pytest.mark.django_db

AUTOSAVE_NEW = reverse("espace:autosave_create")
DISCARD_NEW = reverse("espace:autosave_discard_create")


def autosave_url(action):
    return reverse("espace:autosave_edit", kwargs={"slug": action.slug})


@pytest.fixture
def draft(centre):
    return make_action("Fête de quartier", centre, years=[2023], state=PublicationState.DRAFT)


def test_an_autosave_without_a_title_keeps_the_form_and_creates_no_action(member_client, member, centre):
    response = member_client.post(AUTOSAVE_NEW, sheet_post(centre, title="", summary="Début du résumé…"))
    assert response.status_code == 200, response.content
    saved = FormAutosave.objects.get()
    assert (saved.user, saved.action) == (member, None)
    assert saved.data["title"] == [""] and saved.data["summary"] == ["Début du résumé…"]
    assert saved.data["publics"] == ["familles", "enfance"]
    assert saved.data["financement-0-label"] == ["Ville de Toulouse"]
    expected = french.time_of_day(saved.updated_at)
    assert response.json() == {
        "saved_at": saved.updated_at.isoformat(),
        "message": f"Dernier enregistrement à {expected}",
    }
    assert re.fullmatch(r"Dernier enregistrement à \d{1,2}\xa0h\xa0\d{2}", response.json()["message"])
    assert not Action.objects.exists()
    assert not ModerationEvent.objects.exists()


def test_autosaves_do_not_count_towards_the_hourly_submission_limit(member_client, centre, settings):
    settings.SUBMISSIONS_PER_HOUR = 1
    for summary in ("un", "deux", "trois"):
        assert member_client.post(AUTOSAVE_NEW, sheet_post(centre, summary=summary)).status_code == 200
    assert FormAutosave.objects.count() == 1  # one state per form, replaced each time
    assert FormAutosave.objects.get().data["summary"] == ["trois"]
    response = member_client.post(CREATE_URL, sheet_post(centre))
    assert response.status_code == 302, response.content.decode()[-1500:]
    assert Action.objects.count() == 1


def test_only_the_forms_fields_are_kept(member_client, centre):
    data = sheet_post(centre, state="published", owner="1", intent="send", more_rows="funding", surprise="x")
    member_client.post(AUTOSAVE_NEW, data)
    kept = FormAutosave.objects.get().data
    assert not {"csrfmiddlewaretoken", "intent", "more_rows", "state", "owner", "surprise"} & set(kept)
    assert {"title", "years", "partners", "financement-TOTAL_FORMS"} <= set(kept)


def test_the_form_offers_the_autosave_back_and_restores_it_without_saving(member_client, centre):
    member_client.post(AUTOSAVE_NEW, sheet_post(centre, title="Titre en cours", summary="Texte tapé", status=None))
    page = member_client.get(CREATE_URL).content.decode()
    assert "Une saisie non enregistrée vous attend" in page
    assert "Le formulaire a été enregistré automatiquement aujourd&#x27;hui à " in page
    assert f'href="{CREATE_URL}?brouillon-auto=reprendre"' in page
    assert f'action="{DISCARD_NEW}"' in page
    assert "Titre en cours" not in page

    restored = member_client.get(CREATE_URL + "?brouillon-auto=reprendre").content.decode()
    assert 'value="Titre en cours"' in restored and "Texte tapé</textarea>" in restored
    assert "est repris ci-dessous" in restored
    assert "error-summary" not in restored  # checked when the member saves, not now
    assert not Action.objects.exists()
    assert FormAutosave.objects.count() == 1


def test_discarding_the_autosave_deletes_it(member_client, centre):
    member_client.post(AUTOSAVE_NEW, sheet_post(centre))
    assert member_client.get(DISCARD_NEW).status_code == 405
    response = member_client.post(DISCARD_NEW)
    assert response.status_code == 302 and response["Location"] == CREATE_URL
    assert not FormAutosave.objects.exists()
    assert "Une saisie non enregistrée" not in member_client.get(CREATE_URL).content.decode()


@pytest.mark.parametrize("intent", ["draft", "send"])
def test_saving_or_sending_a_new_sheet_clears_its_autosave_and_only_it(member_client, centre, draft, intent):
    member_client.post(AUTOSAVE_NEW, sheet_post(centre, title=""))
    member_client.post(autosave_url(draft), sheet_post(centre, title=draft.title))
    assert member_client.post(CREATE_URL, sheet_post(centre, intent=intent)).status_code == 302
    assert list(FormAutosave.objects.values_list("action", flat=True)) == [draft.pk]


def test_saving_an_action_clears_its_autosave(member_client, centre, draft):
    member_client.post(autosave_url(draft), sheet_post(centre, title=draft.title, summary="en cours"))
    assert "Une saisie non enregistrée" in member_client.get(edit_url(draft)).content.decode()
    assert member_client.post(edit_url(draft), sheet_post(centre, title=draft.title)).status_code == 302
    assert not FormAutosave.objects.exists()


def test_the_offer_warns_when_the_sheet_was_saved_since(member_client, centre, draft):
    member_client.post(autosave_url(draft), sheet_post(centre, title=draft.title, summary="ancien état"))
    page = member_client.get(edit_url(draft)).content.decode()
    assert "La fiche a été enregistrée depuis" not in page
    colleague = Client()
    colleague.force_login(UserFactory(username="sacha", centres=[centre]))
    assert colleague.post(edit_url(draft), sheet_post(centre, title=draft.title, summary="nouveau")).status_code == 302
    page = member_client.get(edit_url(draft)).content.decode()
    assert "La fiche a été enregistrée depuis, aujourd&#x27;hui à" in page
    assert FormAutosave.objects.filter(user__username="camille").exists()  # the colleague's save cleared only theirs


def test_a_refused_save_keeps_the_autosave(member_client, centre):
    member_client.post(AUTOSAVE_NEW, sheet_post(centre, title=""))
    assert member_client.post(CREATE_URL, sheet_post(centre, title="")).status_code == 400
    assert FormAutosave.objects.count() == 1


def test_each_member_sees_only_their_own_autosave(member_client, centre, draft, django_user_model):
    member_client.post(autosave_url(draft), sheet_post(centre, title=draft.title, summary="Mon texte à moi"))
    colleague = Client()
    colleague.force_login(UserFactory(username="sacha", centres=[centre]))
    page = colleague.get(edit_url(draft)).content.decode()
    assert "Une saisie non enregistrée" not in page
    restored = colleague.get(edit_url(draft) + "?brouillon-auto=reprendre").content.decode()
    assert "Mon texte à moi" not in restored
    assert colleague.post(reverse("espace:autosave_discard_edit", kwargs={"slug": draft.slug})).status_code == 302
    assert FormAutosave.objects.count() == 1  # the colleague discarded nothing of the member's


def test_autosaving_is_for_members_of_the_actions_centre(client, centre, draft, outsider):
    response = client.post(AUTOSAVE_NEW, sheet_post(centre))
    assert response.status_code == 403 and "session a expiré" in response.json()["error"]
    client.force_login(outsider)
    assert client.post(autosave_url(draft), sheet_post(centre, title=draft.title)).status_code == 404
    client.force_login(UserFactory(username="sans-centre"))
    assert client.post(AUTOSAVE_NEW, sheet_post(centre)).status_code == 403
    assert not FormAutosave.objects.exists()


def test_autosaves_need_the_csrf_token_and_a_post(member, centre):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    assert client.post(AUTOSAVE_NEW, sheet_post(centre)).status_code == 403
    assert client.get(AUTOSAVE_NEW).status_code == 405
    assert not FormAutosave.objects.exists()


def test_an_oversize_autosave_is_refused_with_a_clear_message(member_client, centre, settings):
    settings.AUTOSAVE_MAX_BYTES = 5_000
    response = member_client.post(AUTOSAVE_NEW, sheet_post(centre, summary="x" * 6_000))
    assert response.status_code == 413
    assert "dépasse ce qu'un enregistrement automatique peut garder (5 ko)" in response.json()["error"]
    assert not FormAutosave.objects.exists()


def test_the_service_measures_what_it_keeps(member, settings):
    """A body without a Content-Length is read; what would be kept is measured too, in bytes (accents count)."""
    settings.AUTOSAVE_MAX_BYTES = 5_000
    with pytest.raises(autosaves.AutosaveTooLarge):
        autosaves.record(member, None, {"summary": ["é" * 2_500]})
    assert autosaves.record(member, None, {"summary": ["e" * 4_900]}).data == {"summary": ["e" * 4_900]}


def test_autosaves_are_limited_per_hour(member_client, centre, settings):
    settings.AUTOSAVES_PER_HOUR = 2
    assert [member_client.post(AUTOSAVE_NEW, sheet_post(centre)).status_code for _ in range(3)] == [200, 200, 429]
    assert "Trop d'enregistrements automatiques" in member_client.post(AUTOSAVE_NEW, sheet_post(centre)).json()["error"]


def test_a_merge_drops_the_autosaves_of_the_absorbed_action(member, centre, draft):
    twin = make_action("Fête du quartier", centre, years=[2023], state=PublicationState.DRAFT)
    FormAutosave.objects.create(user=member, action=draft, data={"title": ["gardé"]})
    FormAutosave.objects.create(user=member, action=twin, data={"title": ["perdu"]})
    merging.merge(draft, [twin])
    assert list(FormAutosave.objects.values_list("data__title", flat=True)) == [["gardé"]]


def test_times_are_written_the_french_way_in_paris_time():
    paris = ZoneInfo("Europe/Paris")
    now = datetime.datetime(2026, 3, 4, 16, 0, tzinfo=paris)
    assert french.time_of_day(datetime.datetime(2026, 3, 4, 13, 32, tzinfo=datetime.UTC)) == "14\xa0h\xa032"
    assert french.moment(datetime.datetime(2026, 3, 4, 9, 5, tzinfo=paris), now) == "aujourd'hui à 9\xa0h\xa005"
    assert french.moment(datetime.datetime(2026, 3, 3, 23, 59, tzinfo=paris), now) == "hier à 23\xa0h\xa059"
    assert french.moment(datetime.datetime(2026, 1, 3, 8, 0, tzinfo=paris), now) == "le 3 janvier à 8\xa0h\xa000"
    assert french.moment(datetime.datetime(2025, 1, 3, 8, 0, tzinfo=paris), now) == "le 3 janvier 2025 à 8\xa0h\xa000"
