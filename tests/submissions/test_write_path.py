"""Imports and submissions share one write path: the form produces a SheetData that the loader writes."""

import re
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from actions_catalog.core.choices import PublicationState
from actions_catalog.core.mapper import (
    ACTION_COLUMNS,
    SHEET_PREFETCH,
    sheet_from_action,
    sheet_from_json,
    sheet_to_json,
)
from actions_catalog.core.models import Action, ActionYear, Keyword
from actions_catalog.core.writer import SheetLoader
from actions_catalog.members.forms import NOT_IN_FORM, SheetEditor
from centres.models import Centre
from tests.factories import form_data
from tests.submissions.conftest import CREATE_URL, edit_url, make_user, review_url

pytestmark = pytest.mark.django_db

BARCELONA = "Séjour Autofinancé Barcelone"
#: Compared between an imported and a submitted action. Not compared: ids, dates, the owner, provenance (source
#: file, raw text, whether the original sheet mentioned files), and the content fingerprint, which is of the
#: text as written (a keyword spelled "vacances / loisirs" on a sheet is the curated "Vacances - loisirs" in
#: the form: the same keyword row). The search text is compared as words: keywords have no stored order.
COLUMNS = (
    "title",
    "normalized_title",
    "slug",
    "centre_id",
    *(column for column in ACTION_COLUMNS if column not in NOT_IN_FORM),
    "state",
)


def snapshot(action: Action) -> dict:
    action = Action.objects.prefetch_related(*SHEET_PREFETCH).get(pk=action.pk)
    return {
        **{column: getattr(action, column) for column in COLUMNS},
        "keywords": sorted(action.keywords.values_list("pk", flat=True)),
        "partners": sorted(action.partners.values_list("pk", flat=True)),
        "publics": sorted(action.publics.values_list("public", flat=True)),
        "initiatives": sorted(action.initiatives.values_list("initiative", flat=True)),
        "funding": list(action.funding_lines.values_list("position", "label", "amount")),
        "years": list(action.years.values_list("year", flat=True)),
        "search_words": sorted(re.findall(r"'([^']+)':", action.search_vector)),
    }


@pytest.fixture
def barcelona(seeded, seed_sheets):
    """The imported Barcelona sheet, with the years the form asks (as a JSON import could give them)."""
    sheet = next(s for s in seed_sheets if s.title == BARCELONA)
    sheet.years = [2018, 2019]
    assert SheetLoader().load([sheet]).updated == 1
    return sheet, Action.objects.get(title=BARCELONA)


def test_the_form_produces_the_sheet_the_parser_produced(barcelona):
    sheet, action = barcelona
    data = QueryDict(mutable=True)
    for key, value in form_data(sheet, action.centre, intent="send").items():
        if isinstance(value, list):
            data.setlist(key, value)
        else:
            data[key] = value
    editor = SheetEditor(data, centres=Centre.objects.filter(pk=action.centre_id))
    assert editor.is_valid(), editor.error_summary()
    produced = editor.to_sheet()
    assert produced.funding_lines == sheet.funding_lines
    assert produced.partners == sheet.partners
    for name in ("title", "centre_name", "departement_code", "status", "dimension", "territory", "summary"):
        assert getattr(produced, name) == getattr(sheet, name), name
    assert [k.casefold() for k in produced.keywords] == [
        Keyword.objects.get(slug=slug).label.casefold() for slug in data.getlist("keywords")
    ]


def test_a_submitted_sheet_and_an_imported_sheet_produce_the_same_rows(barcelona, django_user_model):
    sheet, imported = barcelona
    expected = snapshot(imported)
    centre = imported.centre
    imported.delete()

    member = make_user(django_user_model, "empalot", centres=[centre])
    moderator = make_user(django_user_model, "moderation", moderator=True)
    member_client, moderator_client = Client(), Client()
    member_client.force_login(member)
    moderator_client.force_login(moderator)
    response = member_client.post(CREATE_URL, form_data(sheet, centre, intent="send"))
    assert response.status_code == 302, response.content.decode()[-3000:]
    submitted = Action.objects.get(title=BARCELONA)
    moderator_client.post(review_url(submitted), {"decision": "approve"})

    assert snapshot(submitted) == expected
    assert submitted.funding_total == Decimal("17601.00")
    assert submitted.submitted_by == member


def test_sending_an_imported_action_unchanged_through_the_form_changes_no_row(barcelona, django_user_model):
    sheet, action = barcelona
    before = snapshot(action)
    member = make_user(django_user_model, "empalot", centres=[action.centre])
    moderator = make_user(django_user_model, "moderation", moderator=True)
    client = Client()
    client.force_login(member)
    form = client.get(edit_url(action)).content.decode()
    assert "Aide aux séjours Caf" in form and "3000,00" in form
    client.post(edit_url(action), form_data(sheet, action.centre, intent="send"))
    client.force_login(moderator)
    client.post(review_url(action), {"decision": "approve"})
    action.refresh_from_db()
    assert snapshot(action) == before
    assert (action.declares_files, action.files_text) == (sheet.declares_files, sheet.files_text)


