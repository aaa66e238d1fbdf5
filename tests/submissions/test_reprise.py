"""« Reprendre cette action »: a member starts a draft of their centre from a published action of any centre.

The form is pre-filled from the source (never its files nor its years); the new action records its source, set by
the server from the validated ``depuis`` parameter only; a member reprend only into their own centres.
"""

from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.core.exceptions import PermissionDenied
from django.http import QueryDict

from actions_catalog.core.choices import PublicationState
from actions_catalog.core.mapper import sheet_from_action
from actions_catalog.core.models import Action
from actions_catalog.core.sheet import CONTENT_FIELDS, FundingLineData
from actions_catalog.core.submission_models import Attachment
from actions_catalog.core.submissions import NOT_REPRISED, Submission, reprise_sheet, save_submission
from actions_catalog.members.forms import SheetEditor
from centres.models import Centre
from tests.factories import CentreFactory, form_data, make_action, make_sheet
from tests.submissions.conftest import CREATE_URL, make_user

pytestmark = pytest.mark.django_db

SOURCE_TITLE = "Séjour familles à la mer"


def reprise_url(source_or_slug) -> str:
    slug = getattr(source_or_slug, "slug", source_or_slug)
    return f"{CREATE_URL}?{urlencode({'depuis': slug})}"


@pytest.fixture
def source_centre(db):
    return CentreFactory(name="Centre social des Tilleuls", departement_id="69")


def sheet_values(**overrides) -> dict:
    sheet = make_sheet(years=[2021, 2022], declares_files=True, files_text="programme.pdf", **overrides)
    return {name: getattr(sheet, name) for name in CONTENT_FIELDS if name not in ("title", "centre_name")}


@pytest.fixture
def source(source_centre):
    """A published action of another centre, with every field filled, files and years included."""
    action = make_action(SOURCE_TITLE, source_centre, **sheet_values())
    Attachment.objects.create(
        action=action,
        file="pieces/programme.pdf",
        original_name="programme.pdf",
        content_type="application/pdf",
        size=10,
    )
    return Action.objects.with_sheet_relations().get(pk=action.pk)


def reprise_post(source, centre, *, intent="draft", **fields) -> dict:
    """What a member sends after the pre-filled form: the reprise's sheet, with years and a new title."""
    sheet = reprise_sheet(source)
    sheet.title = fields.pop("title", "Séjour des familles à la montagne")
    sheet.years = [2025]
    data = form_data(sheet, centre, intent=intent)
    data.update(fields)
    return data


# -- The pre-filled form ---------------------------------------------------------------------------------


def test_the_form_starts_from_the_published_action_without_its_files_nor_its_years(member_client, source, centre):
    response = member_client.get(reprise_url(source))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Reprendre « Séjour familles à la mer »" in html
    assert f'href="{source.get_absolute_url()}"' in html  # the notice names the source
    form = response.context["form"]
    assert form.initial["centre"] == centre  # the member's only centre
    assert form.initial["title"] == SOURCE_TITLE
    assert form.initial["summary"] == source.summary
    assert form.initial["status"] == source.status and form.initial["dimension"] == source.dimension
    assert sorted(k.label for k in form.initial["keywords"]) == sorted(source.keywords.values_list("label", flat=True))
    assert form.initial["partners"] == ["ANCV", "CAF du Rhône"]
    assert form.initial["declared_total"] == Decimal("9000.00")
    assert [form.initial for form in response.context["formset"].initial_forms] == [
        {"label": "CAF", "amount": Decimal("6000.00"), "refund": False},
        {"label": "Autofinancement", "amount": Decimal("3000.00"), "refund": False},
    ]
    assert form.initial["years"] == []  # the new action runs in its own years
    assert "programme.pdf" not in html  # neither the source's files nor what its sheet said of them
    assert not response.context["attachments"]


def test_the_reprise_copies_every_field_of_the_sheet_but_its_files_and_years(source):
    copied = reprise_sheet(source)
    original = sheet_from_action(source)

    differing = {name for name in CONTENT_FIELDS if getattr(copied, name) != getattr(original, name)}
    assert differing == NOT_REPRISED
    assert (copied.years, copied.declares_files, copied.files_text) == ([], False, "")


