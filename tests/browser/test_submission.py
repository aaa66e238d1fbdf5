"""A member proposes an action in a real browser; a moderator approves it; the public sees it."""

import re

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from actions_catalog.core.models import Action
from centres.models import Centre, Membership
from tests.browser.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Potager partagé au pied des immeubles"


@pytest.fixture
def people(django_user_model, site, settings):
    """The seed imported (by ``site``), a member of one centre and a moderator."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    centre = Centre.objects.get(name="CENTRE SOCIAL D'EMPALOT")
    member = django_user_model.objects.create_user("camille", "camille@example.org", "Jardin-2024-partage")
    Membership.objects.create(user=member, centre=centre)
    moderator = django_user_model.objects.create_user("federation", "moderation@example.org", "Valider-2024-fiches")
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_action"))
    return centre


def test_a_member_proposes_an_action_and_a_moderator_publishes_it(live_server, new_page, people, mailoutbox):
    base = live_server.url
    page = new_page()
    log_in(page, base, "camille", "Jardin-2024-partage")

    page.get_by_role("link", name="Proposer une action").click()
    page.get_by_label("Titre de l'action").fill(TITLE)
    page.get_by_label("Année(s) de l'action").fill("2023-2024")
    page.get_by_role("radio", name="En cours").check()
    page.get_by_role("radio", name="Citoyenneté").check()
    page.get_by_role("checkbox", name="familles").check()
    page.get_by_label("Résumé", exact=True).fill("Les habitants cultivent ensemble un potager.")
    page.get_by_label("Avec qui cette action a-t-elle été menée ?").fill("Bailleur social")
    page.locator("#id_financement-0-label").fill("Ville de Toulouse")
    page.locator("#id_financement-0-amount").fill("1 500")
    page.locator("#id_financement-1-label").fill("Caf")
    page.locator("#id_financement-1-amount").fill("2 000,50")
    expect(page.locator("#funding-total")).to_have_text(re.compile(r"^3\s500,50$"))
    page.get_by_role("button", name="Enregistrer le brouillon").click()

    expect(page.get_by_role("status")).to_contain_text(f"Le brouillon « {TITLE} » est enregistré.")
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Brouillon")

    row.get_by_role("link", name=re.compile("Modifier")).click()
    expect(page.locator("#id_financement-1-amount")).to_have_value("2000,50")
    expect(page.locator("#funding-total")).to_have_text(re.compile(r"^3\s500,50$"))
    page.get_by_role("button", name="Envoyer pour validation").click()
    expect(page.get_by_role("row").filter(has_text=TITLE)).to_contain_text("En attente de validation")
    assert [message.to for message in mailoutbox] == [["moderation@example.org"]]
    page.get_by_role("button", name="Se déconnecter").click()

    page.goto(base + "/actions/")
    expect(page.get_by_text(TITLE)).to_have_count(0)

    log_in(page, base, "federation", "Valider-2024-fiches")
    page.get_by_role("link", name="Fiches à valider").click()
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("table")).to_contain_text("Ville de Toulouse : 1\u202f500,00 €")
    page.get_by_role("button", name="Valider et publier").click()
    expect(page.get_by_role("status")).to_contain_text(f"« {TITLE} » est publiée.")

    public = new_page()
    public.goto(base + "/actions/")
    expect(public.get_by_role("heading", name="23 actions publiées")).to_be_visible()
    # the new action is counted in its facets: familles 6 → 7, citoyenneté 7 → 8, and its years appear
    expect(public.locator("#facette-public label:has(input[value='familles']) .n")).to_have_text("7")
    expect(public.locator("#facette-dimension label:has(input[value='citoyennete']) .n")).to_have_text("8")
    expect(public.locator("#facette-year label:has(input[value='2023']) .n")).to_have_text("1")
    public.locator("#facette-year input[value='2023']").check()  # applies at once
    expect(public.get_by_role("heading", name="1 action trouvée")).to_be_visible()
    public.get_by_role("link", name=TITLE).click()
    expect(public.get_by_role("heading", level=1)).to_have_text(TITLE)
    action = Action.objects.get(title=TITLE)
    assert action.state == "published"
    assert [(line.label, str(line.amount)) for line in action.funding_lines.all()] == [
        ("Ville de Toulouse", "1500.00"),
        ("Caf", "2000.50"),
    ]
    assert list(action.years.values_list("year", flat=True)) == [2023, 2024]
    assert Action.objects.published().count() == 23
