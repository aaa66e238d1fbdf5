"""The open-data API: its shape, its absolute links, its results in the export schema, its query count."""

import pytest
from django.urls import reverse

from actions_catalog.catalogue.filters import ActionFilter
from actions_catalog.core.export_schema import EXPORT_KEYS, export_rows
from actions_catalog.core.models import Action

pytestmark = pytest.mark.usefixtures("seeded")


def test_api_shape(api):
    status, data = api()
    assert status == 200
    assert list(data) == ["count", "next", "previous", "results", "facets"]
    assert data["count"] == 22
    assert len(data["results"]) == 20
    assert data["previous"] is None
    assert data["next"] == "http://testserver/api/actions/?page=2"


def test_api_has_one_facet_per_query_parameter(api):
    facets = api()[1]["facets"]
    assert set(facets) == set(ActionFilter.FACETS)
    assert set(facets) == {
        "dimension",
        "public",
        "keyword",
        "status",
        "territory",
        "initiative",
        "year",
        "region",
        "departement",
        "partner",
    }
    assert facets["year"] == []  # the scraped seed gives no years (only the submission form asks them)
    for name, options in facets.items():
        assert options or name == "year"
        for option in options:
            assert list(option) == ["value", "label", "count", "selected"]
            assert isinstance(option["count"], int) and option["selected"] is False


def test_api_results_are_the_export_schema_plus_url(api):
    results = api("page_size=100")[1]["results"]
    assert len(results) == 22
    assert all(list(row) == [*EXPORT_KEYS, "url"] for row in results)
    by_slug = {row["slug"]: row for row in results}
    expected = export_rows(Action.objects.published().with_sheet_relations())
    for row in expected:
        assert {k: v for k, v in by_slug[row["slug"]].items() if k != "url"} == row
    ski = next(row for row in results if row["title"] == "Mise en place séjour au ski interquartier")
    assert ski["funding_total"] == "21280.00"
    assert ski["url"] == f"http://testserver/actions/{ski['slug']}/"


def test_api_next_and_previous_keep_the_filters(api):
    status, data = api("keyword=vacances-loisirs&page_size=4&page=2")
    assert data["count"] == 11
    assert data["next"] == "http://testserver/api/actions/?keyword=vacances-loisirs&page_size=4&page=3"
    assert data["previous"] == "http://testserver/api/actions/?keyword=vacances-loisirs&page_size=4&page=1"
    last = api("keyword=vacances-loisirs&page_size=4&page=3")[1]
    assert last["next"] is None and len(last["results"]) == 3


def test_api_filters_and_searches_like_the_list(api, client):
    for query in ["keyword=vacances-loisirs", "q=sejour&status=en-cours", "region=27&public=familles"]:
        data = api(query + "&page_size=100")[1]
        listing = client.get(reverse("action_list") + "?" + query + "&page_size=100").context["listing"]
        assert [row["slug"] for row in data["results"]] == [action.slug for action in listing.actions]
        assert data["count"] == listing.total


def test_api_counts_are_disjunctive(api):
    data = api("keyword=culture")[1]
    keyword = {option["value"]: option["count"] for option in data["facets"]["keyword"]}
    assert data["count"] == 4
    assert keyword["parentalite"] == 10
    selected = [option["value"] for option in data["facets"]["keyword"] if option["selected"]]
    assert selected == ["culture"]


def test_api_answers_json_in_utf8_readable_from_anywhere(client):
    response = client.get(reverse("api_action_list"))
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Séjour".encode() in response.content


def test_api_is_read_only(client):
    assert client.post(reverse("api_action_list")).status_code == 405


# The catalogue version, the page, and its keywords, partners, publics, initiatives, funding lines and years (the
# relations of a sheet, ``relations.SHEET_PREFETCH``; facets are counted in the catalogue index, built by the first
# request).
API_QUERIES = 8


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", API_QUERIES),
        ("page_size=100", API_QUERIES),
        ("page_size=1&page=7", API_QUERIES),
        # + the search, not yet cached (in a savepoint inside the test's transaction: 2 more statements)
        ("keyword=culture&public=jeunesse&q=jeunes", API_QUERIES + 3),
        ("sort=title", API_QUERIES),
    ],
)
def test_api_runs_a_fixed_number_of_queries(client, django_assert_num_queries, query, expected):
    client.get(reverse("api_action_list") + "?page=1")  # builds the catalogue index
    with django_assert_num_queries(expected):
        response = client.get(reverse("api_action_list") + "?" + query)
    assert response.status_code == 200
    assert response.json()["results"]
    with django_assert_num_queries(1):  # asked again: the page kept for visitors (catalogue/visitor_pages.py)
        assert client.get(reverse("api_action_list") + "?" + query).json() == response.json()
