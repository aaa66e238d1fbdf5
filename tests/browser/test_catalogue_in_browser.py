"""The public catalogue in a real browser: filters applied on tick, with and without JavaScript, the keyboard,
search, an action and its centre, the map, the filter panel of narrow screens."""

import re

import pytest
from playwright.sync_api import expect

from actions_catalog.core.text import normalize_key

pytestmark = pytest.mark.browser


def option(page, facet: str, value: str):
    return page.locator(f'#facette-{facet} input[name="{facet}"][value="{value}"]')


def facet_count(page, facet: str, value: str) -> int:
    return int(page.locator(f'#facette-{facet} label:has(input[value="{value}"]) .n').inner_text())


def test_a_ticked_option_applies_at_once_and_back_returns_to_the_previous_filters(page, site):
    page.goto(f"{site}/actions/")
    results = page.locator("#resultats-titre")
    expect(results).to_have_text("22 actions publiées")
    assert facet_count(page, "public", "jeunesse") == 4

    option(page, "keyword", "culture").check()
    expect(results).to_have_text("4 actions trouvées")
    assert page.url.endswith("/actions/?keyword=culture")
    assert facet_count(page, "public", "jeunesse") == 2  # the public counts now apply the keyword
    assert facet_count(page, "keyword", "parentalite") == 10  # the keyword counts ignore their own facet
    expect(page.locator("#annonce")).to_have_text("4 actions trouvées")  # said to screen readers
    assert page.evaluate("document.activeElement.value") == "culture"  # focus stays on the ticked box

    option(page, "public", "jeunesse").check()
    expect(results).to_have_text("2 actions trouvées")
    assert page.url.endswith("?keyword=culture&public=jeunesse")  # the newest filter last
    expect(page.locator(".chip")).to_have_count(2)

    page.select_option("#tri", "title")
    expect(page).to_have_url(re.compile(r"sort=title"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"\?keyword=culture&public=jeunesse$"))
    page.go_back()
    expect(results).to_have_text("4 actions trouvées")
    expect(option(page, "public", "jeunesse")).not_to_be_checked()
    page.locator(".chip", has_text="Culture").click()  # remove one filter
    expect(results).to_have_text("22 actions publiées")


def test_without_javascript_the_buttons_apply_the_filters(browser, site):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/actions/")
    option(page, "keyword", "culture").check()
    expect(page.locator("#resultats-titre")).to_have_text("22 actions publiées")  # nothing happens by itself
    page.get_by_role("button", name="Appliquer les filtres").click()
    expect(page.locator("#resultats-titre")).to_have_text("4 actions trouvées")
    page.select_option("#tri", "title")
    page.get_by_role("button", name="Appliquer", exact=True).click()
    expect(page).to_have_url(re.compile(r"sort=title"))
    assert "keyword=culture" in page.url
    titles = page.locator(".result__title").all_inner_texts()
    assert len(titles) == 4 and titles == sorted(titles, key=normalize_key)
    page.locator("#facette-keyword summary").click()  # "Voir les N autres options" opens without script
    expect(page.locator("#facette-keyword .facet__more li").first).to_be_visible()
    context.close()


def test_a_long_facet_filters_its_options_as_one_types(page, site):
    page.goto(f"{site}/actions/")
    page.locator("#facette-keyword summary").click()
    box = page.get_by_label("Filtrer la liste : mots clés")
    box.fill("sante")  # accents and case ignored
    visible = page.locator("#facette-keyword .facet__more li:visible")
    expect(visible).to_have_count(1)
    expect(visible).to_contain_text("Santé")
    box.press("Enter")  # never submits the form
    assert page.url.endswith("/actions/")
    visible.locator("input").check()
    expect(page.locator("#resultats-titre")).to_have_text("1 action trouvée")
    expect(page.locator("#facette-keyword .facet__list").first.locator("li").first).to_contain_text("Santé")


def test_keyboard_only_filter_open_a_result_and_come_back_to_the_same_page(page, site):
    page.goto(f"{site}/actions/")

    def tab_until(predicate: str, key="Tab", limit=40) -> int:
        for presses in range(1, limit + 1):
            page.keyboard.press(key)
            if page.evaluate(f"(() => {{ const e = document.activeElement; return {predicate}; }})()"):
                return presses
        raise AssertionError(f"not reached in {limit} presses: {predicate}")

    # From the top of the page, the skip link leads to the results: a few presses to the first one.
    assert tab_until("e.textContent === 'Aller aux résultats'") == 1
    page.keyboard.press("Enter")
    assert tab_until("e.closest('.result') !== null") <= 4

    # The second skip link leads to the filters; Space ticks an option, which applies at once.
    page.keyboard.press("Shift+Tab")
    page.goto(f"{site}/actions/")
    tab_until("e.textContent === 'Aller aux filtres'")
    page.keyboard.press("Enter")
    tab_until("e.name === 'keyword' && e.value === 'vacances-loisirs'")
    page.keyboard.press("Space")
    expect(page.locator("#resultats-titre")).to_have_text("11 actions trouvées")
    assert page.evaluate("document.activeElement.value") == "vacances-loisirs"

    # Back up to the results, open one, and come back with "Retour aux résultats".
    tab_until("e.closest('.result__title') !== null", key="Shift+Tab")
    title = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    tab_until("e.textContent === 'Retour aux résultats'")
    page.keyboard.press("Enter")
    expect(page.locator("#resultats-titre")).to_have_text("11 actions trouvées")
    assert page.url.endswith("/actions/?keyword=vacances-loisirs")
    expect(option(page, "keyword", "vacances-loisirs")).to_be_checked()


def test_search_open_an_action_and_follow_its_centre(page, site):
    page.goto(site)
    page.get_by_label("Rechercher une action").fill("lanternes")
    page.get_by_role("button", name="Rechercher").click()
    first = page.locator(".result").first
    expect(first.locator("h3")).to_have_text("Les lumières de la paix")
    expect(first.locator("mark").first).to_be_visible()

    first.get_by_role("link", name="Les lumières de la paix").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Les lumières de la paix")
    expect(page.get_by_role("link", name="Retour aux résultats")).to_have_attribute("href", "/actions/?q=lanternes")
    centre_link = page.locator(".sheet__by a")
    centre_name = centre_link.inner_text()
    centre_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(centre_name)
    expect(page.get_by_role("link", name="Les lumières de la paix")).to_be_visible()


def test_map_departement_leads_to_its_actions(page, site):
    page.goto(site)
    page.locator('a[aria-label^="Val-de-Marne (94)"]').click()
    expect(page.locator("#resultats-titre")).to_have_text("2 actions trouvées")


def test_on_a_narrow_screen_the_filters_open_as_a_panel(browser, site):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{site}/actions/?keyword=culture")
    filters = page.locator("#filtres")
    expect(filters).to_be_hidden()
    opener = page.get_by_role("button", name=re.compile(r"^Filtrer \(1"))
    opener.click()
    expect(filters).to_be_visible()
    expect(filters).to_have_attribute("role", "dialog")
    option(page, "public", "jeunesse").check()  # applies at once; the panel stays open
    expect(page.get_by_role("button", name="Voir les résultats (2)")).to_be_visible()
    page.keyboard.press("Escape")
    expect(filters).to_be_hidden()
    expect(page.get_by_role("button", name=re.compile(r"^Filtrer \(2"))).to_be_focused()
    context.close()
