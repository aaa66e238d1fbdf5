"""Renames in the admin keep the previous name as an alias; every change is in the history and can be reverted."""

import pytest
from django.urls import reverse

from actions_catalog.core import search
from actions_catalog.core.models import Action, Keyword, KeywordAlias, Partner, PartnerAlias
from actions_catalog.core.writer import SheetLoader
from centres.models import Centre, CentreAlias
from importers.parser import parse_text
from tests.admin.conftest import change_form_data

pytestmark = pytest.mark.django_db


def reimport_with(seed_bytes, old: str, new: str):
    text = seed_bytes.decode()
    assert old in text
    return SheetLoader().load(parse_text(text.replace(old, new), "seed.txt").sheets)


# -- Renames ---------------------------------------------------------------------------------------------


def test_renaming_a_keyword_keeps_the_old_label_as_an_alias(admin_client, seeded, seed_bytes):
    keyword = Keyword.objects.get(label="Viellissement")
    url = reverse("admin:actions_catalog_keyword_change", args=[keyword.pk])
    data = change_form_data(admin_client, url) | {"label": "Vieillissement"}

    response = admin_client.post(url, data)

    assert response.status_code == 302
    keyword.refresh_from_db()
    assert keyword.label == "Vieillissement"
    assert list(keyword.aliases.values_list("label", flat=True)) == ["Viellissement"]
    forum = Action.objects.get(title="Forum Seniors")
    assert "Vieillissement" in forum.keyword_labels.split()
    # The next import of the old spelling maps to the renamed keyword.
    report = reimport_with(seed_bytes, "37 partenaires participent", "36 partenaires participent")
    assert report.updated == 1
    assert not Keyword.objects.filter(normalized_label="viellissement").exists()
    assert list(forum.keywords.values_list("label", flat=True)) == ["Vieillissement"]


def test_renaming_back_to_an_old_label_leaves_no_alias_loop(admin_client, keyword):
    url = reverse("admin:actions_catalog_keyword_change", args=[keyword.pk])
    admin_client.post(url, change_form_data(admin_client, url) | {"label": "Vieilissement"})
    assert set(KeywordAlias.objects.values_list("label", flat=True)) == {"Vieillissement"}
    admin_client.post(url, change_form_data(admin_client, url) | {"label": "Vieillissement"})
    assert set(KeywordAlias.objects.values_list("label", flat=True)) == {"Vieilissement"}


def test_a_change_of_case_only_adds_no_alias(admin_client, partner):
    url = reverse("admin:actions_catalog_partner_change", args=[partner.pk])
    admin_client.post(url, change_form_data(admin_client, url) | {"label": "caf"})
    partner.refresh_from_db()
    assert partner.label == "caf"
    assert not PartnerAlias.objects.exists()


def test_a_label_that_is_another_keywords_alias_is_refused(admin_client, keyword, make_label):
    other = make_label(Keyword, "Seniors")
    KeywordAlias.objects.create(keyword=keyword, label="Vieillesse")
    url = reverse("admin:actions_catalog_keyword_change", args=[other.pk])
    response = admin_client.post(url, change_form_data(admin_client, url) | {"label": "vieillesse"})
    assert response.status_code == 200
    assert "est déjà un autre libellé de « Vieillissement »" in response.content.decode()
    other.refresh_from_db()
    assert other.label == "Seniors"


