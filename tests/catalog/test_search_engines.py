"""Search engines: ``/robots.txt``, the sitemap index and its files (published actions and their centres only),
and the canonical address and Open Graph tags of an action page."""

import re
from datetime import timedelta
from html import unescape
from xml.etree import ElementTree

import pytest
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.http import http_date

from actions_catalog.catalogue import search_engines
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from centres.models import Centre
from tests.factories import CentreFactory, make_action

pytestmark = pytest.mark.django_db

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def xml(client, path, **params):
    response = client.get(path, params)
    assert response.status_code == 200, path
    assert response["Content-Type"] == "application/xml"
    return ElementTree.fromstring(response.content)


def locations(tree, tag="url") -> list[str]:
    return [node.findtext("s:loc", namespaces=NS) for node in tree.findall(f"s:{tag}", NS)]


@pytest.fixture
def catalogue(seeded):
    """The seed sheets (22 published actions of 22 centres) and one unpublished action in each other state, in a
    centre of their own."""
    hidden = CentreFactory(name="Centre sans fiche publiée")
    for state in (PublicationState.DRAFT, PublicationState.PENDING, PublicationState.REJECTED):
        make_action(f"Fiche {state}", hidden, state=state)
    return hidden


# -- robots.txt -----------------------------------------------------------------------------------------------


