"""Issue 14's pages in a real browser at 1280 and 390 px: a sheet whose partners are grouped by role, and the
member form's funding rows with their « Remboursement ou dépense » box. No axe violation, no sideways scroll; a
refund typed in the browser is saved negative. Screenshots go to ``$SCREENSHOTS_DIR`` when it is set."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from actions_catalog.core.models import Action
from actions_catalog.core.sheet import FundingLineData, PartnerGroup
from centres.models import Centre, Membership
from tests.browser.pages import WIDTHS, log_in, violations
from tests.factories import make_action

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def problems_of(page) -> list[str]:
    found = violations(page)
    if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        found.append("the page scrolls sideways")
    return found


def shoot(page, name: str, selector: str | None = None):
    if folder := os.environ.get("SCREENSHOTS_DIR"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        path = str(Path(folder) / f"{name}.png")
        page.locator(selector).screenshot(path=path) if selector else page.screenshot(path=path, full_page=True)


@pytest.fixture
def member(django_user_model, site, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    centre = Centre.objects.get(name="CENTRE SOCIAL D'EMPALOT")
    user = django_user_model.objects.create_user("camille", "camille@example.org", "Jardin-2024-partage")
    Membership.objects.create(user=user, centre=centre)
    return centre


@pytest.mark.parametrize("width", WIDTHS)
def test_a_sheet_with_partners_by_role(browser, site, width):
    action = make_action(
        "Séjour des familles à la montagne",
        Centre.objects.get(name="CENTRE SOCIAL D'EMPALOT"),
        keywords=["vacances / loisirs", "Parentalité", "Mixité sociale"],
        partners=["Mairie de Toulouse", "ANCV", "CAF de la Haute-Garonne"],
        partner_groups=[
            PartnerGroup("Partenaires d'action", ["Mairie de Toulouse"]),
            PartnerGroup("Partenaires financiers", ["ANCV", "CAF de la Haute-Garonne"]),
        ],
        funding_text="Coût du séjour : 9 000 €\nCAF : 6 000 €\nRemboursement d'acompte : -200 €",
        funding_lines=[
            FundingLineData("CAF", Decimal("6000")),
            FundingLineData("Remboursement d'acompte", Decimal("-200")),
        ],
        declared_total=Decimal("9000"),
    )
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": WIDTHS[width]})
    page = context.new_page()
    page.goto(site + action.get_absolute_url())
    partners = page.locator(".facts__partners")
    expect(partners.locator(".facts__role")).to_have_text(["Partenaires d'action", "Partenaires financiers"])
    expect(partners.get_by_role("link")).to_have_text(["Mairie de Toulouse", "ANCV", "CAF de la Haute-Garonne"])
    shoot(page, f"detail-roles-{width}")
    assert problems_of(page) == []
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_refund_in_the_member_form(browser, live_server, member, width):
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": WIDTHS[width]})
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, live_server.url, "camille", "Jardin-2024-partage")
    page.get_by_role("link", name="Proposer une action").click()
    page.get_by_label("Titre de l'action").fill(f"Sortie au lac ({width})")
    page.get_by_label("Année(s) de l'action").fill("2024")
    page.get_by_role("radio", name="En cours").check()
    page.locator("#id_financement-0-label").fill("CAF")
    page.locator("#id_financement-0-amount").fill("1 000")
    page.locator("#id_financement-1-label").fill("Acompte remboursé")
    page.locator("#id_financement-1-amount").fill("-200")
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    # Refused without the mark, with a message by the field; the box is a labelled checkbox.
    expect(page.locator("#erreurs")).to_contain_text("Un montant ne peut pas être négatif.")
    page.locator("#financement").scroll_into_view_if_needed()
    shoot(page, f"form-refund-refused-{width}", "#financement")
    assert problems_of(page) == []
    page.get_by_role("checkbox", name="Remboursement ou dépense").nth(1).check()
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_role("status")).to_contain_text("est enregistré")
    action = Action.objects.get(title=f"Sortie au lac ({width})")
    assert list(action.funding_lines.values_list("amount", flat=True)) == [Decimal("1000.00"), Decimal("-200.00")]
    context.close()
