"""A visitor follows a search in a real browser, confirms it from the e-mail, and receives a digest once a new
action is published (the digest job run by the test), then stops it from the digest; the follows' pages have
no axe violation at 1280 and 390 px and do not scroll sideways."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from actions_catalog.follows import tasks, tokens
from actions_catalog.follows.models import Follow
from actions_catalog.jobs import queue, runner
from actions_catalog.jobs.models import JobState
from tests.browser.pages import WIDTHS, violations
from tests.factories import FollowFactory, make_action
from tests.follows.conftest import confirm_path, stop_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_daily_digests():
    job = queue.submit(tasks.DAILY, label="Tâche périodique : digests", dedup_key=f"schedule:{tasks.DAILY}")
    return runner.run(job.pk)


def test_a_visitor_follows_a_search_confirms_it_and_receives_a_digest(page, site, mailoutbox, settings):
    settings.FOLLOWS_DIGEST_SETTLE = timedelta(0)  # no other transaction runs here: no need to wait
    page.goto(f"{site}/actions/?keyword=culture")
    page.get_by_role("link", name=re.compile("^Suivre cette recherche")).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Suivre une recherche")
    expect(page.locator(".criteria")).to_contain_text("Mots clés : Culture")
    page.get_by_label("Votre adresse électronique").fill("lea@example.org")
    page.get_by_label("Chaque jour").check()
    page.get_by_role("button", name="Recevoir le lien de confirmation").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre messagerie")
    expect(page.get_by_role("status")).to_contain_text("lea@example.org")
    [confirmation] = mailoutbox
    assert run_daily_digests().state == JobState.SUCCEEDED
    assert len(mailoutbox) == 1  # not confirmed yet: nothing is sent

    page.goto(site + confirm_path(confirmation))
    assert Follow.objects.get().confirmed_at is None  # opening the link confirms nothing
    page.get_by_role("button", name="Confirmer le suivi").click()
    expect(page).to_have_url(f"{site}/actions/?keyword=culture")
    expect(page.locator(".messages")).to_contain_text("est confirmé")

    assert run_daily_digests().state == JobState.SUCCEEDED
    assert len(mailoutbox) == 1  # nothing new yet: no e-mail
    make_action("Chorale intergénérationnelle", keywords=["Culture"])
    make_action("Jardin partagé", keywords=["Environnement"])
    job = run_daily_digests()

    assert job.state == JobState.SUCCEEDED
    digest = mailoutbox[1]
    assert digest.to == ["lea@example.org"]
    assert digest.subject == "1 nouvelle action : Mots clés : Culture"
    assert "Chorale intergénérationnelle" in digest.body and "Jardin partagé" not in digest.body
    assert digest.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    action_path = re.search(r"https?://[^/\s]+(/actions/chorale[^\s]*)", digest.body).group(1)
    page.goto(site + action_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Chorale intergénérationnelle")

    page.goto(site + stop_path(digest))
    expect(page.get_by_role("heading", level=1)).to_have_text("Arrêter le suivi de cette recherche")
    assert Follow.objects.exists()  # opening the link stops nothing
    page.get_by_role("button", name="Arrêter le suivi").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Le suivi est arrêté")
    assert not Follow.objects.exists()


def test_the_feed_link_of_the_list_follows_the_filters_applied_in_the_page(page, site):
    page.goto(f"{site}/actions/")
    feed = page.locator("head link[rel=alternate][type='application/atom+xml']")
    expect(feed).to_have_attribute("href", "/actions/feed/")

    page.locator('#facette-keyword input[value="culture"]').check()  # fetched and swapped in
    expect(page.locator("#resultats-titre")).to_have_text("4 actions trouvées")
    expect(feed).to_have_attribute("href", "/actions/feed/?keyword=culture")
    expect(page.get_by_role("link", name=re.compile("^Suivre cette recherche"))).to_have_attribute(
        "href", "/suivre/?keyword=culture"
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_the_follows_pages_have_no_axe_violation(browser, site, django_user_model, width):
    user = django_user_model.objects.create_user("camille", "camille@example.org", "Suivre-2024-recherches")
    FollowFactory(email="camille@example.org", query="keyword=culture&public=jeunesse")
    pending = FollowFactory(
        email="camille@example.org", query="", confirmed_at=None, covered_until=None, confirmation_key="a" * 32
    )
    assert user.pk
    context = browser.new_context(locale="fr-FR", viewport={"width": width, "height": WIDTHS[width]})
    page = context.new_page()
    found = {}

    def check(name):
        problems = violations(page)
        if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            problems.append("the page scrolls sideways")
        if problems:
            found[name] = problems

    page.goto(f"{site}/suivre/?keyword=culture&public=jeunesse&q=jeunes")
    check("form")
    page.get_by_label("Votre adresse électronique").fill("pas une adresse")
    page.get_by_role("button", name="Recevoir le lien de confirmation").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check("form with errors")
    page.get_by_label("Votre adresse électronique").fill("lea@example.org")
    page.get_by_role("button", name="Recevoir le lien de confirmation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre messagerie")
    check("requested")
    page.goto(f"{site}/suivre/confirmer/{tokens.confirmation_token(pending, 'weekly')}/")
    check("confirm")
    page.goto(f"{site}/suivre/confirmer/abimé/")
    check("invalid link")
    page.goto(f"{site}/suivre/arreter/{tokens.stop_token(pending)}/")
    check("stop")
    page.get_by_role("button", name="Arrêter le suivi").click()
    check("stopped")

    page.goto(f"{site}/comptes/connexion/?next=/espace/suivis/")
    page.get_by_label("Nom d’utilisateur").fill("camille")
    page.get_by_label("Mot de passe").fill("Suivre-2024-recherches")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes recherches suivies")
    check("mine")
    page.get_by_role("radio", name="Chaque semaine").check()
    page.get_by_role("button", name=re.compile("^Enregistrer la fréquence")).click()
    expect(page.get_by_role("status")).to_contain_text("Fréquence enregistrée : chaque semaine.")
    check("mine after a change")
    context.close()
    assert found == {}
