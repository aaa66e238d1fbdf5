"""The directory of centres (/centres/): centres with published actions, searched by name, filtered by place."""

import re
from html import unescape

import pytest

from actions_catalog.catalogue.centres import CENTRES_PER_PAGE
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.text import normalize_key
from centres.models import Centre

DIRECTORY = "/centres/"


def names(html: str) -> list[str]:
    return re.findall(r'<h3 class="card__title"><a href="/centres/[^"]+/">([^<]+)</a></h3>', unescape(html))


def get(client, query=""):
    response = client.get(f"{DIRECTORY}?{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_the_directory_lists_the_centres_with_published_actions_in_french_order(client, seeded, make_action):
    make_action("Brouillon seul", centre_name="Centre sans action publiée", state=PublicationState.DRAFT)
    html = get(client)
    listed = names(html)
    assert "Centre sans action publiée" not in listed
    assert "22 centres sociaux" in unescape(html)
    assert len(listed) == 22
    assert listed == sorted(listed, key=normalize_key)


def test_each_centre_shows_its_place_and_its_number_of_actions(client, seeded, make_action):
    make_action("Deuxième action", centre_name="Centre social des Tests", departement_code="2A")
    make_action("Troisième action", centre_name="Centre social des Tests", departement_code="2A")
    html = unescape(get(client, "q=des tests"))
    assert names(html) == ["Centre social des Tests"]
    assert "Corse-du-Sud (2A) · Corse" in html
    assert "2 actions publiées" in html
    assert "1 centre social" in html


def test_search_by_name_ignores_accents_case_and_punctuation(client, seeded):
    centre = Centre.objects.filter(actions__state=PublicationState.PUBLISHED).order_by("name").first()
    word = centre.name.split()[-1]
    assert centre.name in names(get(client, f"q={word.upper()}"))
    assert names(get(client, "q=zzzz-introuvable")) == []
    assert "Aucun centre ne correspond" in unescape(get(client, "q=zzzz-introuvable"))


def test_filters_by_region_and_departement(client, seeded):
    html = get(client, "region=11")
    listed = names(html)
    expected = Centre.objects.filter(departement__region="11", actions__state=PublicationState.PUBLISHED).distinct()
    assert sorted(listed) == sorted(centre.name for centre in expected) and listed
    assert len(names(get(client, "departement=94"))) == 2
    assert names(get(client, "region=11&departement=31")) == []  # Haute-Garonne is not in Île-de-France
    # a chosen région narrows the départements offered
    menu = html[
        html.index('<select id="centre-departement"') : html.index("</select>", html.index('id="centre-departement"'))
    ]
    codes = re.findall(r'<option value="(\w+)"', menu)
    assert "75" in codes and "31" not in codes


def test_the_directory_is_paginated_and_keeps_its_filters(client, make_action):
    for number in range(CENTRES_PER_PAGE + 3):
        make_action(f"Action {number}", centre_name=f"Centre numéro {number:02d}", departement_code="69")
    first = get(client, "departement=69")
    assert len(names(first)) == CENTRES_PER_PAGE
    assert '<a href="?departement=69&amp;page=2" rel="next">' in first
    assert len(names(get(client, "departement=69&page=2"))) == 3
    assert client.get(f"{DIRECTORY}?departement=69&page=3").status_code == 404


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("region=99", "region"),
        ("departement=ZZ", "departement"),
        ("page=abc", "page"),
        ("page=0", "page"),
        ("q=" + "x" * 101, "q"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client, seeded, query, parameter):
    response = client.get(f"{DIRECTORY}?{query}")
    assert response.status_code == 400
    assert f"Paramètre « {parameter} »" in unescape(response.content.decode())


def test_the_directory_runs_a_fixed_number_of_queries(client, seeded, django_assert_num_queries):
    client.get("/")  # builds the catalogue index
    for query in ("", "q=centre&region=76", "departement=94&page=1"):
        with django_assert_num_queries(3):  # the catalogue version, the count, the page of centres
            get(client, query)
