"""Security headers on real responses, with the settings of the documented production environment.

The settings are read from a process started with `production.env.example` (not restated here), then
applied to this process; requests come "from the proxy" with X-Forwarded-Proto: https.
"""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from actions_catalog.core.models import Action
from actions_catalog.editorial.models import PageSlug, url_name
from actions_catalog.follows import tokens
from centres.models import Membership
from tests.factories import FollowFactory
from tests.security.conftest import PRODUCTION_ENV_VARIABLES, settings_of_a_process

HEADER_SETTINGS = [
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SECURE",
    "SECURE_REFERRER_POLICY",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
]
FROM_PROXY = {"x-forwarded-proto": "https"}
PASSWORD = "a-long-admin-password"


@pytest.fixture(scope="module")
def production_values(tmp_path_factory):
    values = settings_of_a_process(tmp_path_factory.mktemp("prod"), HEADER_SETTINGS, **PRODUCTION_ENV_VARIABLES)
    values["SECURE_PROXY_SSL_HEADER"] = tuple(values["SECURE_PROXY_SSL_HEADER"])
    return values


@pytest.fixture
def production(settings, production_values):
    for name, value in production_values.items():
        setattr(settings, name, value)
    return settings


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.org", PASSWORD)


@pytest.fixture
def member_admin(admin_user):
    """The superuser, also a member of a centre (the members' area needs one)."""
    Membership.objects.create(user=admin_user, centre=Action.objects.published().first().centre)
    return admin_user


def public_urls() -> list[str]:
    action = Action.objects.published().select_related("centre").first()
    pending = FollowFactory(confirmed_at=None, covered_until=None, confirmation_key="a" * 32)  # its e-mail's links
    return [
        reverse("home"),
        reverse("action_list"),
        reverse("follows:follow") + "?keyword=culture",
        reverse("follows:requested"),
        reverse("follows:confirm", kwargs={"token": tokens.confirmation_token(pending, "daily")}),
        reverse("follows:stop", kwargs={"token": tokens.stop_token(pending)}),
        action.get_absolute_url(),
        reverse("centre_detail", kwargs={"slug": action.centre.slug}),
        reverse("centre_list"),
        reverse("error_report", kwargs={"slug": action.slug}),
        *(reverse(url_name(slug)) for slug in PageSlug.values),
        reverse("admin:login"),
    ]


def signed_in_urls(user) -> list[str]:
    """The admin (Django's pages and the catalogue's curation) and the members' area, as a superuser."""
    action = Action.objects.published().select_related("centre").first()
    keyword = action.keywords.first()
    return [
        reverse("admin:index"),
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_change", args=[user.pk]),
        reverse("admin:auth_user_add"),
        reverse("admin:auth_user_delete", args=[user.pk]),
        reverse("admin:password_change"),
        reverse("admin:actions_catalog_action_changelist"),
        reverse("admin:actions_catalog_action_change", args=[action.pk]),
        reverse("admin:actions_catalog_action_import"),
        reverse("admin:actions_catalog_action_export"),
        reverse("admin:actions_catalog_keyword_changelist"),
        reverse("admin:actions_catalog_keyword_change", args=[keyword.pk]),
        reverse("admin:centres_centre_changelist"),
        reverse("admin:centres_centre_change", args=[action.centre.pk]),
        reverse("admin:centres_membershipinvitation_changelist"),
        reverse("espace:dashboard"),
        reverse("espace:action_create"),
        reverse("espace:action_edit", kwargs={"slug": action.slug}),
        reverse("espace:centre_invite", kwargs={"slug": action.centre.slug}),
        reverse("espace:moderation_queue"),
        reverse("follows:mine"),
        reverse("admin:follows_follow_changelist"),
        reverse("espace:action_comments", kwargs={"slug": action.slug}),
        reverse("admin:actions_catalog_errorreport_changelist"),
    ]


def third_party_urls(action) -> dict[str, list[str]]:
    """Admin pages whose third-party templates hold inline code, with that code (see actions_catalog/security.py).

    django-simple-history's history page has one style attribute: the policy blocks it (the paginator keeps
    its top border). Any other inline code on these pages fails the test.
    """
    return {reverse("admin:actions_catalog_action_history", args=[action.pk]): ["p style"]}


def policy(response) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP blocks: inline scripts, <style>, style="…", on…= handlers, javascript: URLs."""

    DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes and attributes.get("type") not in self.DATA_SCRIPT_TYPES:
            self.found.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.found.append(f"<style> at line {self.getpos()[0]}")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f'{tag} {name}="{value}" at line {self.getpos()[0]}')
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL in <{tag}> at line {self.getpos()[0]}")


def inline_code(html: str) -> list[str]:
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.found


def test_the_finder_sees_inline_code():
    html = '<script>x()</script><style>p{}</style><p style="color:red" onclick="y()"><a href="javascript:z()">'

    assert len(inline_code(html)) == 5
    assert inline_code('<script src="/static/a.js"></script><script type="application/json">{}</script>') == []


@pytest.mark.django_db
def test_public_pages_and_admin_login_send_the_security_headers(client, seeded, production):
    for url in public_urls():
        response = client.get(url, headers=FROM_PROXY)

        assert response.status_code == 200, url
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        directives = policy(response)
        assert directives["default-src"] == ["'self'"]
        assert directives["object-src"] == ["'none'"]
        assert directives["base-uri"] == ["'self'"]
        assert directives["form-action"] == ["'self'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert "unsafe" not in response["Content-Security-Policy"]  # no 'unsafe-inline', 'unsafe-eval'…


@pytest.mark.django_db
def test_public_pages_need_no_inline_script_or_style(client, seeded, production):
    for url in [*public_urls(), reverse("login")]:
        response = client.get(url, headers=FROM_PROXY)
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url


@pytest.mark.django_db
def test_admin_and_member_pages_need_no_inline_script_or_style(client, seeded, member_admin, production):
    client.force_login(member_admin)
    for url in signed_in_urls(member_admin):
        response = client.get(url, headers=FROM_PROXY)
        assert response.status_code == 200, url
        assert "unsafe" not in response["Content-Security-Policy"], url
        assert inline_code(response.content.decode()) == [], url


@pytest.mark.django_db
def test_third_party_admin_pages_hold_only_the_inline_code_already_known(client, seeded, admin_user, production):
    client.force_login(admin_user)
    for url, known in third_party_urls(Action.objects.published().first()).items():
        response = client.get(url, headers=FROM_PROXY)
        assert response.status_code == 200, url
        assert [found.split("=")[0] for found in inline_code(response.content.decode())] == known, url
        assert "unsafe" not in response["Content-Security-Policy"], url


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(client, production):
    response = client.get(reverse("action_list"))

    assert response.status_code == 301
    assert response["Location"] == "https://testserver" + reverse("action_list")


@pytest.mark.django_db
def test_csrf_and_session_cookies_are_secure_and_the_session_cookie_is_http_only(client, admin_user, production):
    login = client.get(reverse("admin:login"), headers=FROM_PROXY)
    assert login.cookies["csrftoken"]["secure"] is True

    response = client.post(
        reverse("admin:login"),
        {"username": "admin", "password": PASSWORD, "next": reverse("admin:index")},
        headers=FROM_PROXY,
    )

    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
