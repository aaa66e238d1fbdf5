"""In a real browser: a member reprend another centre's action into their centre; once published, both sheets
show the link; a visitor writes to a centre. axe-core finds no violation on these pages, at 1280 and 390 px."""

import re

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from actions_catalog.core import moderation
from actions_catalog.core.models import Action
from centres.models import Centre, Membership
from tests.browser.pages import WIDTHS, log_in, violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOURCE = "/actions/mise-en-place-sejour-au-ski-interquartier/"
TITLE = "Séjour au ski pour les jeunes d'Empalot"
PASSWORD = "Jardin-2024-partage"


@pytest.fixture
def member(django_user_model, site, settings):
    """The seed imported (by ``site``), a member of one centre of Toulouse."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = django_user_model.objects.create_user("camille", "camille@example.org", PASSWORD)
    Membership.objects.create(user=user, centre=Centre.objects.get(name="CENTRE SOCIAL D'EMPALOT"))
    return user


def test_a_member_reprend_an_action_and_once_published_both_sheets_show_the_link(
    live_server, new_page, member, django_user_model
):
    base = live_server.url
    page = new_page()
    log_in(page, base, "camille", PASSWORD)
    page.goto(base + SOURCE)
    page.get_by_role("link", name="Reprendre cette action dans mon centre").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Reprendre « Mise en place séjour au ski interquartier »")
    expect(page.get_by_label("Titre de l'action")).to_have_value("Mise en place séjour au ski interquartier")
    expect(page.locator("#id_financement-0-label")).to_have_value("Autofinancement")
    expect(page.get_by_role("radio", name="CENTRE SOCIAL D'EMPALOT")).to_be_checked()
    page.get_by_label("Titre de l'action").fill(TITLE)
    page.get_by_label("Année(s) de l'action").fill("2025")
    page.get_by_role("button", name="Envoyer pour validation").click()
    expect(page.get_by_role("row").filter(has_text=TITLE)).to_contain_text("En attente de validation")

    moderator = django_user_model.objects.create_user("federation", "moderation@example.org", "Valider-2024")
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_action"))
    reprise = Action.objects.get(title=TITLE)
    moderation.approve(reprise, django_user_model.objects.get(pk=moderator.pk))

    public = new_page()
    public.goto(base + reprise.get_absolute_url())
    expect(public.locator(".sheet__source")).to_have_text(
        "Inspirée de Mise en place séjour au ski interquartier, une action de "
        "MAISON DE QUARTIER CENTRE- Association BELLIDEE"
    )
    public.locator(".sheet__source a").first.click()
    expect(public.get_by_role("heading", name="Reprise par 1 centre")).to_be_visible()
    public.locator(".reuse").get_by_role("link", name=TITLE).click()
    expect(public).to_have_url(re.compile(re.escape(reprise.get_absolute_url()) + "$"))


def test_a_visitor_writes_to_a_centre_without_javascript(browser, site, mailoutbox):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.goto(site + SOURCE)
    page.get_by_role("link", name="Contacter le centre").click()

    page.get_by_label("Votre nom").fill("Ana Martin")
    page.get_by_label("Votre adresse e-mail").fill("ana@example.org")
    page.get_by_label("Votre message").fill("Bonjour, combien de jeunes sont partis ?")
    page.get_by_role("button", name="Envoyer le message").click()

    expect(page.get_by_role("status")).to_contain_text("Votre message est envoyé")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mise en place séjour au ski interquartier")
    [message] = mailoutbox
    assert message.reply_to == ["ana@example.org"]
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_no_axe_violation_on_the_new_pages(browser, member, width, live_server):
    base = live_server.url
    source = Action.objects.get(slug="mise-en-place-sejour-au-ski-interquartier")
    taken = Action.objects.get(slug="samedis-festifs")
    Action.objects.filter(pk=taken.pk).update(inspired_by=source)
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": WIDTHS[width]})
    page = context.new_page()
    found = {}

    def check(name):
        problems = violations(page)
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            problems.append("the page scrolls sideways")
        if problems:
            found[name] = problems

    for path in (SOURCE, taken.get_absolute_url(), SOURCE + "contact/"):
        page.goto(base + path)
        check(path)
    page.get_by_role("button", name="Envoyer le message").click()  # every field missing
    expect(page.get_by_role("alert")).to_contain_text("Votre message n'est pas envoyé")
    check("contact, with errors")

    log_in(page, base, "camille", PASSWORD)
    page.goto(base + SOURCE)
    check("sheet, as a member")
    page.get_by_role("link", name="Reprendre cette action dans mon centre").click()
    check("the reprise form")
    context.close()
    assert found == {}
