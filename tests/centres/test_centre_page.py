"""The page of a centre: the centre, its place, its published actions by page, and their mini facets."""

import re
from html import unescape

import pytest

from actions_catalog.catalogue.centres import ACTIONS_PER_PAGE
from actions_catalog.core.choices import Dimension, PublicationState
from actions_catalog.core.models import Action
from centres.models import Centre


def test_centre_page_shows_its_place_and_its_published_actions(client, seeded, make_action):
    action = Action.objects.get(title="Les lumières de la paix")
    centre = action.centre
    make_action(
        "Projet en attente",
        state=PublicationState.PENDING,
        centre_name=centre.name,
        departement_code=centre.departement_id,
    )
    response = client.get(centre.get_absolute_url())
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert f"<h1>{centre.name}</h1>" in html
    assert centre.departement.name in html and centre.departement.region.name in html
    assert f'href="/actions/?departement={centre.departement_id}"' in html
    assert f'href="/actions/?region={centre.departement.region_id}"' in html
    assert f'href="{action.get_absolute_url()}"' in html
    assert "Projet en attente" not in html
    assert "Ses actions publiées (1)" in html
    assert 'href="/centres/">Les centres</a>' in html  # the breadcrumb leads to the directory


def test_centre_without_published_action_is_404(client, make_action):
    action = make_action("Seulement un brouillon", state=PublicationState.DRAFT)
    assert client.get(action.centre.get_absolute_url()).status_code == 404
    assert client.get("/centres/nexiste-pas/").status_code == 404


@pytest.fixture
def busy_centre(make_action):
    """A centre with 25 published actions: two dimensions, keywords shared in part, and one draft."""
    for number in range(25):
        make_action(
            f"Action numéro {number}",
            centre_name="Centre social Très Actif",
            departement_code="69",
            dimension=Dimension.SERVICES if number % 5 == 0 else Dimension.CITIZENSHIP,
            keywords=["Culture", "Jardin"] if number % 2 else ["Culture"],
        )
    make_action(
        "Brouillon", centre_name="Centre social Très Actif", departement_code="69", state=PublicationState.DRAFT
    )
    return Centre.objects.get(name="Centre social Très Actif")


def titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="result__title"><a href="[^"]+">([^<]+)</a></h3>', html)


def test_a_centre_page_is_paginated_and_keeps_its_filters(client, busy_centre):
    first = unescape(client.get(busy_centre.get_absolute_url()).content.decode())
    assert "Ses actions publiées (25)" in first
    assert len(titles(first)) == ACTIONS_PER_PAGE
    assert '<a href="?page=2" rel="next">' in first
    second = unescape(client.get(busy_centre.get_absolute_url() + "?page=2").content.decode())
    assert len(titles(second)) == 5 and not set(titles(first)) & set(titles(second))
    assert "Brouillon" not in first + second
    assert client.get(busy_centre.get_absolute_url() + "?page=3").status_code == 404
    assert client.get(busy_centre.get_absolute_url() + "?page=abc").status_code == 400


def test_a_centre_page_shows_its_dimensions_and_keywords_and_filters_by_them(client, busy_centre):
    html = unescape(client.get(busy_centre.get_absolute_url()).content.decode())
    aside = html[html.index('<section class="mini-facets"') :]
    assert re.findall(r'<a href="\?dimension=([a-z-]+)">[^<]+</a> <span class="muted">(\d+)</span>', aside) == [
        ("citoyennete", "20"),
        ("services", "5"),
    ]
    assert re.findall(r'<a href="\?keyword=([a-z-]+)">[^<]+</a> <span class="muted">(\d+)</span>', aside) == [
        ("culture", "25"),
        ("jardin", "12"),
    ]
    filtered = unescape(
        client.get(busy_centre.get_absolute_url() + "?dimension=services&keyword=jardin").content.decode()
    )
    assert sorted(titles(filtered)) == ["Action numéro 15", "Action numéro 5"]
    assert "2 actions sur 25" in filtered
    aside = filtered[filtered.index('<section class="mini-facets"') :]
    # counts ignore their own facet; a chosen option links to the page without it
    assert '<a href="?keyword=jardin" aria-current="true">Services' in aside
    assert re.search(r'<a href="\?dimension=services&keyword=culture">Culture</a> <span class="muted">5</span>', aside)
    for bad in ("dimension=autre", "keyword=nexiste-pas", "keyword=" + "x" * 300):
        response = client.get(busy_centre.get_absolute_url() + "?" + bad)
        assert response.status_code == 400, bad


def test_centre_page_runs_a_fixed_number_of_queries(client, busy_centre, django_assert_num_queries):
    client.get("/")  # builds the catalogue index
    for query in ("", "?page=2", "?dimension=services&keyword=jardin"):
        # the centre with its place, the catalogue version, the page's actions, their keywords
        with django_assert_num_queries(4):
            assert client.get(busy_centre.get_absolute_url() + query).status_code == 200
