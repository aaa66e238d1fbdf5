"""What the browser tests do on many pages: the widths they look at, logging in through the form as a person would,
and axe's violations."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

#: The widths every page is looked at (a desktop and a phone), with the height of their window.
WIDTHS = {1280: 900, 390: 844}


def log_in(page, base: str, username: str, password: str):
    """Through the login page, to « Mon espace »."""
    page.goto(base + "/comptes/connexion/")
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")


def violations(page) -> list[str]:
    """axe-core's violations on the page as it is now, one line each (rule, impact, help, the first targets)."""
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:3])
        for violation in results.response["violations"]
    ]
