"""« Prévisualiser »: the sheet exactly as its public page will show it (the same include), saved nowhere."""

import re

import pytest
from django.urls import reverse

from actions_catalog.core.mapper import sheet_from_action
from actions_catalog.core.models import Action
from actions_catalog.core.rate_limits import RateLimitHit
from actions_catalog.core.submission_models import ActionRevision, Attachment, KeywordSuggestion, ModerationEvent
from tests.factories import UserFactory, form_data
from tests.submissions.conftest import CREATE_URL, edit_url, sheet_post
from tests.submissions.test_attachments import image_bytes, upload

pytestmark = pytest.mark.django_db

BARCELONA = "Séjour Autofinancé Barcelone"


def article(page: str) -> str:
    return re.search(r'<article class="sheet[^"]*">.*?</article>', page, re.S)[0]


def nothing_written():
    assert not Action.objects.exists()
    assert not ModerationEvent.objects.exists()
    assert not KeywordSuggestion.objects.exists()
    assert not Attachment.objects.exists()
    assert not RateLimitHit.objects.exists()


def test_the_preview_of_a_new_sheet_shows_it_and_writes_nothing(member_client, centre):
    response = member_client.post(CREATE_URL, sheet_post(centre, intent="preview", new_keyword="Jardinage"))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'aria-label="Aperçu de la fiche"' in page and "Rien n'est enregistré." in page
    preview = article(page)
    assert '<h2 class="sheet__title">Jardin partagé des familles</h2>' in preview
    assert '<td>Ville de Toulouse</td><td class="number">1\xa0500,00 €</td>' in preview
    assert "3\xa0500,50 €" in preview  # the total of the lines
    assert "Mairie de Toulouse" in preview and "?year=2023" in preview
    # the form comes back below it, every field kept
    assert 'id="formulaire"' in page and 'value="Jardin partagé des familles"' in page
    nothing_written()


def test_a_published_sheet_previewed_unchanged_looks_exactly_like_its_public_page(seeded, client, django_user_model):
    action = Action.objects.get(title=BARCELONA)
    member = UserFactory(username="camille", centres=[action.centre])
    public = article(client.get(action.get_absolute_url()).content.decode())
    client.force_login(member)
    data = form_data(sheet_from_action(action), action.centre, intent="preview")
    preview = article(client.post(edit_url(action), data).content.decode())

    # The preview sits one heading level lower in the form's page and prefixes its anchors, and leaves out the
    # public page's tools (take it into one's centre, write to the centre, report an error), which are not part of
    # the sheet; nothing else differs.
    public = re.sub(r'\s*<section class="reuse".*?</section>', "", public, flags=re.S)
    preview = preview.replace("<h2", "<h1").replace("</h2>", "</h1>").replace("<h3", "<h2").replace("</h3>", "</h2>")
    preview = preview.replace("apercu-", "").replace(" sheet--preview", "")
    assert preview == public
    assert "17\xa0601,00 €" in public
    assert not ActionRevision.objects.exists()
    assert Action.objects.get(pk=action.pk).summary == action.summary


def test_the_preview_shows_the_change_not_the_published_text(seeded, client):
    action = Action.objects.get(title=BARCELONA)
    client.force_login(UserFactory(username="camille", centres=[action.centre]))
    data = form_data(sheet_from_action(action), action.centre, intent="preview")
    data.update(summary="Un tout autre résumé.", partners=["ANCV", "Nouveau partenaire"])
    preview = article(client.post(edit_url(action), data).content.decode())
    assert "<p>Un tout autre résumé.</p>" in preview
    assert 'href="/actions/?partner=nouveau-partenaire">Nouveau partenaire</a>' in preview
    assert not ActionRevision.objects.exists()


def test_bad_input_is_shown_instead_of_a_preview(member_client, centre):
    response = member_client.post(CREATE_URL, sheet_post(centre, intent="preview", title="", status="abandonnee"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Aperçu impossible : 2 erreurs à corriger" in page
    assert '<article class="sheet' not in page
    nothing_written()


def test_the_script_gets_the_preview_alone(member_client, centre):
    response = member_client.post(CREATE_URL, sheet_post(centre, intent="preview", fragment="1"))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section class="preview"')
    assert "<form" not in page and "<html" not in page
    failed = member_client.post(CREATE_URL, sheet_post(centre, intent="preview", fragment="1", title=""))
    assert failed.status_code == 400
    assert 'id="erreurs"' in failed.content.decode() and "<form" not in failed.content.decode()
    nothing_written()


def test_files_sent_with_a_preview_are_not_kept_and_the_page_says_so(member_client, centre, settings):
    poster = upload("affiche.png", image_bytes("PNG"))
    response = member_client.post(CREATE_URL, {**sheet_post(centre, intent="preview"), "attachments": poster})
    assert response.status_code == 200
    assert "Les fichiers choisis n'ont pas été gardés par l'aperçu" in response.content.decode()
    nothing_written()
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*"))


def test_a_member_cannot_preview_another_centres_sheet(seeded, client, other_centre):
    action = Action.objects.get(title=BARCELONA)
    client.force_login(UserFactory(username="dominique", centres=[other_centre]))
    data = form_data(sheet_from_action(action), other_centre, intent="preview")
    assert client.post(edit_url(action), data).status_code == 404


def test_the_form_offers_the_preview_button(member_client):
    page = member_client.get(reverse("espace:action_create")).content.decode()
    assert '<button type="submit" name="intent" value="preview"' in page