def test_the_form_goes_through_the_loader_identities(seeded, django_user_model):
    """A partner typed with other accents and case is the existing partner, as in an import."""
    action = Action.objects.get(title=BARCELONA)
    partner = action.partners.get()
    member = make_user(django_user_model, "empalot", centres=[action.centre])
    client = Client()
    client.force_login(member)
    sheet = sheet_from_action(Action.objects.prefetch_related(*SHEET_PREFETCH).get(pk=action.pk))
    sheet.title = "Séjour à Lisbonne"
    sheet.years = [2024]
    sheet.partners = [partner.label.upper() + " "]
    client.post(CREATE_URL, form_data(sheet, action.centre, intent="draft"))
    created = Action.objects.get(title="Séjour à Lisbonne")
    assert list(created.partners.all()) == [partner]
    assert created.state == PublicationState.DRAFT


def test_the_loader_writes_and_replaces_years(db, seed_sheets):
    sheet = seed_sheets[0]
    sheet.years = [2023, 2022, 2023]  # as the form never sends them, but the loader must not care
    action = SheetLoader().save_sheet(sheet, action=None, state=PublicationState.DRAFT)
    assert list(action.years.values_list("year", flat=True)) == [2022, 2023]
    sheet.years = [2024]
    SheetLoader().save_sheet(sheet, action=action, state=PublicationState.DRAFT)
    assert list(ActionYear.objects.values_list("year", flat=True)) == [2024]


def test_years_are_filterable(db, seed_sheets):
    first, second = seed_sheets[0], seed_sheets[1]
    first.years, second.years = [2022, 2023], [2024]
    SheetLoader().load([first, second])
    assert list(Action.objects.filter(years__year=2023).values_list("title", flat=True)) == [first.title]


def test_a_sheet_without_years_nor_roles_keeps_its_fingerprint(seed_sheets):
    # Read since issue 14 with the role of its partners' heading: a new fingerprint (the README's upgrade note).
    assert seed_sheets[0].partner_groups
    assert seed_sheets[0].content_hash() != "2ca6e845f1ca53ac96a1d804826e0b1f053172aa7d23496922486adc646d04ee"
    # Without it, the fingerprint the foundation gave this seed sheet, before SheetData had years or roles.
    seed_sheets[0].partner_groups = []
    assert seed_sheets[0].content_hash() == "2ca6e845f1ca53ac96a1d804826e0b1f053172aa7d23496922486adc646d04ee"
    seed_sheets[0].years = [2023]
    assert seed_sheets[0].content_hash() != "2ca6e845f1ca53ac96a1d804826e0b1f053172aa7d23496922486adc646d04ee"


def test_a_revision_stores_the_sheet_as_json_without_loss(barcelona):
    sheet, action = barcelona
    sheet.years = [2019, 2020]
    restored = sheet_from_json(sheet_to_json(sheet))
    assert restored.content_hash() == sheet.content_hash()
    assert restored.funding_lines == sheet.funding_lines


def test_the_server_sets_the_owner_not_the_form(barcelona, django_user_model, client):
    sheet, action = barcelona
    member = make_user(django_user_model, "empalot", centres=[action.centre])
    intruder = make_user(django_user_model, "intrus")
    client.force_login(member)
    sheet.title = "Séjour à Porto"
    client.post(CREATE_URL, {**form_data(sheet, action.centre, intent="draft"), "owner": str(intruder.pk)})
    assert not Action.objects.filter(title="Séjour à Porto").exists()
    client.post(CREATE_URL, form_data(sheet, action.centre, intent="draft"))
    assert Action.objects.get(title="Séjour à Porto").submitted_by == member
    assert reverse("espace:dashboard")


def test_the_sheet_forms_widgets_have_the_markup_of_djangos_own_templates(member_client, centre, monkeypatch):
    """The form renders its widgets with Jinja2 (``WIDGET_RENDERER``, faster): the page is the one Django's
    template language gives, but for the way an apostrophe is escaped and the white space between tags."""
    from django.forms.renderers import Jinja2, get_default_renderer

    from actions_catalog.members import forms

    assert isinstance(forms.ActionSheetForm.default_renderer, Jinja2)

    def page(data=None):
        response = member_client.post(CREATE_URL, data) if data else member_client.get(CREATE_URL)
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        html = re.sub(r"\s+", " ", html.replace("&#x27;", "'").replace("&#39;", "'"))  # as a browser reads it
        return html.replace("> <", "><")

    invalid = {"centre": str(centre.pk), "title": "", "intent": "send"}  # every error shown, and the funding lines
    with_jinja2 = [page(), page(invalid)]
    for form in (forms.ActionSheetForm, forms.FundingLineForm, forms.BaseFundingLineFormSet):
        monkeypatch.setattr(form, "default_renderer", get_default_renderer())
    assert [page(), page(invalid)] == with_jinja2
    assert 'aria-invalid="true"' in with_jinja2[1] and 'name="financement-TOTAL_FORMS"' in with_jinja2[0]