def test_adding_a_keyword_without_a_slug_makes_one(admin_client, keyword):
    response = admin_client.post(
        reverse("admin:actions_catalog_keyword_add"),
        {"label": "Vieillissement actif", "slug": "", "aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302
    assert Keyword.objects.get(label="Vieillissement actif").slug == "vieillissement-actif"


def test_renaming_a_centre_keeps_its_old_name_for_later_imports(admin_client, seeded, seed_bytes):
    centre = Centre.objects.get(name="CENTRE SOCIAL D'EMPALOT")
    url = reverse("admin:centres_centre_change", args=[centre.pk])
    admin_client.post(url, change_form_data(admin_client, url) | {"name": "Centre social et culturel Empalot"})
    assert CentreAlias.objects.get(centre=centre).name == "CENTRE SOCIAL D'EMPALOT"
    report = reimport_with(seed_bytes, "Voyage effectué", "Voyage effectué (2023)")
    assert (report.created, report.updated) == (0, 1)
    assert Centre.objects.count() == 22


def test_renaming_an_action_keeps_its_old_title_for_later_imports(admin_client, seeded, seed_bytes):
    action = Action.objects.get(title="Forum Seniors")
    url = reverse("admin:actions_catalog_action_change", args=[action.pk])
    response = admin_client.post(url, change_form_data(admin_client, url) | {"title": "Forum des seniors"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    action.refresh_from_db()
    assert action.aliases.get().title == "Forum Seniors"
    assert found("forum des seniors", action)
    report = reimport_with(seed_bytes, "37 partenaires participent", "39 partenaires participent")
    assert (report.created, report.updated) == (0, 1)
    action.refresh_from_db()
    assert action.title == "Forum des seniors"


# -- History ---------------------------------------------------------------------------------------------


def test_history_page_shows_who_changed_which_field(admin_client, admin_user, keyword):
    url = reverse("admin:actions_catalog_keyword_change", args=[keyword.pk])
    admin_client.post(url, change_form_data(admin_client, url) | {"label": "Vieillir"})
    record = keyword.history.latest()
    assert record.history_user == admin_user
    page = admin_client.get(reverse("admin:actions_catalog_keyword_history", args=[keyword.pk])).content.decode()
    assert admin_user.username in page
    assert "Vieillir" in page and "Vieillissement" in page  # before and after


def test_reverting_a_keyword_from_its_history(admin_client, keyword):
    url = reverse("admin:actions_catalog_keyword_change", args=[keyword.pk])
    admin_client.post(url, change_form_data(admin_client, url) | {"label": "Vieillir"})
    first = keyword.history.earliest()
    revert_url = reverse("admin:actions_catalog_keyword_simple_history", args=[keyword.pk, first.history_id])

    response = admin_client.post(revert_url, change_form_data(admin_client, revert_url))

    assert response.status_code == 302
    keyword.refresh_from_db()
    assert keyword.label == "Vieillissement"
    assert keyword.history.count() == 3
    assert list(keyword.aliases.values_list("label", flat=True)) == ["Vieillir"]


def test_reverting_an_action_restores_its_text_and_keeps_search_and_fingerprint(admin_client, seeded):
    action = Action.objects.get(title="Forum Seniors")
    fingerprint = action.content_hash
    url = reverse("admin:actions_catalog_action_change", args=[action.pk])
    response = admin_client.post(url, change_form_data(admin_client, url) | {"summary": "Résumé réécrit par erreur"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert found("réécrit", action)
    imported = action.history.filter(history_change_reason="").order_by("history_date").first()
    assert imported is not None and imported.summary.startswith("Dans le cadre de la Semaine Bleu")

    revert_url = reverse("admin:actions_catalog_action_simple_history", args=[action.pk, imported.history_id])
    response = admin_client.post(revert_url, change_form_data(admin_client, revert_url))

    assert response.status_code == 302
    action.refresh_from_db()
    assert action.summary.startswith("Dans le cadre de la Semaine Bleu")
    assert not found("réécrit", action) and found("semaine bleue", action)
    assert action.content_hash == fingerprint


def test_history_needs_a_view_or_change_permission(staff_client, keyword):
    client = staff_client("actions_catalog.view_partner")
    assert client.get(reverse("admin:actions_catalog_keyword_history", args=[keyword.pk])).status_code == 403


def test_keyword_history_is_listed_for_a_staff_member_who_may_view(staff_client, keyword):
    client = staff_client("actions_catalog.view_keyword")
    response = client.get(reverse("admin:actions_catalog_keyword_history", args=[keyword.pk]))
    assert response.status_code == 200
    assert Partner.objects.count() == 0


# -- Aliases edited by hand ------------------------------------------------------------------------------


def test_a_duplicate_alias_is_a_form_error_not_a_crash(admin_client, keyword, make_label):
    KeywordAlias.objects.create(keyword=keyword, label="Vieillesse")
    other = make_label(Keyword, "Seniors")
    response = admin_client.post(
        reverse("admin:actions_catalog_keywordalias_add"), {"label": "VIEILLESSE", "keyword": other.pk}
    )
    assert response.status_code == 200
    assert "est déjà un autre libellé" in response.content.decode()
    response = admin_client.post(
        reverse("admin:actions_catalog_keywordalias_add"), {"label": "seniors", "keyword": keyword.pk}
    )
    assert "est déjà un mot clé" in response.content.decode()
    assert KeywordAlias.objects.count() == 1


def test_a_duplicate_centre_or_action_alias_is_a_form_error(admin_client, make_centre, make_action):
    centre = make_centre("Centre social Empalot")
    CentreAlias.objects.create(centre=centre, departement=centre.departement, name="CS Empalot")
    response = admin_client.post(
        reverse("admin:centres_centrealias_add"), {"name": "cs empalot", "centre": centre.pk, "departement": "31"}
    )
    assert "est déjà un autre nom" in response.content.decode()
    action = make_action("Forum", centre)
    action.aliases.create(centre=centre, title="Forum seniors")
    response = admin_client.post(
        reverse("admin:actions_catalog_actionalias_add"),
        {"title": "FORUM SENIORS", "action": action.pk, "centre": centre.pk},
    )
    assert "est déjà un autre titre" in response.content.decode()
    assert CentreAlias.objects.count() == 1 and action.aliases.count() == 1


def found(words: str, action) -> bool:
    """Whether searching ``words`` finds ``action``."""
    return Action.objects.filter(search.condition(words), pk=action.pk).exists()


def test_deleting_a_keyword_refreshes_the_search_text_of_its_actions(admin_client, seeded):
    keyword = Keyword.objects.get(label="Viellissement")
    forum = Action.objects.get(title="Forum Seniors")
    found = Action.objects.filter(search.condition("viellissement"), pk=forum.pk)
    assert found.exists()
    response = admin_client.post(reverse("admin:actions_catalog_keyword_delete", args=[keyword.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not found.exists()
    assert keyword.history.filter(history_type="-").exists()
