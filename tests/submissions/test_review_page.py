"""The review page: the automatic checks panel, the word-level diff and its « Modifications seulement » toggle, and the
similar-title warning a member confirmed, recorded by the server when the sheet is sent."""

import re

import pytest
from django.test import Client

from actions_catalog.core.models import Action
from actions_catalog.core.submission_models import DuplicateConfirmation
from tests.submissions.conftest import CREATE_URL, edit_url, review_url, sheet_post, visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_browser(moderator):
    client = Client()
    client.force_login(moderator)
    return client


def send_new(member_client, centre, **fields):
    response = member_client.post(CREATE_URL, sheet_post(centre, intent="send", **fields))
    assert response.status_code == 302, response.content.decode()[-2000:]
    return Action.objects.get(title=fields.get("title", "Jardin partagé des familles"))


@pytest.fixture
def published(member_client, moderator_browser, centre):
    action = send_new(member_client, centre)
    moderator_browser.post(review_url(action), {"decision": "approve"})
    return action


def rows(page: str) -> dict[str, str]:
    """Each row of the diff table by its label: the row's HTML."""
    table = re.search(r'<table class="diff[ "].*?</table>', page, re.S)[0]
    found = {}
    for row in re.findall(r"<tr[^>]*>.*?</tr>", table, re.S):
        label = re.search(r'<th scope="row">([^<]+)', row)
        if label:
            found[label.group(1).strip()] = row
    return found


def is_hidden(row: str) -> bool:
    return " hidden" in row.split(">", 1)[0]


# -- The checks panel -------------------------------------------------------------------------------------------


def test_the_panel_shows_each_check_of_the_sheet(member_client, moderator_browser, centre):
    action = send_new(
        member_client,
        centre,
        declared_total="5 000",  # lines: 1 500 + 2 000,50
        summary="",
        new_keyword="Jardinage urbain",
        funding=(("Ville de Toulouse", "1 500"), ("CAF", "2 000,50"), ("Bailleur social", "")),
    )

    page = moderator_browser.get(review_url(action)).content.decode()

    panel = page.split('id="controles"', 1)[1].split("</section>", 1)[0]
    assert "<strong>Total incohérent</strong>" in panel
    assert "3\u202f500,50 €" in panel and "5\u202f000,00 €" in panel
    assert "<strong>Ligne sans montant</strong> : « Bailleur social »." in panel
    assert "<strong>Rubriques clés vides</strong> : « Résumé », « Mots clés »." in panel
    assert "« Jardinage urbain »" in panel and 'href="/espace/moderation/#mots-cles"' in panel


def test_a_sheet_without_problem_says_so(member_client, moderator_browser, centre):
    action = send_new(member_client, centre, new_keyword="")
    page = moderator_browser.get(review_url(action)).content.decode()

    # The post has keywords ticked nowhere: the only check is the empty keywords section.
    panel = page.split('id="controles"', 1)[1].split("</section>", 1)[0]
    assert "« Mots clés »" in panel
    assert "Total incohérent" not in panel


# -- The confirmed similar-title warning ------------------------------------------------------------------------


def test_a_confirmed_similar_title_is_recorded_by_the_server_and_shown_with_a_link(
    member_client, member, moderator_browser, centre
):
    first = send_new(member_client, centre, title="Jardin partagé des familles")
    warned = member_client.post(CREATE_URL, sheet_post(centre, intent="send", title="Jardin partagé familles"))
    assert "Cette action existe peut-être déjà" in warned.content.decode()
    assert not Action.objects.filter(title="Jardin partagé familles").exists()

    member_client.post(
        CREATE_URL, sheet_post(centre, intent="send", title="Jardin partagé familles", confirm_duplicate="on")
    )

    second = Action.objects.get(title="Jardin partagé familles")
    confirmation = DuplicateConfirmation.objects.get()
    assert (confirmation.action, confirmation.revision, confirmation.similar_action) == (second, None, first)
    assert confirmation.confirmed_by == member
    page = moderator_browser.get(review_url(second)).content.decode()
    panel = page.split('id="controles"', 1)[1].split("</section>", 1)[0]
    assert "<strong>Doublon confirmé</strong>" in panel
    assert f'href="{review_url(first)}"' in panel  # the similar action waits for a decision too


def test_a_ticked_confirmation_without_similar_action_records_nothing(member_client, centre):
    send_new(member_client, centre, title="Atelier vélo", confirm_duplicate="on")

    assert not DuplicateConfirmation.objects.exists()


def test_saving_a_draft_past_a_similar_title_records_nothing(member_client, centre):
    send_new(member_client, centre, title="Jardin partagé des familles")
    member_client.post(CREATE_URL, sheet_post(centre, title="Jardin partagé familles", confirm_duplicate="on"))

    assert Action.objects.filter(title="Jardin partagé familles").exists()
    assert not DuplicateConfirmation.objects.exists()


def test_sending_again_does_not_record_the_same_confirmation_twice(member_client, centre):
    send_new(member_client, centre, title="Jardin partagé des familles")
    data = sheet_post(centre, intent="send", title="Jardin partagé familles", confirm_duplicate="on")
    member_client.post(CREATE_URL, data)
    second = Action.objects.get(title="Jardin partagé familles")
    member_client.post(edit_url(second), sheet_post(centre, title="Jardin partagé familles"))  # back to draft
    member_client.post(edit_url(second), {**data, "title": "Jardin partagé des familles du quartier"})

    assert DuplicateConfirmation.objects.filter(action=second).count() == 1


