"""The member's sheet form in a real browser: funding lines added and removed in the page (the total read as the
server reads amounts, a chosen file kept), the keyword picker by keyboard, the preview, the autosave; axe finds
no violation on the form's pages at 1280 and 390 px."""

import io
import re
from decimal import Decimal

import pytest
from PIL import Image
from playwright.sync_api import expect

from actions_catalog.core.amounts import parse_amount
from actions_catalog.core.autosaves import FormAutosave
from actions_catalog.core.models import Action
from actions_catalog.core.submission_models import Attachment
from centres.models import Centre, Membership, MembershipInvitation
from tests.browser.pages import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Jardin-2024-partage"
BARCELONA = "sejour-autofinance-barcelone"


@pytest.fixture
def member(django_user_model, site):
    """A member of the centre of the Barcelona sheet (the seed imported by ``site``)."""
    centre = Centre.objects.get(name="CENTRE SOCIAL D'EMPALOT")
    user = django_user_model.objects.create_user("camille", "camille@example.org", PASSWORD)
    Membership.objects.create(user=user, centre=centre)
    return user


def logged_in(browser, site, *, width=1280, height=900):
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": height})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(site + "/comptes/connexion/")
    page.get_by_label("Nom d’utilisateur").fill("camille")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    return page


def png() -> dict:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return {"name": "affiche.png", "mimeType": "image/png", "buffer": buffer.getvalue()}


def chosen_files(page) -> int:
    return page.evaluate("document.getElementById('id_attachments').files.length")


def test_funding_lines_are_added_and_removed_in_the_page_and_the_chosen_file_stays(browser, site, member):
    page = logged_in(browser, site)
    page.get_by_role("link", name="Proposer une action").click()
    page.evaluate("window.sameDocument = true")  # gone if the page reloads
    page.get_by_label("Titre de l'action").fill("Potager partagé")
    page.get_by_label("Année(s) de l'action").fill("2024")
    page.get_by_role("radio", name="En cours").check()
    page.set_input_files("#id_attachments", png())
    page.locator("#id_financement-0-label").fill("Ville de Toulouse")
    page.locator("#id_financement-0-amount").fill("1 500")
    page.locator("#id_financement-1-label").fill("CAF")
    page.locator("#id_financement-1-amount").fill("2 000,50 €")
    total = page.locator("#funding-total")
    expect(total).to_have_text(re.compile(r"^3\s500,50$"))

    page.get_by_role("button", name="Ajouter une ligne de financement").click()
    third = page.locator("#id_financement-2-label")
    expect(third).to_be_focused()
    expect(page.get_by_role("group", name="Ligne de financement 3")).to_be_visible()
    page.keyboard.type("Mairie")
    page.locator("#id_financement-2-amount").fill("1.000")
    expect(total).to_have_text(re.compile(r"^4\s500,50$"))
    expect(page.locator("[data-funding-status]")).to_have_text("Ligne de financement 3 ajoutée.")
    assert page.input_value("input[name='financement-TOTAL_FORMS']") == "3"

    page.get_by_role("button", name="Retirer la ligne de financement 1").click()
    expect(total).to_have_text(re.compile(r"^3\s000,50$"))
    expect(page.locator("#id_financement-0-label")).to_have_value("CAF")  # renumbered
    expect(page.locator("#id_financement-1-label")).to_have_value("Mairie")
    expect(page.get_by_role("button", name="Retirer la ligne de financement 1")).to_be_focused()
    assert page.input_value("input[name='financement-TOTAL_FORMS']") == "2"
    assert page.locator("[data-funding-line]").count() == 2
    assert page.evaluate("window.sameDocument") is True
    assert chosen_files(page) == 1

    page.get_by_role("button", name="Enregistrer le brouillon").click()
    expect(page.get_by_role("status").first).to_contain_text("Le brouillon « Potager partagé » est enregistré.")
    action = Action.objects.get(title="Potager partagé")
    assert [(line.label, line.amount) for line in action.funding_lines.all()] == [
        ("CAF", Decimal("2000.50")),
        ("Mairie", Decimal("1000.00")),
    ]
    assert list(Attachment.objects.filter(action=action).values_list("original_name", flat=True)) == ["affiche.png"]


