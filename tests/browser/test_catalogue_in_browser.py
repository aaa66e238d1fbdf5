"""The public catalogue in a real browser: filter, search, open an action, follow its centre; axe-core checks."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def facet_count(page, facet: str, value: str) -> int:
    return int(page.locator(f'label[for="f-{facet}-{value}"] .facet__count').inner_text())


def test_choosing_a_keyword_and_a_public_changes_results_and_counts(page, site):
    page.goto(f"{site}/actions/")
    results = page.locator("#resultats-titre")
    expect(results).to_have_text("22 actions publiées")
    assert facet_count(page, "public", "jeunesse") == 4

    page.get_by_label(re.compile(r"^Culture")).check()
    page.get_by_role("button", name="Appliquer les filtres").click()
    expect(results).to_have_text("4 actions trouvées")
    assert facet_count(page, "public", "jeunesse") == 2  # the public counts now apply the keyword
    assert facet_count(page, "keyword", "parentalite") == 10  # the keyword counts ignore their own facet
    assert page.locator(".result").count() == 4

    page.get_by_label(re.compile(r"^Jeunesse")).check()
    page.get_by_role("button", name="Appliquer les filtres").click()
    expect(results).to_have_text("2 actions trouvées")
    assert "keyword=culture" in page.url and "public=jeunesse" in page.url
    assert page.locator(".chip").count() == 2

    page.locator(".chip", has_text="Culture").click()  # remove one filter
    expect(results).to_have_text("4 actions trouvées")
    page.get_by_role("link", name="Réinitialiser").click()
    expect(results).to_have_text("22 actions publiées")


def test_search_open_an_action_and_follow_its_centre(page, site):
    page.goto(site)
    page.get_by_label("Rechercher une action").fill("lanternes")
    page.get_by_role("button", name="Rechercher").click()
    first = page.locator(".result").first
    expect(first.locator("h3")).to_have_text("Les lumières de la paix")
    expect(first.locator("mark").first).to_be_visible()

    first.get_by_role("link", name="Les lumières de la paix").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Les lumières de la paix")
    centre_link = page.locator(".sheet__lead a")
    centre_name = centre_link.inner_text()
    centre_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(centre_name)
    expect(page.get_by_role("link", name="Les lumières de la paix")).to_be_visible()


def test_map_departement_leads_to_its_actions(page, site):
    page.goto(site)
    page.locator('a[aria-label^="Val-de-Marne (94)"]').click()
    expect(page.locator("#resultats-titre")).to_have_text("2 actions trouvées")


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/actions/",
        "/actions/?keyword=culture&public=jeunesse&q=jeunes",
        "/actions/?departement=2A",
        "/actions/les-lumieres-de-la-paix/",
        "/actions/?page=abc",
    ],
)
def test_axe_finds_no_serious_violation(page, site, path):
    page.goto(site + path)
    assert serious_violations(page) == []


def test_axe_finds_no_serious_violation_on_a_centre_page(page, site):
    page.goto(f"{site}/actions/les-lumieres-de-la-paix/")
    page.locator(".sheet__lead a").click()
    expect(page.get_by_role("heading", level=2, name=re.compile("Ses actions"))).to_be_visible()
    assert serious_violations(page) == []
