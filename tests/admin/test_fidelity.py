"""Issue 14 in the admin: « financement à vérifier », keywords and partners edited in the sheet's order with their
roles, label lists in French order, and merges that keep each sheet's order."""

import pytest
from django.urls import reverse

from actions_catalog.core import merging
from actions_catalog.core.models import Action, ActionKeyword, ActionPartner, Keyword, Partner
from actions_catalog.core.sheet import PartnerGroup
from tests.admin.conftest import change_form_data
from tests.factories import make_action

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:actions_catalog_action_changelist"


def keyword_order(action) -> list[str]:
    return list(
        ActionKeyword.objects.filter(action=action).order_by("position").values_list("keyword__label", flat=True)
    )


def test_the_funding_to_check_filter_lists_the_sheets_whose_funding_text_no_line_took(admin_client, seeded):
    url = reverse(CHANGELIST)
    flagged = admin_client.get(url, {"financement": "a-verifier"})
    assert [action.title for action in flagged.context["cl"].result_list] == ["Départ en vacances pour tous"]
    assert admin_client.get(url, {"financement": "lu"}).context["cl"].result_count == 21
    assert "financement à vérifier" in admin_client.get(url).content.decode()


def test_the_flag_follows_the_funding_text_whoever_writes_it(reference_data):
    action = make_action("Fiche au financement en prose", funding_text="La CAF a donné 3 000 € cette année.")
    assert action.funding_to_check
    action = make_action("Fiche au financement lu", funding_text="CAF : 3 000 €")
    assert not action.funding_to_check


def test_a_funding_text_edited_in_the_admin_is_flagged_by_the_same_rule(admin_client, reference_data):
    action = make_action("Fiche", funding_text="CAF : 3 000 €")
    url = reverse("admin:actions_catalog_action_change", args=[action.pk])
    data = change_form_data(admin_client, url) | {"funding_text": "La CAF a donné 3 000 € environ."}
    assert admin_client.post(url, data).status_code == 302
    action.refresh_from_db()
    assert action.funding_to_check


def test_the_change_form_edits_keywords_and_partners_in_order_with_roles(admin_client, reference_data):
    action = make_action(
        "Fiche aux rôles",
        keywords=["Zèbre", "abeille"],
        partners=["ANCV", "Ville"],
        partner_groups=[PartnerGroup("Partenaires financiers", ["ANCV"]), PartnerGroup("", ["Ville"])],
    )
    url = reverse("admin:actions_catalog_action_change", args=[action.pk])
    page = admin_client.get(url).content.decode()
    assert page.index("Zèbre") < page.index("abeille")  # the inline's rows in the sheet's order
    assert 'value="Partenaires financiers"' in page
    data = change_form_data(admin_client, url)
    first, second = ActionKeyword.objects.filter(action=action).order_by("position")
    prefix = "keyword_links"
    data |= {f"{prefix}-0-position": "2", f"{prefix}-1-position": "1"}
    data[f"{prefix}-0-id"], data[f"{prefix}-1-id"] = str(first.pk), str(second.pk)
    response = admin_client.post(url, data)  # a swap: positions are unique, the rows are numbered again
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert keyword_order(action) == ["abeille", "Zèbre"]
    action.refresh_from_db()
    assert action.keyword_labels == "abeille Zèbre"  # the search data follows the inline's rows
    assert list(ActionPartner.objects.filter(action=action).values_list("role", flat=True)) == [
        "Partenaires financiers",
        "",
    ]


def test_a_keyword_added_in_the_change_form_goes_where_its_position_says(admin_client, reference_data, make_label):
    action = make_action("Fiche", keywords=["Alpha", "Bêta"])
    gamma = make_label(Keyword, "Gamma")
    url = reverse("admin:actions_catalog_action_change", args=[action.pk])
    data = change_form_data(admin_client, url)
    data |= {
        "keyword_links-TOTAL_FORMS": "4",
        "keyword_links-2-keyword": str(gamma.pk),
        "keyword_links-2-position": "1",
    }
    data |= {"keyword_links-3-keyword": str(make_label(Keyword, "Delta").pk)}  # no position: at the end
    assert admin_client.post(url, data).status_code == 302
    assert keyword_order(action) == ["Gamma", "Alpha", "Bêta", "Delta"]