AMOUNTS = [
    "13 500",
    "13 500€",
    "1 500,50 €",
    "21 280.00€",
    "2 000 euros",
    "35 000",
    "1.500",
    "1.500,5",
    "1 250,50",
    "12\u00a0345",
    "12\u202f345,99",
    "0",
    "007",
    "1500.",
    " 42 ",
    "1,5",
    "1.5",
    "10 €uros",
    "2 EUR",
    "2 eur.",
    "2 euro",
    "2 euroé",
    "1 50",
    "1 5000",
    "1,505",
    "-500",
    "500-",
    "abc",
    "",
    "€",
    "9999999999.99",
    "10000000000",
    "99 999 999 999",
    "\u0661\u0665\u0660\u0660",
    "\uff11\uff12",
    "\U0001d7d7\U0001d7ce",
    "3 000,00 euros.",
    "1 234 567",
    "12 34",
    "1.2.3",
    "1,2,3",
    # Issue 14: thousands and signs (a refund or an expense)
    "15k€",
    "15 k€",
    "15k",
    "1,5k€",
    "15 kilos",
    "15kg",
    "-200 €",
    "\u2212200",
    "- 200",
    "-0",
    "--200",
    "10000000k",
]


def test_the_script_reads_amounts_as_the_server_does(browser, site, member):
    page = logged_in(browser, site)
    page.goto(site + "/espace/actions/nouvelle/")
    for signed in (False, True):
        read = page.evaluate(
            "([amounts, signed]) => amounts.map(a => window.sheetFormAmounts.parseAmountCents(a, signed))",
            [AMOUNTS, signed],
        )
        expected = [
            None if (amount := parse_amount(text, signed=signed)) is None else int(amount * 100) for text in AMOUNTS
        ]
        assert dict(zip(AMOUNTS, read, strict=True)) == dict(zip(AMOUNTS, expected, strict=True))


def test_the_keyword_picker_filters_ignoring_accents_and_is_used_by_keyboard(browser, site, member):
    page = logged_in(browser, site)
    page.goto(f"{site}/espace/actions/{BARCELONA}/modifier/")
    options = page.locator("#id_keywords label")
    labels = [text.strip() for text in options.all_inner_texts()]
    from actions_catalog.core.text import normalize_key

    assert labels == sorted(labels, key=normalize_key)  # French order
    chips = page.locator(".picker__chip")
    expect(chips).to_have_count(3)  # the sheet's keywords
    expect(chips.first).to_have_accessible_name("Retirer Démocratie & citoyenneté")

    box = page.get_by_label("Filtrer les mots clés")
    box.focus()
    page.keyboard.type("EDUC")
    visible = page.locator("#id_keywords > div:visible")
    expect(visible).to_have_count(1)
    expect(visible).to_contain_text("éducation / scolarité")
    expect(page.locator("#mots-cles-compte")).to_have_text("1 mot clé correspond à « EDUC ».")
    page.keyboard.press("Enter")  # ticks the one match, sends nothing, empties the box
    expect(page.get_by_role("checkbox", name="éducation / scolarité")).to_be_checked()
    expect(chips).to_have_count(4)
    expect(box).to_have_value("")
    expect(page.locator("#id_keywords > div:visible")).to_have_count(options.count())
    assert "/modifier/" in page.url

    chip = page.get_by_role("button", name=re.compile("^Retirer Parentalité"))
    chip.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("checkbox", name="Parentalité")).not_to_be_checked()
    expect(chips).to_have_count(3)
    expect(page.locator(".picker__chip:focus")).to_have_count(1)  # focus stays among the chips

    box.fill("pétanque")
    expect(page.locator("#mots-cles-compte")).to_have_text("Aucun mot clé ne correspond à « pétanque ».")
    page.get_by_role("button", name="Proposer « pétanque » comme nouveau mot clé").click()
    expect(page.get_by_label("Proposer un nouveau mot clé")).to_have_value("pétanque")
    expect(page.get_by_label("Proposer un nouveau mot clé")).to_be_focused()


def test_the_preview_takes_the_forms_place_and_back_keeps_every_field_and_file(browser, site, member):
    page = logged_in(browser, site)
    page.goto(f"{site}/espace/actions/{BARCELONA}/modifier/")
    page.get_by_label("Résumé", exact=True).fill("Un résumé revu pour l'aperçu.")
    page.set_input_files("#id_attachments", png())
    page.get_by_role("button", name="Prévisualiser").click()
    preview = page.get_by_role("region", name="Aperçu de la fiche")
    expect(preview).to_be_focused()
    expect(preview.get_by_role("heading", level=2, name="Séjour Autofinancé Barcelone")).to_be_visible()
    expect(preview).to_contain_text("Un résumé revu pour l'aperçu.")
    expect(preview.locator("table.funding tfoot")).to_contain_text("17\u00a0601,00 €")
    expect(page.locator("#formulaire")).to_be_hidden()
    assert preview.get_by_role("link", name="Parentalité").get_attribute("target") == "_blank"

    preview.get_by_role("link", name="Revenir au formulaire").first.click()
    expect(page.locator("#formulaire")).to_be_visible()
    expect(page.get_by_role("button", name="Prévisualiser")).to_be_focused()
    expect(page.get_by_label("Résumé", exact=True)).to_have_value("Un résumé revu pour l'aperçu.")
    assert chosen_files(page) == 1
    assert not Action.objects.get(slug=BARCELONA).revisions.exists()


