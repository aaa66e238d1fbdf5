"""The pages every page links to: legal notice, accessibility, personal data, contact, open data; 404 and 500."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from actions_catalog.catalogue import open_data, tasks
from actions_catalog.core.export_schema import FLAT_COLUMNS
from actions_catalog.editorial import defaults
from actions_catalog.editorial.models import PageSlug, SitePage, url_name
from tests.jobs.helpers import run_queued_jobs

pytestmark = pytest.mark.django_db

FOOTER_PAGES = ["/mentions-legales/", "/accessibilite/", "/donnees-personnelles/", "/contact/", "/donnees/"]


def html_of(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return unescape(response.content.decode())


def test_every_page_has_the_footer_links(client, seeded):
    for url in ["/", "/actions/", "/centres/", *FOOTER_PAGES, reverse("login")]:
        footer = html_of(client, url).split('<footer class="site-footer"', 1)[1]
        assert re.findall(r'<li><a href="([^"]+)">', footer) == FOOTER_PAGES, url


def test_each_page_shows_its_french_default_until_an_admin_edits_it(client):
    for slug in PageSlug.values:
        html = html_of(client, reverse(url_name(slug)))
        assert f"<h1>{defaults.DEFAULTS[slug][0]}</h1>" in html
    SitePage.objects.create(
        slug=PageSlug.CONTACT, title="Nous joindre", body="## Par courrier\n[À compléter : adresse]"
    )
    html = html_of(client, "/contact/")
    assert "<h1>Nous joindre</h1>" in html and "<h2>Par courrier</h2>" in html
    assert '<mark class="placeholder">À compléter : adresse</mark>' in html


def test_the_legal_notice_and_personal_data_pages_mark_what_the_federation_must_fill_in(client):
    for url in ("/mentions-legales/", "/donnees-personnelles/"):
        assert html_of(client, url).count('<mark class="placeholder">À compléter') >= 2, url


def test_the_accessibility_statement_says_partially_compliant_on_automatic_checks_only(client):
    html = html_of(client, "/accessibilite/")
    assert "partiellement conforme" in html
    assert "axe-core" in html and "Aucun audit" in html
    assert "Défenseur des droits" in html


@override_settings(FEDERATION_CONTACT_EMAIL="ecrire@federation.example")
def test_one_setting_gives_the_contact_address_everywhere(client):
    for url in ("/contact/", "/mentions-legales/", "/accessibilite/", "/donnees-personnelles/", reverse("login")):
        assert '<a href="mailto:ecrire@federation.example">ecrire@federation.example</a>' in html_of(client, url), url


def test_the_open_data_page_gives_licence_files_dictionary_and_api(client, seeded):
    html = html_of(client, "/donnees/")
    assert "Licence Ouverte / Open Licence version 2.0" in html and open_data.LICENCE_URL in html
    for fmt in ("csv", "xlsx", "json"):
        assert f'href="/actions/export.{fmt}" download' in html
    rows = re.findall(r'<tr><th scope="row"><code>([a-z_]+)</code></th><td><code>([a-z_.]+)</code></td>', html)
    assert [column for column, _ in rows] == list(FLAT_COLUMNS)
    assert ("region", "centre.region") in rows
    assert "curl -s 'http://testserver/api/actions/?keyword=vacances-loisirs&public=familles" in html


def test_every_export_column_is_described():
    for column in open_data.dictionary():
        assert column.type and column.description, column.name


def test_the_open_data_page_gives_the_size_of_a_file_once_built(client, seeded):
    assert "taille indiquée après la première préparation" in html_of(client, "/donnees/")
    client.get("/actions/export.json?keyword=culture")  # a filtered file says nothing of the complete one
    run_queued_jobs()
    assert "taille indiquée après" in html_of(client, "/donnees/")
    tasks.build_full_downloads_now()
    size = len(b"".join(client.get("/actions/export.csv").streaming_content))
    html = html_of(client, "/donnees/")
    csv_line = html[html.index('href="/actions/export.csv"') :].split("</li>", 1)[0]
    assert f"({open_data.filesizeformat(size)})" in csv_line.replace("\u00a0", "\xa0")
    assert re.search(r"Fichiers préparés le \d{1,2} \w+ 20\d\d à \d\d h \d\d \(22 actions\)", html)


def test_a_missing_page_is_a_french_404_with_a_search_box_and_links_onward(client):
    with override_settings(DEBUG=False):
        html = html_of(client, "/nexiste/pas/", status=404)
    assert '<html lang="fr">' in html and '<header class="site-header">' in html
    assert "<h1>Page introuvable</h1>" in html
    assert 'action="/actions/"' in html and 'name="q"' in html
    assert 'href="/centres/"' in html and 'href="/contact/"' in html
    assert "Page introuvable" in html_of(client, "/actions/?page=999", status=404)


def test_the_500_page_is_french_and_needs_no_database(rf):
    from django.views.defaults import server_error

    def refuse(*args, **kwargs):
        raise AssertionError("the 500 page queried the database")

    with connection.execute_wrapper(refuse):
        response = server_error(rf.get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert '<html lang="fr">' in html and '<header class="site-header">' in html
    assert "Erreur 500" in html and 'action="/actions/"' in html and 'href="/contact/"' in html


@override_settings(ROOT_URLCONF="tests.catalog.failing_urls", DEBUG=False)
def test_an_error_in_a_view_answers_the_french_500_page(client):
    client.raise_request_exception = False
    response = client.get("/panne/")
    assert response.status_code == 500
    assert "Le catalogue a rencontré un problème" in response.content.decode()
