"""Copy and improve, the whole story in a real browser: a member takes another centre's action into their centre,
changes a funding line in the page, previews the sheet and sends it; a moderator sees the automatic checks and the
word diff against the sheet it was taken from, writes to the centre, then publishes it; both sheets show the link."""

import re

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from actions_catalog.core.models import Action
from centres.models import Centre, Membership
from tests.browser.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOURCE = "/actions/mise-en-place-sejour-au-ski-interquartier/"
SOURCE_TITLE = "Mise en place séjour au ski interquartier"
TITLE = "Séjour au ski des jeunes d'Empalot"
PASSWORD = "Jardin-2024-partage"


@pytest.fixture
def people(site, django_user_model, settings):
    """The seed imported (by ``site``), a member of a centre of Toulouse, and a federation moderator."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    member = django_user_model.objects.create_user("camille", "camille@example.org", PASSWORD)
    Membership.objects.create(user=member, centre=Centre.objects.get(name="CENTRE SOCIAL D'EMPALOT"))
    moderator = django_user_model.objects.create_user("federation", "moderation@example.org", PASSWORD)
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_action"))
    return member, moderator


def test_a_member_reprend_an_action_and_a_moderator_reviews_and_publishes_it(live_server, new_page, people, mailoutbox):
    base = live_server.url

    # The member takes the source into their centre and adapts it.
    page = new_page()
    log_in(page, base, "camille", PASSWORD)
    page.goto(base + SOURCE)
    page.get_by_role("link", name="Reprendre cette action dans mon centre").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Reprendre « {SOURCE_TITLE} »")
    page.get_by_label("Titre de l'action").fill(TITLE)
    page.get_by_label("Année(s) de l'action").fill("2025")
    expect(page.locator("#id_financement-0-label")).to_have_value("Autofinancement")
    total = page.locator("#funding-total")
    expect(total).to_have_text(re.compile(r"^21\s280,00$"))
    page.locator("#id_financement-0-amount").fill("5 000")  # in the page: the total follows as one types
    expect(total).to_have_text(re.compile(r"^21\s780,00$"))

    page.get_by_role("button", name="Prévisualiser").click()
    preview = page.get_by_role("region", name="Aperçu de la fiche")
    expect(preview.get_by_role("heading", level=2, name=TITLE)).to_be_visible()
    expect(preview.locator("table.funding")).to_contain_text("5\u00a0000,00 €")
    preview.get_by_role("link", name="Revenir au formulaire").first.click()
    expect(page.locator("#id_financement-0-amount")).to_have_value("5 000")

    page.get_by_role("button", name="Envoyer pour validation").click()
    expect(page.get_by_role("row").filter(has_text=TITLE)).to_contain_text("En attente de validation")
    reprise = Action.objects.get(title=TITLE)
    assert reprise.inspired_by.slug == "mise-en-place-sejour-au-ski-interquartier"

    # The moderator finds it in the queue, with its checks, and reviews it against the source.
    moderation = new_page()
    log_in(moderation, base, "federation", PASSWORD)
    moderation.goto(base + "/espace/moderation/")
    row = moderation.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Total incohérent")
    row.get_by_role("link", name=TITLE).click()
    checks = moderation.get_by_role("region", name="Contrôles automatiques")
    expect(checks).to_contain_text("Total incohérent")
    expect(checks).to_contain_text("21\u00a0780")
    diff = moderation.get_by_role("region", name=re.compile("^Ce que le centre a adapté"))
    expect(diff.get_by_role("link", name=SOURCE_TITLE)).to_be_visible()
    funding = diff.get_by_role("row").filter(has_text="Lignes de financement")
    expect(funding.locator("del")).to_contain_text("4\u00a0500")
    expect(funding.locator("ins")).to_contain_text("5\u00a0000")
    unchanged = diff.get_by_role("row").filter(has_text="Description générale")
    expect(unchanged).to_be_hidden()
    diff.get_by_role("link", name="Afficher toutes les rubriques").click()
    expect(unchanged).to_be_visible()
    diff.get_by_role("link", name="Modifications seulement").click()
    expect(unchanged).to_be_hidden()

    mailoutbox.clear()
    moderation.get_by_label("Votre message au centre").fill("Le total déclaré est-il encore 21 280 € ?")
    moderation.get_by_role("button", name="Envoyer le message au centre").click()
    expect(moderation.get_by_role("region", name=re.compile("^Échanges avec le centre"))).to_contain_text(
        "Le total déclaré est-il encore 21 280 € ?"
    )
    assert [message.to for message in mailoutbox] == [["camille@example.org"]]

    moderation.get_by_role("button", name="Valider et publier").click()
    expect(moderation.get_by_role("status").first).to_contain_text(f"« {TITLE} » est publiée.")

    # Both sheets show the link.
    visitor = new_page()
    visitor.goto(base + reprise.get_absolute_url())
    expect(visitor.locator(".sheet__source")).to_contain_text(f"Inspirée de {SOURCE_TITLE}")
    visitor.locator(".sheet__source a").first.click()
    expect(visitor.get_by_role("heading", name="Reprise par 1 centre")).to_be_visible()
    expect(visitor.locator(".reuse").get_by_role("link", name=TITLE)).to_be_visible()
