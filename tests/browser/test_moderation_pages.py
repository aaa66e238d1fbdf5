"""The moderation tools in a real browser: axe finds no violation on the queue, the review page, the centre's messages
and « Signaler une erreur » at 1280 and 390 px (nothing scrolls sideways); the diff toggle and « Tout sélectionner »
work at once with JavaScript; the report form is used with the keyboard alone."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from actions_catalog.core import comments
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.mapper import sheet_from_action, sheet_to_json
from actions_catalog.core.models import Action
from actions_catalog.core.sheet import FundingLineData
from actions_catalog.core.submission_models import (
    ActionRevision,
    DuplicateConfirmation,
    ErrorReport,
    EventVerb,
    KeywordSuggestion,
    ModerationEvent,
    RevisionState,
)
from centres.models import Membership
from tests.browser.pages import WIDTHS, violations
from tests.factories import make_action

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REVISED = "les-lumieres-de-la-paix"


@pytest.fixture
def moderation(site, django_user_model, settings):
    """The seed sheets, a member of one centre, a moderator, and a queue with something of each kind."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    published = Action.objects.select_related("centre").get(slug=REVISED)
    centre = published.centre
    member = django_user_model.objects.create_user("camille", "camille@example.org", "x")
    Membership.objects.create(user=member, centre=centre)
    moderator = django_user_model.objects.create_user("federation", "moderation@example.org", "x")
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_action"))

    sheet = sheet_from_action(Action.objects.with_sheet_relations().get(pk=published.pk))
    sheet.summary = (
        sheet.summary.replace("la paix", "la paix et de la fraternité", 1) + "\nUne deuxième édition est prévue."
    )
    sheet.declared_total = Decimal("12000.00")
    sheet.funding_lines = [FundingLineData("Ville", Decimal("5000.00")), FundingLineData("Bailleur social")]
    revision = ActionRevision.objects.create(
        action=published,
        data=sheet_to_json(sheet),
        state=RevisionState.PENDING,
        author=member,
        submitted_at=timezone.now() - timedelta(days=3),
    )
    ModerationEvent.objects.create(action=published, revision=revision, actor=member, verb=EventVerb.SUBMITTED)
    new = make_action(
        "Jardin partagé au pied des immeubles",
        centre,
        state=PublicationState.PENDING,
        submitted_by=member,
        summary="Les habitants cultivent ensemble un potager.",
    )
    ModerationEvent.objects.create(action=new, actor=member, verb=EventVerb.SUBMITTED)
    DuplicateConfirmation.objects.create(action=new, similar_action=published, similar_title=published.title)
    KeywordSuggestion.objects.create(action=new, label="Jardinage urbain", suggested_by=member)
    comments.add_comment(new, moderator, "Pouvez-vous préciser le public ?", from_moderation=True)
    comments.add_comment(
        new, member, "Les familles du quartier,\net les enfants du centre de loisirs.", from_moderation=False
    )
    for n in range(2):
        ErrorReport.objects.create(
            action=published, message=f"L'adresse du centre a changé ({n}).", email="ana@example.org"
        )
    return {"published": published, "new": new, "member": member, "moderator": moderator}


def logged_in(browser, base, user, width=1280):
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": WIDTHS[width]})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base}])
    return context


def problems_of(page) -> list[str]:
    found = violations(page)
    if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        found.append("the page scrolls sideways")
    return found


@pytest.mark.parametrize("width", WIDTHS)
def test_no_axe_violation_on_the_moderation_pages(browser, site, moderation, width):
    published, new = moderation["published"], moderation["new"]
    found = {}
    moderator = logged_in(browser, site, moderation["moderator"], width)
    page = moderator.new_page()
    for path in (
        "/espace/moderation/",
        "/espace/moderation/?region=76&controle=doublon-confirme",
        f"/espace/moderation/actions/{published.slug}/",
        f"/espace/moderation/actions/{published.slug}/?rubriques=toutes",
        f"/espace/moderation/actions/{new.slug}/",
    ):
        page.goto(site + path)
        if problems := problems_of(page):
            found[path] = problems
    member = logged_in(browser, site, moderation["member"], width).new_page()
    member.goto(site + f"/espace/actions/{new.slug}/echanges/")
    if problems := problems_of(member):
        found["messages"] = problems
    visitor = browser.new_context(locale="fr-FR", viewport={"width": width, "height": WIDTHS[width]}).new_page()
    visitor.goto(site + f"/actions/{published.slug}/signaler/")
    if problems := problems_of(visitor):
        found["report"] = problems
    visitor.get_by_role("button", name="Envoyer le signalement").click()  # empty: the errors shown
    expect(visitor.locator(".error-summary")).to_be_visible()
    if problems := problems_of(visitor):
        found["report with errors"] = problems
    assert found == {}