# -- The word diff ----------------------------------------------------------------------------------------------


def test_a_revision_marks_the_changed_words_for_eyes_and_screen_readers(
    published, member_client, moderator_browser, centre
):
    member_client.post(
        edit_url(published),
        sheet_post(centre, intent="send", summary="Un jardin partagé cultivé par les familles du quartier."),
    )

    page = moderator_browser.get(review_url(published)).content.decode()

    summary = rows(page)["Résumé"]
    assert (
        '<ins><span class="visually-hidden">[ajout] </span>partagé'
        '<span class="visually-hidden"> [fin de l’ajout]</span></ins>'
    ) in summary
    assert "<del>" not in summary  # nothing was removed
    assert "Un jardin " in summary and " cultivé par les familles du quartier." in summary
    assert "Ce qui change (1 rubrique)" in page


def test_removed_words_are_struck_in_the_published_version(published, member_client, moderator_browser, centre):
    member_client.post(edit_url(published), sheet_post(centre, intent="send", summary="Un jardin cultivé."))

    summary = rows(moderator_browser.get(review_url(published)).content.decode())["Résumé"]

    assert '<del><span class="visually-hidden">[suppression] </span>par les familles du quartier' in summary
    assert "<ins>" not in summary


def test_line_breaks_are_kept_and_the_text_is_escaped(published, member_client, moderator_browser, centre):
    member_client.post(
        edit_url(published),
        sheet_post(centre, intent="send", description="Ateliers chaque mercredi.\n<script>alert(1)</script>"),
    )

    description = rows(moderator_browser.get(review_url(published)).content.decode())["Description générale"]

    assert "Ateliers chaque mercredi.<br>" in description
    assert "<script>" not in description and "&lt;script&gt;" in description


def test_an_added_partner_is_marked_alone_and_a_reordering_is_a_change(
    published, member_client, moderator_browser, centre
):
    """Partners keep the sheet's order (issue 14): an added one is marked alone, the others moved are marked too."""
    member_client.post(
        edit_url(published),
        sheet_post(centre, intent="send", partners=["Mairie de Toulouse", "Bailleur social", "Ludothèque"]),
    )

    partners = rows(moderator_browser.get(review_url(published)).content.decode())["Partenaires"]

    assert visible_text(partners).count("Ludothèque") == 1
    assert re.search(r"<ins>.*Ludothèque.*</ins>", partners)
    assert not re.search(r"<ins>[^/]*Mairie de Toulouse", partners)
    assert not re.search(r"<ins>[^/]*Bailleur social", partners)

    member_client.post(
        edit_url(published), sheet_post(centre, intent="send", partners=["Bailleur social", "Mairie de Toulouse"])
    )
    partners = rows(moderator_browser.get(review_url(published)).content.decode())["Partenaires"]
    assert "modifié" in partners and re.search(r"<(ins|del)>", partners)


def test_unchanged_sections_are_hidden_until_all_are_asked_for(published, member_client, moderator_browser, centre):
    member_client.post(edit_url(published), sheet_post(centre, intent="send", summary="Nouveau résumé."))

    changes_only = rows(moderator_browser.get(review_url(published)).content.decode())
    everything = moderator_browser.get(review_url(published) + "?rubriques=toutes").content.decode()

    assert not is_hidden(changes_only["Résumé"])
    assert is_hidden(changes_only["Titre"]) and is_hidden(changes_only["Description générale"])
    assert not any(is_hidden(row) for row in rows(everything).values())
    assert "Modifications seulement" in everything  # the link back, without the parameter
    assert 'href="?#modifications"' in everything
    assert 'href="?rubriques=toutes#modifications"' in moderator_browser.get(review_url(published)).content.decode()


def test_a_new_sheet_shows_its_filled_sections_and_the_empty_ones_on_demand(member_client, moderator_browser, centre):
    action = send_new(member_client, centre, result_territory="")

    filled = rows(moderator_browser.get(review_url(action)).content.decode())
    assert not is_hidden(filled["Résumé"])
    assert is_hidden(filled["Résultat sur le territoire"])
    page = moderator_browser.get(review_url(action) + "?rubriques=toutes").content.decode()
    assert not is_hidden(rows(page)["Résultat sur le territoire"])
    assert "(vide)" in rows(page)["Résultat sur le territoire"]
    assert "Rubriques remplies seulement" in page


def test_a_reprise_is_compared_with_the_sheet_it_was_taken_from(published, member_client, moderator_browser, centre):
    """A new sheet taken from a published one (« Reprendre ») shows what its centre adapted, word by word."""
    response = member_client.post(
        f"{CREATE_URL}?depuis={published.slug}",
        sheet_post(
            centre,
            intent="send",
            title="Jardin partagé des aînés",
            summary="Un jardin cultivé par les aînés du quartier.",
            confirm_duplicate="on",
        ),
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    reprise = Action.objects.get(title="Jardin partagé des aînés")
    assert reprise.inspired_by == published

    page = moderator_browser.get(review_url(reprise)).content.decode()

    assert "Ce que le centre a adapté (2 rubriques)" in page  # the title and the summary
    assert f'Cette fiche reprend « <a href="{published.get_absolute_url()}">' in page
    summary = rows(page)["Résumé"]
    assert 'data-label="Fiche d&#x27;origine"' in summary
    assert "<del>" in summary and "familles" in summary.split("<del>", 1)[1]
    assert "<ins>" in summary and "aînés" in summary.split("<ins>", 1)[1]
    assert is_hidden(rows(page)["Description générale"])  # unchanged: shown on demand