def test_the_form_carries_the_reprise_back_into_a_sheet_of_the_members_centre(source, centre):
    data = QueryDict(mutable=True)
    for key, value in reprise_post(source, centre).items():
        data.setlist(key, value) if isinstance(value, list) else data.__setitem__(key, value)
    editor = SheetEditor(data, centres=Centre.objects.filter(pk=centre.pk), sheet=reprise_sheet(source))

    assert editor.is_valid(), editor.error_summary()
    sheet = editor.to_sheet()
    assert (sheet.centre_name, sheet.departement_code) == (centre.name, centre.departement_id)
    assert sheet.funding_lines == [
        FundingLineData("CAF", Decimal("6000.00")),
        FundingLineData("Autofinancement", Decimal("3000.00")),
    ]
    assert (sheet.declares_files, sheet.files_text) == (False, "")


def test_a_member_of_several_centres_chooses_one(client, django_user_model, source, centre, other_centre):
    client.force_login(make_user(django_user_model, "sacha", centres=[centre, other_centre]))
    form = client.get(reprise_url(source)).context["form"]
    assert form.initial["centre"] is None
    assert set(form.fields["centre"].queryset) == {centre, other_centre}


# -- Saving ----------------------------------------------------------------------------------------------


def test_saving_makes_a_draft_of_the_members_centre_that_records_its_source(member_client, member, source, centre):
    response = member_client.post(reprise_url(source), reprise_post(source, centre))

    assert response.status_code == 302, response.content.decode()[:2000]
    new = Action.objects.exclude(pk=source.pk).get()
    assert (new.title, new.centre, new.state) == ("Séjour des familles à la montagne", centre, PublicationState.DRAFT)
    assert (new.inspired_by, new.submitted_by) == (source, member)
    assert new.summary == source.summary and new.funding_lines.count() == 2
    assert list(new.years.values_list("year", flat=True)) == [2025]
    assert not new.attachments.exists() and not new.declares_files
    assert list(source.inspired_actions.all()) == [new]


def test_sending_it_for_validation_keeps_its_source(member_client, source, centre, mailoutbox):
    response = member_client.post(reprise_url(source), reprise_post(source, centre, intent="send"))

    assert response.status_code == 302
    new = Action.objects.get(inspired_by=source)
    assert new.state == PublicationState.PENDING


def test_a_draft_edited_later_keeps_its_source(member_client, source, centre):
    member_client.post(reprise_url(source), reprise_post(source, centre))
    new = Action.objects.get(inspired_by=source)

    edit = f"/espace/actions/{new.slug}/modifier/"
    response = member_client.post(edit, reprise_post(source, centre, title="Séjour à la montagne, deuxième"))
    assert response.status_code == 302
    new.refresh_from_db()
    assert (new.title, new.inspired_by) == ("Séjour à la montagne, deuxième", source)


# -- The source must be a published action ------------------------------------------------------------


@pytest.mark.parametrize("state", [PublicationState.DRAFT, PublicationState.PENDING, PublicationState.REJECTED])
def test_an_unpublished_source_is_404_and_nothing_is_saved(member_client, source_centre, centre, state):
    hidden = make_action("Fiche pas encore publiée", source_centre, state=state)
    data = reprise_post(Action.objects.with_sheet_relations().get(pk=hidden.pk), centre)

    assert member_client.get(reprise_url(hidden)).status_code == 404
    assert member_client.post(reprise_url(hidden), data).status_code == 404
    assert Action.objects.count() == 1


@pytest.mark.parametrize("slug", ["nexiste-pas", "", "../admin"])
def test_an_unknown_source_is_404(member_client, source, centre, slug):
    assert member_client.get(reprise_url(slug)).status_code == 404
    assert member_client.post(reprise_url(slug), reprise_post(source, centre)).status_code == 404
    assert Action.objects.count() == 1


def test_a_source_withdrawn_since_the_form_was_shown_is_refused(member_client, source, centre):
    member_client.get(reprise_url(source))
    Action.objects.filter(pk=source.pk).update(state=PublicationState.DRAFT)

    assert member_client.post(reprise_url(source), reprise_post(source, centre)).status_code == 404
    assert Action.objects.count() == 1


def test_the_service_refuses_a_source_that_is_no_longer_published(member, source, centre):
    sheet = reprise_sheet(source)
    sheet.centre_name, sheet.departement_code, sheet.title = centre.name, centre.departement_id, "Autre titre"
    Action.objects.filter(pk=source.pk).update(state=PublicationState.REJECTED)

    with pytest.raises(PermissionDenied):
        save_submission(Submission(user=member, sheet=sheet, send=False, inspired_by=source), action=None)
    assert Action.objects.count() == 1


