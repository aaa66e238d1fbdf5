"""What search engines read: ``/robots.txt`` and ``/sitemap.xml``, an index of sitemap files.

The index (``django.contrib.sitemaps``) names one file per section and page: the published actions
(``/sitemap-actions.xml``, ``?p=2``…) and the centres that have published actions (``/sitemap-centres.xml``),
``SITEMAP_LIMIT`` addresses per file at most (the protocol allows 50,000). Each address has its ``lastmod``: an
action's last change, a centre's own or its published actions' latest. A file reads its page of rows in one
query (plus a count); the index runs two small aggregates per section. ``robots.txt`` keeps crawlers out of the
members' area, the admin, the accounts, the downloads and the contact forms, and names the index.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, Q
from django.db.models.functions import Greatest
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from centres.models import Centre

#: Addresses per sitemap file: well below the protocol's 50,000, so that one file is a short request.
SITEMAP_LIMIT = 10_000


class ActionSitemap(Sitemap):
    """Every published action, oldest first (a stable order: new actions go to the last file)."""

    limit = SITEMAP_LIMIT

    def items(self):
        return Action.objects.published().only("slug", "updated_at").order_by("pk")

    def lastmod(self, item):
        return item.updated_at

    def get_latest_lastmod(self):
        return Action.objects.published().aggregate(latest=Max("updated_at"))["latest"]


def _published_actions_updated():
    return Max("actions__updated_at", filter=Q(actions__state=PublicationState.PUBLISHED))


class CentreSitemap(Sitemap):
    """The centres with published actions (the others have no public page)."""

    limit = SITEMAP_LIMIT

    def items(self):
        return (
            Centre.objects.annotate(latest_action=_published_actions_updated())
            .filter(latest_action__isnull=False)
            .annotate(lastmod=Greatest("updated_at", "latest_action"))
            .only("slug")
            .order_by("pk")
        )

    def lastmod(self, item):
        return item.lastmod

    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("lastmod"))["latest"]


SITEMAPS = {"actions": ActionSitemap, "centres": CentreSitemap}


def _folder(path: str) -> str:
    """The first segment of ``path``, as a folder (``/comptes/connexion/`` → ``/comptes/``)."""
    return "/" + path.strip("/").split("/")[0] + "/"


def disallowed_paths() -> list[str]:
    """The paths crawlers are asked to leave alone: pages for people with an account, files, forms."""
    return [
        _folder(reverse("espace:dashboard")),  # the members' area and the moderation
        _folder(reverse("admin:index")),
        _folder(reverse("login")),  # the accounts' pages
        _folder(reverse("attachment_download", kwargs={"pk": 1})),  # the sheets' files
        reverse("action_download", kwargs={"fmt": "csv"}).removesuffix("csv"),  # the list as CSV, XLSX, JSON
        reverse("action_contact", kwargs={"slug": "x"}).replace("/x/", "/*/"),  # the contact forms
    ]


@require_safe
def robots_txt(request):
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in disallowed_paths()), ""]
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap_index'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
