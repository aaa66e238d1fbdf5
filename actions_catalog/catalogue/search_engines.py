"""What search engines read: ``/robots.txt`` and ``/sitemap.xml``, an index of sitemap files.

The index (``django.contrib.sitemaps``) names one file per section and page: the published actions
(``/sitemap-actions.xml``, ``?p=2``…) and the centres that have published actions (``/sitemap-centres.xml``),
``SITEMAP_LIMIT`` addresses per file at most (the protocol allows 50,000). Each address has its ``lastmod``: an
action's last change, a centre's own or its published actions' latest. A file reads its page of ``(slug,
lastmod)`` rows in one query (plus a count) and writes its XML without a template; the index runs two small
aggregates per section. ``robots.txt`` keeps crawlers out of the
members' area, the admin, the accounts, the downloads and the contact forms, and names the index.
"""

from functools import cached_property

from django.contrib.sitemaps import Sitemap
from django.contrib.sites.shortcuts import get_current_site
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Max, Q
from django.db.models.functions import Greatest
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from actions_catalog.catalogue.visitor_pages import cached_for_visitors
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from centres.models import Centre

#: Addresses per sitemap file: below the protocol's 50,000, so that one file is a short request (a file of 10,000
#: took 0.5 to 1.3 s on a busy 2-core machine: README, "Search engines").
SITEMAP_LIMIT = 10_000
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>'


def _address_of(url_name: str):
    """The path of a record's page from its slug, without a ``reverse()`` per record (the route's own text)."""
    prefix, suffix = reverse(url_name, kwargs={"slug": "slug-x"}).split("slug-x")
    return lambda slug: f"{prefix}{slug}{suffix}"


class _Sitemap(Sitemap):
    """Rows are ``(slug, lastmod)`` pairs, read a page at a time: no model instance per address."""

    limit = SITEMAP_LIMIT
    url_name = ""

    @cached_property
    def _address(self):
        return _address_of(self.url_name)

    def location(self, item):
        return self._address(item[0])

    def lastmod(self, item):
        return item[1]


class ActionSitemap(_Sitemap):
    """Every published action, oldest first (a stable order: new actions go to the last file)."""

    url_name = "action_detail"

    def items(self):
        return Action.objects.published().order_by("pk").values_list("slug", "updated_at")

    def get_latest_lastmod(self):
        return Action.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class CentreSitemap(_Sitemap):
    """The centres with published actions (the others have no public page), as recent as the latest of their own
    change and their published actions'."""

    url_name = "centre_detail"

    def _centres(self):
        published = Max("actions__updated_at", filter=Q(actions__state=PublicationState.PUBLISHED))
        return (
            Centre.objects.annotate(latest_action=published)
            .filter(latest_action__isnull=False)
            .annotate(lastmod=Greatest("updated_at", "latest_action"))
        )

    def items(self):
        return self._centres().order_by("pk").values_list("slug", "lastmod")

    def get_latest_lastmod(self):
        return self._centres().aggregate(latest=Max("lastmod"))["latest"]


SITEMAPS = {"actions": ActionSitemap, "centres": CentreSitemap}


@require_safe
@cached_for_visitors
def sitemap_file(request, section):
    """One sitemap file (``?p=`` its page): the addresses of ``SITEMAPS[section]``, written without a template.

    ``django.contrib.sitemaps.views.sitemap`` renders the same XML through a template: 2.7 s for 10,000 addresses
    where this takes 0.3 s. The paging, the addresses and the dates are still ``Sitemap``'s."""
    if section not in SITEMAPS:
        raise Http404("Fichier de plan du site inconnu.")
    sitemap = SITEMAPS[section]()
    try:
        urls = sitemap.get_urls(page=request.GET.get("p", 1), site=get_current_site(request), protocol=request.scheme)
    except (EmptyPage, PageNotAnInteger) as error:
        raise Http404("Cette page du plan du site n'existe pas.") from error
    lines = [XML_HEAD, '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    lines += [
        f"<url><loc>{escape(url['location'])}</loc><lastmod>{timezone.localdate(url['lastmod']).isoformat()}</lastmod>"
        "</url>"
        for url in urls
    ]
    lines.append("</urlset>\n")
    response = HttpResponse("\n".join(lines), content_type="application/xml")
    response["X-Robots-Tag"] = "noindex, noodp, noarchive"
    if urls:
        response["Last-Modified"] = http_date(max(url["lastmod"] for url in urls).timestamp())
    return response


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