# -- Only into one's own centres -----------------------------------------------------------------------


def test_a_member_cannot_reprendre_into_a_centre_that_is_not_theirs(member_client, source, other_centre):
    response = member_client.post(reprise_url(source), reprise_post(source, other_centre))

    assert response.status_code == 400
    assert "Vous n&#x27;êtes pas membre de ce centre" in response.content.decode()
    assert Action.objects.count() == 1


def test_the_service_checks_the_centre_itself(member, source, other_centre, source_centre):
    for foreign in (other_centre, source_centre):  # another centre, the source's own included
        sheet = reprise_sheet(source)
        sheet.centre_name, sheet.departement_code, sheet.title = foreign.name, foreign.departement_id, "Reprise"
        with pytest.raises(PermissionDenied):
            save_submission(Submission(user=member, sheet=sheet, send=True, inspired_by=source), action=None)
    assert Action.objects.count() == 1


def test_a_centre_unknown_to_the_catalogue_is_refused_and_not_created(member, source):
    sheet = reprise_sheet(source)
    sheet.centre_name, sheet.departement_code = "Centre social imaginaire", "75"
    with pytest.raises(PermissionDenied):
        save_submission(Submission(user=member, sheet=sheet, send=False, inspired_by=source), action=None)
    assert not Centre.objects.filter(name="Centre social imaginaire").exists()


def test_an_existing_action_cannot_be_given_a_source(member, source, centre):
    own = make_action("Notre action", centre, state=PublicationState.DRAFT)
    sheet = make_sheet(title="Notre action", centre_name=centre.name, departement_code=centre.departement_id)
    with pytest.raises(PermissionDenied):
        save_submission(Submission(user=member, sheet=sheet, send=False, inspired_by=source), action=own)
    own.refresh_from_db()
    assert own.inspired_by is None


def test_the_source_never_comes_from_the_post_data(member_client, source, centre):
    for url, extra in [
        (CREATE_URL, {"inspired_by": str(source.pk)}),  # a new sheet that claims a source
        (reprise_url(source), {"inspired_by": str(make_action("Une autre", centre).pk)}),  # another source
    ]:
        response = member_client.post(url, reprise_post(source, centre, **extra))
        assert response.status_code == 400
        assert "champs qu&#x27;il ne propose pas" in response.content.decode()
    assert not Action.objects.filter(inspired_by__isnull=False).exists()


def test_a_reprise_needs_an_account_of_a_centre(client, django_user_model, source):
    response = client.get(reprise_url(source))
    assert response.status_code == 302 and response["Location"].startswith("/comptes/connexion/")

    client.force_login(make_user(django_user_model, "visiteur"))
    assert client.get(reprise_url(source)).status_code == 403


# -- The similar-title warning -------------------------------------------------------------------------


def test_the_source_is_left_out_of_the_similar_title_warning(client, django_user_model, source, source_centre):
    """A member of the source's own centre starts next year's sheet from it: the source is not a duplicate,
    another similar action of the centre still is."""
    twin = make_action("Séjour des familles à la mer du quartier", source_centre)
    client.force_login(make_user(django_user_model, "alix", centres=[source_centre]))

    data = reprise_post(source, source_centre, intent="send", title="Séjour familles à la mer 2025")
    response = client.post(reprise_url(source), data)

    assert response.status_code == 200
    assert response.context["editor"].duplicates == [twin]
    data["confirm_duplicate"] = "on"
    assert client.post(reprise_url(source), data).status_code == 302
    new = Action.objects.get(title="Séjour familles à la mer 2025")
    assert (new.inspired_by, new.state) == (source, PublicationState.PENDING)


def test_with_no_other_similar_action_a_reprise_of_its_own_centre_is_sent_at_once(client, django_user_model, source):
    client.force_login(make_user(django_user_model, "alix", centres=[source.centre]))
    data = reprise_post(source, source.centre, intent="send", title="Séjour familles à la mer 2025")

    assert client.post(reprise_url(source), data).status_code == 302
    assert Action.objects.get(title="Séjour familles à la mer 2025").inspired_by == source


def test_the_same_title_in_the_sources_centre_is_still_a_title_taken(client, django_user_model, source):
    client.force_login(make_user(django_user_model, "alix", centres=[source.centre]))
    response = client.post(reprise_url(source), reprise_post(source, source.centre, title=SOURCE_TITLE))

    assert response.status_code == 400
    assert "Ce centre a déjà une action intitulée" in response.content.decode()