def test_the_diff_toggle_shows_and_hides_unchanged_sections_at_once(browser, site, moderation):
    page = logged_in(browser, site, moderation["moderator"]).new_page()
    page.goto(site + f"/espace/moderation/actions/{REVISED}/")
    title_row = page.get_by_role("row", name=re.compile("^Titre"))
    summary_row = page.get_by_role("row", name=re.compile("^Résumé"))
    expect(title_row).to_be_hidden()
    expect(summary_row.locator("ins").first).to_contain_text("et de la fraternité")
    checks = page.locator("section.checks")
    expect(checks).to_contain_text("Total incohérent")
    expect(checks).to_contain_text("Ligne sans montant")

    page.get_by_role("link", name="Afficher toutes les rubriques").click()
    expect(title_row).to_be_visible()
    assert "rubriques=toutes" in page.url
    page.get_by_role("link", name="Modifications seulement").click()
    expect(title_row).to_be_hidden()
    expect(summary_row).to_be_visible()
    assert "rubriques" not in page.url


def test_the_whole_page_of_the_queue_is_selected_and_published(browser, site, moderation, mailoutbox):
    page = logged_in(browser, site, moderation["moderator"]).new_page()
    page.goto(site + "/espace/moderation/")
    page.get_by_label("Tout sélectionner sur cette page").check()
    expect(page.get_by_text("2 fiches sélectionnées")).to_be_visible()
    page.get_by_role("button", name="Publier la sélection").click()

    expect(page.get_by_role("status")).to_contain_text("2 fiches publiées")
    assert set(
        Action.objects.filter(pk__in=[moderation["new"].pk, moderation["published"].pk]).values_list("state", flat=True)
    ) == {PublicationState.PUBLISHED}
    assert ActionRevision.objects.get().state == RevisionState.APPLIED
    expect(page.get_by_text("Aucune fiche en attente.")).to_be_visible()


def test_an_error_is_reported_with_the_keyboard_alone(browser, site, moderation, mailoutbox):
    mailoutbox.clear()  # the messages of the fixture's comments
    page = browser.new_context(locale="fr-FR").new_page()
    page.goto(site + f"/actions/{REVISED}/")
    page.get_by_role("link", name="Signaler une erreur").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Signaler une erreur")
    page.get_by_label("Qu'est-ce qui est inexact ?").focus()
    page.keyboard.type("Le centre a déménagé.")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Votre adresse e-mail (facultatif)")).to_be_focused()
    page.keyboard.press("Tab")  # the honeypot is out of the tab order
    expect(page.get_by_role("button", name="Envoyer le signalement")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("Merci : votre signalement est transmis")
    assert ErrorReport.objects.filter(message="Le centre a déménagé.").exists()
    assert [message.to for message in mailoutbox] == [["moderation@example.org"]]


def test_a_moderator_reads_the_checks_and_the_diff_writes_to_the_centre_then_approves(
    browser, site, moderation, mailoutbox
):
    mailoutbox.clear()
    page = logged_in(browser, site, moderation["moderator"]).new_page()
    page.goto(site + "/espace/moderation/")
    page.locator("table.queue").get_by_role("link", name="Les lumières de la paix").click()
    expect(page.locator("section.checks")).to_contain_text("Total incohérent")
    expect(page.get_by_role("row", name=re.compile("^Résumé")).locator("ins").first).to_be_visible()

    page.get_by_label("Votre message au centre").fill("Le total déclaré ne correspond pas aux lignes.")
    page.get_by_role("button", name="Envoyer le message au centre").click()
    expect(page.get_by_role("status")).to_contain_text("Votre message est envoyé au centre.")
    expect(page.locator(".conversation")).to_contain_text("Le total déclaré ne correspond pas aux lignes.")
    assert [message.to for message in mailoutbox] == [["camille@example.org"]]

    page.get_by_role("button", name="Valider et publier").click()
    expect(page.get_by_role("status")).to_contain_text("« Les lumières de la paix » est publiée.")
    published = Action.objects.get(slug=REVISED)
    assert published.declared_total == Decimal("12000.00")
    assert ModerationEvent.objects.get(action=published, verb=EventVerb.APPROVED).reason.startswith(
        "Publiée malgré les contrôles automatiques : Total incohérent"
    )