def test_robots_txt_keeps_crawlers_out_of_private_pages_and_names_the_sitemap(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200 and response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert [line.removeprefix("Disallow: ") for line in lines if line.startswith("Disallow:")] == [
        "/espace/",
        "/admin/",
        "/comptes/",
        "/fichiers/",
        "/actions/export.",
        "/actions/*/contact/",
    ]
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert not any(line == "Disallow: /" or line.startswith("Disallow: /actions/\n") for line in lines)


def test_each_disallowed_path_is_where_those_pages_really_are(client, seeded):
    action = Action.objects.published().first()
    private = {
        "/espace/": [reverse("espace:dashboard"), reverse("espace:action_create"), reverse("espace:moderation_queue")],
        "/admin/": [reverse("admin:index")],
        "/comptes/": [reverse("login"), reverse("password_reset")],
        "/fichiers/": [reverse("attachment_download", kwargs={"pk": 7})],
        "/actions/export.": [reverse("action_download", kwargs={"fmt": fmt}) for fmt in ("csv", "xlsx", "json")],
        "/actions/*/contact/": [reverse("action_contact", kwargs={"slug": action.slug})],
    }
    assert list(private) == search_engines.disallowed_paths()
    for rule, paths in private.items():
        pattern = re.compile(re.escape(rule).replace(r"\*", "[^/]+"))
        assert all(pattern.match(path) for path in paths), rule
    public = [reverse("home"), reverse("action_list"), action.get_absolute_url(), reverse("centre_list")]
    assert not any(path.startswith(rule) for rule in private for path in public if "*" not in rule)


# -- The sitemap ----------------------------------------------------------------------------------------------


def test_the_sitemap_is_an_index_of_sitemap_files_with_their_lastmod(client, catalogue):
    tree = xml(client, "/sitemap.xml")

    assert tree.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    assert locations(tree, "sitemap") == [
        "http://testserver/sitemap-actions.xml",
        "http://testserver/sitemap-centres.xml",
    ]
    latest_action = max(Action.objects.published().values_list("updated_at", flat=True))
    centres = Centre.objects.filter(actions__state=PublicationState.PUBLISHED).distinct()
    latest_centre = max(max(c.updated_at, *c.actions.published().values_list("updated_at", flat=True)) for c in centres)
    assert [node.findtext("s:lastmod", namespaces=NS) for node in tree.findall("s:sitemap", NS)] == [
        timezone.localtime(latest_action).isoformat(),
        timezone.localtime(latest_centre).isoformat(),
    ]


def test_the_actions_file_lists_every_published_action_and_nothing_else(client, catalogue):
    tree = xml(client, "/sitemap-actions.xml")

    expected = {f"http://testserver{a.get_absolute_url()}": a for a in Action.objects.published()}
    assert sorted(locations(tree)) == sorted(expected) and len(expected) == 22
    for node in tree.findall("s:url", NS):
        action = expected[node.findtext("s:loc", namespaces=NS)]
        assert node.findtext("s:lastmod", namespaces=NS) == timezone.localdate(action.updated_at).isoformat()
    assert not any("fiche-" in location for location in locations(tree))


def test_the_centres_file_lists_the_centres_with_published_actions(client, catalogue):
    tree = xml(client, "/sitemap-centres.xml")

    expected = {f"http://testserver{c.get_absolute_url()}" for c in Centre.objects.filter(actions__state="published")}
    assert sorted(locations(tree)) == sorted(expected) and len(expected) == 22
    assert f"http://testserver{catalogue.get_absolute_url()}" not in locations(tree)


def test_a_centre_is_as_recent_as_its_latest_published_action(client, catalogue):
    centre = Action.objects.published().first().centre
    Centre.objects.filter(pk=centre.pk).update(updated_at=timezone.now() - timedelta(days=900))
    newest = make_action("Nouvelle fiche de ce centre", centre)
    make_action("Brouillon plus récent", centre, state=PublicationState.DRAFT)  # does not count

    tree = xml(client, "/sitemap-centres.xml")
    [node] = [n for n in tree.findall("s:url", NS) if n.findtext("s:loc", namespaces=NS).endswith(f"/{centre.slug}/")]
    assert node.findtext("s:lastmod", namespaces=NS) == timezone.localdate(newest.updated_at).isoformat()


def test_the_files_are_split_below_the_protocols_limit(client, catalogue, monkeypatch):
    assert search_engines.SITEMAP_LIMIT <= 50_000
    monkeypatch.setattr(search_engines.ActionSitemap, "limit", 5)

    index = locations(xml(client, "/sitemap.xml"), "sitemap")
    pages = [location for location in index if "sitemap-actions" in location]
    assert pages == ["http://testserver/sitemap-actions.xml"] + [
        f"http://testserver/sitemap-actions.xml?p={page}" for page in (2, 3, 4, 5)
    ]
    listed = []
    for page in range(1, 6):
        found = locations(xml(client, "/sitemap-actions.xml", p=page))
        assert len(found) <= 5
        listed += found
    assert len(listed) == len(set(listed)) == 22
    assert client.get("/sitemap-actions.xml", {"p": 6}).status_code == 404


def test_a_file_says_when_it_last_changed_and_is_not_itself_indexed(client, catalogue):
    response = client.get("/sitemap-actions.xml")

    latest = max(Action.objects.published().values_list("updated_at", flat=True))
    assert response["Last-Modified"] == http_date(latest.timestamp())
    assert response["X-Robots-Tag"] == "noindex, noodp, noarchive"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset ')


def test_an_empty_catalogue_has_an_empty_sitemap(client, db):
    assert locations(xml(client, "/sitemap-actions.xml")) == []
    assert locations(xml(client, "/sitemap.xml"), "sitemap") == [
        "http://testserver/sitemap-actions.xml",
        "http://testserver/sitemap-centres.xml",
    ]


@pytest.mark.parametrize("path", ["/sitemap-actions.xml?p=abc", "/sitemap-actions.xml?p=0", "/sitemap-brouillons.xml"])
def test_bad_sitemap_addresses_are_404(client, catalogue, path):
    assert client.get(path).status_code == 404


def test_the_sitemaps_run_a_fixed_number_of_queries(client, catalogue, django_assert_num_queries):
    with django_assert_num_queries(4):  # per section: the latest lastmod, the count of its files
        client.get("/sitemap.xml")
    for section in ("actions", "centres"):
        with django_assert_num_queries(3):  # the catalogue version (the key of the kept page), the count, the page
            client.get(f"/sitemap-{section}.xml")
        with django_assert_num_queries(1):  # asked again: kept for visitors (catalogue/visitor_pages.py)
            client.get(f"/sitemap-{section}.xml")


def test_the_sitemap_routes_do_not_shadow_the_pages_around_them():
    assert resolve("/sitemap.xml").url_name == "sitemap_index"
    assert resolve("/sitemap-actions.xml").url_name == "sitemap_section"
    assert resolve("/robots.txt").url_name == "robots_txt"


# -- Canonical address and Open Graph --------------------------------------------------------------------------


def test_an_action_page_has_its_canonical_address_and_open_graph_tags(client, make_action):
    action = make_action("Café des parents", summary="Un café\nchaque samedi, pour les parents du quartier.")
    html = unescape(client.get(action.get_absolute_url()).content.decode())
    head = html[: html.index("</head>")]

    address = "http://testserver/actions/cafe-des-parents/"
    assert f'<link rel="canonical" href="{address}">' in head
    tags = dict(re.findall(r'<meta property="(og:[a-z_]+)" content="([^"]*)">', head))
    assert tags == {
        "og:type": "article",
        "og:site_name": "Catalogue des actions des centres sociaux",
        "og:locale": "fr_FR",
        "og:title": "Café des parents",
        "og:description": "Un café chaque samedi, pour les parents du quartier.",
        "og:url": address,
    }
    assert '<meta name="description" content="Un café chaque samedi, pour les parents du quartier.">' in head


def test_the_canonical_address_drops_the_query_and_open_graph_describes_a_sheet_without_summary(client, make_action):
    action = make_action("Fiche sans résumé", summary="")
    html = unescape(client.get(action.get_absolute_url(), {"utm_source": "x"}).content.decode())

    assert '<link rel="canonical" href="http://testserver/actions/fiche-sans-resume/">' in html
    assert '<meta property="og:description" content="Fiche sans résumé">' in html


def test_open_graph_text_is_escaped(client, make_action):
    action = make_action('Le "grand" <b>café</b>', summary='Dites "bonjour" & <script>')
    head = client.get(action.get_absolute_url()).content.decode().split("</head>")[0]
    assert '<meta property="og:title" content="Le &quot;grand&quot; &lt;b&gt;café&lt;/b&gt;">' in head
    assert '<meta property="og:description" content="Dites &quot;bonjour&quot; &amp; &lt;script&gt;">' in head