def test_a_keyword_twice_in_the_change_form_is_an_error_not_a_crash(admin_client, reference_data):
    action = make_action("Fiche", keywords=["Alpha"])
    url = reverse("admin:actions_catalog_action_change", args=[action.pk])
    data = change_form_data(admin_client, url)
    alpha = Keyword.objects.get(label="Alpha")
    data |= {"keyword_links-TOTAL_FORMS": "2", "keyword_links-1-keyword": str(alpha.pk)}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Cette ligne est en double" in response.content.decode()
    assert keyword_order(action) == ["Alpha"]


def test_label_lists_are_in_french_order(reference_data, make_label):
    for label in ("Été", "abeille", "Zèbre", "Éducation", "culture"):
        make_label(Keyword, label)
    assert list(Keyword.objects.values_list("label", flat=True)) == ["abeille", "culture", "Éducation", "Été", "Zèbre"]
    for label in ("Ville", "ANCV", "Écoles"):
        make_label(Partner, label)
    assert list(Partner.objects.values_list("label", flat=True)) == ["ANCV", "Écoles", "Ville"]


def test_the_keyword_filter_of_the_changelist_is_in_french_order(admin_client, reference_data):
    make_action("Une", keywords=["Zèbre", "Été", "abeille"])
    page = admin_client.get(reverse(CHANGELIST)).content.decode()
    start = page.index("Par mots clés associés")
    section = page[start : page.index("</ul>", start)]
    assert section.index("abeille") < section.index("Été") < section.index("Zèbre")


# -- Merges keep the sheets' order --------------------------------------------------------------------------


def test_merging_keywords_keeps_each_links_place_in_its_sheet(reference_data):
    action = make_action("Fiche", keywords=["Alpha", "Vacances", "Oméga"])
    survivor = Keyword.objects.create(label="Vacances et loisirs", slug="vacances-et-loisirs")
    merging.merge(survivor, [Keyword.objects.get(label="Vacances")])
    assert keyword_order(action) == ["Alpha", "Vacances et loisirs", "Oméga"]
    action.refresh_from_db()
    assert action.keyword_labels == "Alpha Vacances et loisirs Oméga"


def test_merging_partners_keeps_one_row_per_role(reference_data):
    action = make_action(
        "Fiche",
        partners=["CAF", "Caisse d'allocations familiales", "Ville"],
        partner_groups=[
            PartnerGroup("Partenaires financiers", ["CAF", "Caisse d'allocations familiales"]),
            PartnerGroup("Partenaires techniques", ["Ville", "Caisse d'allocations familiales"]),
        ],
    )
    survivor = Partner.objects.get(label="CAF")
    merging.merge(survivor, [Partner.objects.get(label="Caisse d'allocations familiales")])
    rows = ActionPartner.objects.filter(action=action).order_by("position")
    assert [(row.partner.label, row.role) for row in rows] == [
        ("CAF", "Partenaires financiers"),
        ("Ville", "Partenaires techniques"),
        ("CAF", "Partenaires techniques"),
    ]


def test_merging_actions_puts_the_absorbed_keywords_after_the_survivors(reference_data, make_centre):
    centre = make_centre("Centre social des Tilleuls", "69")
    survivor = make_action("Séjour à la mer", centre, keywords=["Mer", "Familles"])
    absorbed = make_action("Séjour mer", centre, keywords=["Été", "Mer", "Plage"])
    merging.merge(survivor, [absorbed])
    assert keyword_order(survivor) == ["Mer", "Familles", "Été", "Plage"]
    assert list(
        ActionKeyword.objects.filter(action=survivor).order_by("position").values_list("position", flat=True)
    ) == [
        1,
        2,
        3,
        4,
    ]
    assert not Action.objects.filter(pk=absorbed.pk).exists()


def test_links_added_through_the_many_to_many_manager_go_last(reference_data, make_label):
    action = make_action("Fiche", keywords=["Alpha", "Bêta"], partners=["Ville"])
    action.keywords.add(make_label(Keyword, "Gamma"))
    action.partners.add(make_label(Partner, "ANCV"))
    assert keyword_order(action) == ["Alpha", "Bêta", "Gamma"]
    assert list(ActionPartner.objects.filter(action=action).order_by("position").values_list("position", "role")) == [
        (1, ""),
        (2, ""),
    ]