def test_the_form_is_autosaved_every_minute_while_typing(browser, site, member):
    page = logged_in(browser, site)
    page.clock.install()
    page.goto(site + "/espace/actions/nouvelle/")
    status = page.locator("#enregistrement-auto-etat")
    expect(status).to_have_text("Le formulaire est enregistré automatiquement chaque minute pendant la saisie.")
    page.get_by_label("Résumé", exact=True).fill("Des idées, pas encore de titre")
    page.clock.run_for(30_000)
    assert not FormAutosave.objects.exists()  # not before the minute
    page.clock.run_for(31_000)
    expect(status).to_have_text(re.compile(r"^Dernier enregistrement à \d{1,2}\s+h\s+\d{2}$"))
    expect(status).to_have_attribute("role", "status")
    saved = FormAutosave.objects.get()
    assert saved.data["summary"] == ["Des idées, pas encore de titre"] and saved.action is None
    assert not Action.objects.filter(centre__name="CENTRE SOCIAL D'EMPALOT").exclude(slug=BARCELONA).exists()

    page.goto(site + "/espace/actions/nouvelle/")
    page.get_by_role("link", name="Reprendre cet état").click()
    expect(page.get_by_label("Résumé", exact=True)).to_have_value("Des idées, pas encore de titre")


def test_without_javascript_the_form_works_as_before(browser, site, member):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.goto(site + "/comptes/connexion/")
    page.get_by_label("Nom d’utilisateur").fill("camille")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"{site}/espace/actions/{BARCELONA}/modifier/")
    expect(page.get_by_label("Filtrer les mots clés")).to_have_count(0)  # the checkboxes alone
    expect(page.get_by_role("checkbox", name="Parentalité")).to_be_checked()
    lines = page.locator("[data-funding-line]")
    count = lines.count()
    page.get_by_role("button", name="Ajouter une ligne de financement").click()
    expect(page.get_by_text("Une ligne de financement a été ajoutée.")).to_be_visible()
    expect(lines).to_have_count(count + 1)
    expect(page.get_by_role("checkbox", name="Supprimer").first).to_be_visible()  # removal by its box
    page.get_by_role("button", name="Prévisualiser").click()
    expect(page.get_by_role("region", name="Aperçu de la fiche")).to_be_visible()
    expect(page.locator("#formulaire")).to_be_visible()  # below the preview, every field kept
    page.get_by_role("link", name="Revenir au formulaire").first.click()
    assert page.url.endswith("#formulaire")
    context.close()


SIDEWAYS_BOX = "[...document.querySelectorAll('.picker__options')].some(box => box.scrollWidth > box.clientWidth + 1)"


@pytest.mark.parametrize("width", [1280, 390])
def test_no_axe_violation_and_no_sideways_scroll_on_the_members_pages(browser, site, member, width):
    page = logged_in(browser, site, width=width, height=900 if width > 400 else 844)
    FormAutosave.objects.create(user=member, action=None, data={"title": ["Brouillon auto"]})
    centre = Centre.objects.get(name="CENTRE SOCIAL D'EMPALOT")
    MembershipInvitation.objects.create(centre=centre, email="sacha@example.org", user=member, invited_by=member)
    found = {}

    def check(name):
        problems = violations(page)
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            problems.append("the page scrolls sideways")
        # nor does a scroll box within it (options out of sight to the right)
        if page.evaluate(SIDEWAYS_BOX):
            problems.append("a scroll box overflows sideways")
        if problems:
            found[name] = problems

    for path in ("/espace/", "/espace/actions/nouvelle/", f"/espace/actions/{BARCELONA}/modifier/"):
        page.goto(site + path)
        check(path)
    page.goto(f"{site}/espace/centres/{centre.slug}/inviter/")
    check("invitation")
    page.get_by_role("button", name="Envoyer l'invitation").click()  # an error: the summary and the field
    check("invitation with an error")
    page.goto(f"{site}/espace/actions/{BARCELONA}/modifier/")
    page.get_by_label("Filtrer les mots clés").fill("zz")
    check("keyword picker without a match")
    page.get_by_role("button", name="Ajouter une ligne de financement").click()
    page.get_by_role("button", name="Prévisualiser").click()
    expect(page.get_by_role("region", name="Aperçu de la fiche")).to_be_visible()
    check("preview")
    page.context.close()
    assert found == {}
