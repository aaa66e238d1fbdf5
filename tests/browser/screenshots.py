"""``make screenshots``: every public page at 1280 and 390 px, written to ``docs/screenshots/``.

Not part of ``make test`` (the file name is not ``test_*.py``): ``make screenshots`` runs it alone. It uses the
browser tests' fixtures (live server, Debian's Chromium) on the test database, filled with the seed sheets plus
2,000 generated actions of 200 centres, so that the pages look as they do with a real catalogue. Long pages are
cut at ``MAX_HEIGHT`` pixels.
"""

from pathlib import Path

import pytest

from tests.browser.pages import WIDTHS

pytestmark = pytest.mark.browser

OUTPUT = Path(__file__).resolve().parent.parent.parent / "docs" / "screenshots"
MAX_HEIGHT = 2400
PAGES = [
    ("accueil", "/"),
    ("liste", "/actions/"),
    ("liste-filtree", "/actions/?region=84&keyword=culture&public=familles"),
    ("liste-vide", "/actions/?keyword=culture&q=zythologie"),
    ("suivre", "/suivre/?region=84&keyword=culture&public=familles"),
    ("fiche", "/actions/mise-en-place-sejour-au-ski-interquartier/"),
    ("fiche-contact", "/actions/mise-en-place-sejour-au-ski-interquartier/contact/"),
    ("fiche-signaler", "/actions/mise-en-place-sejour-au-ski-interquartier/signaler/"),
    ("centres", "/centres/"),
    ("centre", None),  # the centre with the most actions
    ("page-introuvable", "/nexiste-pas/"),
    ("connexion", "/comptes/connexion/"),
    ("mentions-legales", "/mentions-legales/"),
    ("accessibilite", "/accessibilite/"),
    ("donnees-personnelles", "/donnees-personnelles/"),
    ("contact", "/contact/"),
    ("donnees-ouvertes", "/donnees/"),
]


@pytest.fixture
def catalogue(site):
    from django.db.models import Count

    from actions_catalog.core.writer import SheetLoader
    from centres.models import Centre
    from importers.parser import parse_text
    from importers.synthetic import SheetGenerator

    generated = parse_text("".join(SheetGenerator(actions=2000, centres=200, seed=1).lines()), "generated.txt")
    SheetLoader().load(generated.sheets)
    busiest = Centre.objects.annotate(n=Count("actions")).order_by("-n", "pk").first()
    return site, busiest.get_absolute_url()


def test_screenshots(browser, catalogue):
    site, busiest_centre = catalogue
    OUTPUT.mkdir(parents=True, exist_ok=True)
    for width, height in WIDTHS.items():
        context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
        page = context.new_page()
        for name, path in PAGES:
            page.goto(site + (path or busiest_centre))
            _shoot(page, f"{name}-{width}")
            if name == "liste" and width < 960:  # the panel of filters of narrow screens
                page.locator(".filters-open").click()
                _shoot(page, f"liste-filtres-{width}", full=False)
        context.close()


def _shoot(page, name: str, *, full: bool = True):
    height = page.evaluate("document.documentElement.scrollHeight") if full else page.viewport_size["height"]
    clip = {"x": 0, "y": 0, "width": page.viewport_size["width"], "height": min(height, MAX_HEIGHT)}
    page.screenshot(path=OUTPUT / f"{name}.png", full_page=full, clip=clip)
