"""Bad input: a 400 naming the parameter (HTML for the site, JSON for the API), never a 500 or a wider list."""

from html import unescape

import pytest
from django.urls import reverse

pytestmark = pytest.mark.usefixtures("seeded")

BAD = [
    ("keyword=nexistepas", "keyword"),
    ("keyword=culture&keyword=nexistepas", "keyword"),
    ("keyword=Pas%20un%20slug", "keyword"),
    ("partner=inconnu", "partner"),
    ("public=etudiants", "public"),
    ("dimension=autre", "dimension"),
    ("status=fini", "status"),
    ("territory=la-lune", "territory"),
    ("initiative=personne", "initiative"),
    ("region=99", "region"),
    ("region=abc", "region"),
    ("departement=20", "departement"),
    ("departement=999", "departement"),
    ("page=abc", "page"),
    ("page=0", "page"),
    ("page=-1", "page"),
    ("page=1.5", "page"),
    ("page_size=0", "page_size"),
    ("page_size=101", "page_size"),
    ("page_size=x", "page_size"),
    ("sort=foo", "sort"),
    ("q=" + "a" * 201, "q"),
]


@pytest.mark.parametrize(("query", "parameter"), BAD)
def test_site_answers_400_naming_the_parameter(client, query, parameter):
    response = client.get(reverse("action_list") + "?" + query)
    assert response.status_code == 400
    html = response.content.decode()
    assert f"Paramètre « {parameter} »" in html
    assert '<html lang="fr">' in html


@pytest.mark.parametrize(("query", "parameter"), BAD)
def test_api_answers_400_with_error_and_parameter(client, query, parameter):
    response = client.get(reverse("api_action_list") + "?" + query)
    assert response.status_code == 400
    data = response.json()
    assert set(data) == {"error", "parameter"}
    assert data["parameter"] == parameter
    assert data["error"]


@pytest.mark.parametrize(("query", "parameter"), BAD[:4])
def test_download_answers_400_too(client, query, parameter):
    response = client.get(reverse("action_download", args=["csv"]) + "?" + query)
    assert response.status_code == 400


def test_a_query_of_200_characters_is_accepted(client):
    assert client.get(reverse("action_list") + "?q=" + "a" * 200).status_code == 200


def test_a_known_value_without_results_is_200_with_zero(client, api):
    status, data = api("departement=2A")
    assert status == 200
    assert data["count"] == 0 and data["results"] == []
    assert client.get(reverse("action_list") + "?departement=2A").status_code == 200
    assert api("region=94")[1]["count"] == 0  # Corse


def test_empty_values_are_ignored(api):
    status, data = api("keyword=&page=&page_size=&sort=&q=")
    assert status == 200
    assert data["count"] == 22


def test_unknown_parameters_are_ignored(api):
    assert api("utm_source=lettre")[1]["count"] == 22


def test_page_past_the_end_is_404(client, api):
    response = client.get(reverse("action_list") + "?page=3")
    assert response.status_code == 404
    assert "La page 3 n'existe pas : cette liste a 2 pages." in unescape(response.content.decode())
    status, data = api("page=3")
    assert status == 404 and data["parameter"] == "page"
    assert api("page=2")[0] == 200
    assert api("page=2&page_size=11")[0] == 200
    assert api("page=3&page_size=11")[0] == 404


def test_first_page_of_an_empty_list_exists(api):
    assert api("departement=2A&page=1")[0] == 200
    assert api("departement=2A&page=2")[0] == 404


# -- Searches PostgreSQL cannot parse as they are ----------------------------------------------------------

DASHES = [
    "-" * 40,
    "-" * 40 + "sejour",
    "- " * 40 + "sejour",
    "-(" * 40 + "sejour",
    "sejour " + "-" * 60,
    "OR OR OR sejour OR",
]


@pytest.mark.parametrize("q", DASHES)
@pytest.mark.parametrize("url", ["action_list", "api_action_list"])
def test_runs_of_dashes_and_stray_operators_are_simplified(client, url, q):
    response = client.get(reverse(url), {"q": q})
    assert response.status_code == 200


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx"])
def test_downloads_of_a_strange_search_answer(client, fmt):
    response = client.get(reverse("action_download", args=[fmt]), {"q": "-" * 50 + "sejour"})
    assert response.status_code == 200


def test_a_search_postgresql_still_refuses_is_a_400_naming_q(client, monkeypatch):
    from actions_catalog.core import search

    monkeypatch.setattr(search, "simplify", lambda q: q)  # as if a new way to break the parser were found
    response = client.get(reverse("api_action_list"), {"q": "-" * 50 + "sejour"})
    assert response.status_code == 400 and response.json()["parameter"] == "q"
    html = client.get(reverse("action_list"), {"q": "-" * 50 + "sejour"})
    assert html.status_code == 400 and "Paramètre « q »" in html.content.decode()
