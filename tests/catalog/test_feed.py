"""The Atom feed of any list: only published actions, most recently updated first, 50 at most, the list's
filters and its 400s, escaped texts, a fixed number of queries; the list page links to it."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from actions_catalog.catalogue.feeds import FEED_SIZE
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from importers.parser import parse_bytes
from tests.factories import make_action, many_sheets

pytestmark = pytest.mark.usefixtures("seeded")

FEED = reverse("action_feed")
ATOM = "{http://www.w3.org/2005/Atom}"


def feed(client, query=""):
    response = client.get(f"{FEED}?{query}" if query else FEED)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.content)


def entry_links(root) -> list[str]:
    return [entry.find(f"{ATOM}link").get("href") for entry in root.iter(f"{ATOM}entry")]


def list_links(client, query="") -> list[str]:
    """The actions of the list page for the same filters, most recent first, up to the feed's size."""
    response = client.get(reverse("action_list") + f"?{query}&sort=recent&page_size={FEED_SIZE}")
    return [f"http://testserver{action.get_absolute_url()}" for action in response.context["listing"].actions]


def test_the_feed_lists_the_published_actions_most_recently_updated_first(client):
    make_action("Brouillon pas encore publié", state=PublicationState.DRAFT)
    make_action("Fiche en attente de validation", state=PublicationState.PENDING)
    touched = Action.objects.published().order_by("updated_at").first()
    Action.objects.filter(pk=touched.pk).update(updated_at=timezone.now() + timedelta(minutes=1))

    root = feed(client)

    links = entry_links(root)
    assert len(links) == Action.objects.published().count() == 22
    assert links[0] == f"http://testserver{touched.get_absolute_url()}"
    updated = [entry.find(f"{ATOM}updated").text for entry in root.iter(f"{ATOM}entry")]
    assert updated == sorted(updated, reverse=True)
    titles = [entry.find(f"{ATOM}title").text for entry in root.iter(f"{ATOM}entry")]
    assert "Brouillon pas encore publié" not in titles and "Fiche en attente de validation" not in titles


@pytest.mark.parametrize(
    "query",
    [
        "",
        "keyword=culture",
        "keyword=culture&keyword=parentalite&public=jeunesse",
        "dimension=citoyennete&status=en-cours",
        "region=76&sort=title&page_size=5",
        "q=s%C3%A9jour",
        "departement=2A",
    ],
)
def test_the_feed_holds_the_actions_of_the_list_with_the_same_filters(client, query):
    links = entry_links(feed(client, query))

    assert links == list_links(client, query)
    assert bool(links) == (query != "departement=2A")  # a département without actions


def test_the_feed_stops_at_fifty_actions(client):
    from actions_catalog.core.writer import SheetLoader

    SheetLoader().load(parse_bytes(many_sheets(40).encode(), "plus.txt").sheets)

    root = feed(client, "page=2&page_size=10")

    assert Action.objects.published().count() == 62
    assert len(entry_links(root)) == FEED_SIZE == 50
    assert entry_links(root) == list_links(client)


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("keyword=nexistepas", "keyword"), ("status=fini", "status"), ("page=abc", "page"), ("sort=hasard", "sort")],
)
def test_bad_parameters_are_the_lists_400(client, query, parameter):
    response = client.get(f"{FEED}?{query}")

    assert response.status_code == 400
    assert f"Paramètre « {parameter} »" in response.content.decode()
    assert client.get(reverse("action_list") + f"?{query}").status_code == 400


def test_the_feed_names_its_filters_and_links_back_to_the_list(client):
    root = feed(client, "public=jeunesse&keyword=culture&sort=title")

    assert root.find(f"{ATOM}title").text == (
        "Catalogue des actions des centres sociaux — Mots clés : Culture · Public : Jeunesse"
    )
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["alternate"] == "http://testserver/actions/?keyword=culture&public=jeunesse"
    assert links["self"] == "http://testserver/actions/feed/?keyword=culture&public=jeunesse"


def test_an_entry_has_its_centre_keywords_dates_and_an_escaped_summary(client):
    action = make_action(
        "Atelier <b>théâtre</b>",
        summary="<script>alert(1)</script> & des ateliers",
        keywords=["Culture", "Jeunesse"],
    )

    entry = next(feed(client).iter(f"{ATOM}entry"))

    assert entry.find(f"{ATOM}title").text == "Atelier <b>théâtre</b>"  # plain text (XML-escaped on the wire)
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; des ateliers" in summary.text  # shown as text, not run
    assert entry.find(f"{ATOM}author/{ATOM}name").text == action.centre.name
    assert {category.get("term") for category in entry.findall(f"{ATOM}category")} == {"Culture", "Jeunesse"}
    assert entry.find(f"{ATOM}published").text.startswith(str(action.published_at.year))


def test_the_feed_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    feed(client, "page=1")  # builds the catalogue index
    for query in ("", "keyword=culture&keyword=parentalite", "region=76&departement=31&status=terminee"):
        # The catalogue version, the page and its rows' keywords: the list's own queries.
        with django_assert_num_queries(3):
            feed(client, query)
    with django_assert_num_queries(1):  # asked again: the page kept for visitors (catalogue/visitor_pages.py)
        feed(client, "")


def test_an_empty_list_gives_an_empty_feed(client, django_assert_num_queries):
    feed(client)
    with django_assert_num_queries(1):
        root = feed(client, "departement=2A")

    assert entry_links(root) == []


def test_the_list_page_links_its_feed_and_its_follow_form_with_its_filters(client):
    html = client.get(reverse("action_list") + "?public=familles&keyword=culture&page_size=10&sort=title").content
    html = html.decode()

    head = html[: html.index("</head>")]
    assert re.search(
        r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" '
        r'href="/actions/feed/\?keyword=culture&amp;public=familles">',
        head,
    )
    assert 'href="/suivre/?keyword=culture&amp;public=familles">Suivre cette recherche' in html
    assert 'href="/actions/feed/?keyword=culture&amp;public=familles" type="application/atom+xml">Flux Atom' in html


def test_the_unfiltered_list_links_the_whole_feed(client):
    html = client.get(reverse("action_list")).content.decode()

    assert 'href="/actions/feed/">' in html
    assert 'href="/suivre/">Suivre cette recherche' in html


def test_an_action_titled_feed_does_not_take_the_feeds_address(client):
    action = make_action("Feed")

    assert action.slug != "feed"
    assert client.get(FEED)["Content-Type"].startswith("application/atom+xml")
