"""Every public page at 1280 and 390 px: axe-core finds no violation of any impact, nothing scrolls sideways, and
on a phone the first result of the list shows within the first screen. The accessibility statement
(``editorial/defaults.py``) says that these checks are what it rests on."""

import pytest

from tests.browser.pages import WIDTHS, violations

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/actions/",
    "/actions/?keyword=culture&public=jeunesse&q=jeunes",
    "/actions/?keyword=culture&departement=2A",  # empty
    "/actions/les-lumieres-de-la-paix/",
    "/centres/",
    "/nexiste-pas/",
    "/comptes/connexion/",
    "/mentions-legales/",
    "/accessibilite/",
    "/donnees-personnelles/",
    "/contact/",
    "/donnees/",
]


@pytest.mark.parametrize("width", WIDTHS)
def test_no_axe_violation_and_no_sideways_scroll_on_any_page(browser, site, width):
    from actions_catalog.core.models import Action

    centre = Action.objects.get(slug="les-lumieres-de-la-paix").centre
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": WIDTHS[width]})
    page = context.new_page()
    found = {}
    for path in [*PAGES, centre.get_absolute_url()]:
        page.goto(site + path)
        problems = violations(page)
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            problems.append("the page scrolls sideways")
        if problems:
            found[path] = problems
    # The list with "Voir les N" open, the options without result shown, and (narrow) the panel of filters.
    page.goto(site + "/actions/?keyword=culture")
    if width < 960:
        page.locator(".filters-open").click()
    page.locator("#facette-keyword summary").click()
    page.get_by_label("Afficher les options sans résultat").check()
    problems = violations(page)
    if problems:
        found["/actions/?keyword=culture, filters open"] = problems
    context.close()
    assert found == {}


def test_on_a_phone_the_first_result_is_on_the_first_screen(browser, site):
    context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = context.new_page()
    for path in ("/actions/", "/actions/?keyword=culture&public=jeunesse"):
        page.goto(site + path)
        box = page.locator(".result").first.bounding_box()
        assert box["y"] + 60 < 844, (path, box)  # its title at least
    context.close()
