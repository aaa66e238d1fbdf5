"""The faceted list page: results, sorting, pagination that keeps the filters, chips, fixed query counts."""

import re
from html import unescape

import pytest
from django.urls import reverse

from actions_catalog.core.models import Action
from tests.conftest import INDEX_BUILD_QUERIES

pytestmark = pytest.mark.usefixtures("seeded")

LIST = reverse("action_list")


def page(client, query=""):
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    return response


def result_titles(response) -> list[str]:
    return [action.title for action in response.context["listing"].actions]


def test_list_shows_the_total_and_twenty_results_by_default(client):
    response = page(client)
    html = response.content.decode()
    assert "22 actions publiées" in html
    assert len(result_titles(response)) == 20
    assert html.count('class="result"') == 20


def test_list_shows_each_option_with_its_count(client):
    html = page(client, "keyword=culture").content.decode()
    assert "4 actions trouvées" in html
    assert re.search(r'id="f-keyword-parentalite" *>\s*<label for="f-keyword-parentalite">Parentalité <span', html)
    assert 'data-count="10">10</span>' in html
    assert 'name="keyword" value="culture" id="f-keyword-culture" checked' in html


def test_sort_by_title(client):
    titles = result_titles(page(client, "sort=title&page_size=100"))
    assert len(titles) == 22
    assert titles[0] == "A l'âge d'or on bouge"
    assert titles == sorted(titles, key=lambda t: t.casefold().replace("é", "e").replace("à", "a"))


def test_sort_recent_is_the_default_without_search(client):
    response = page(client, "page_size=100")
    stamps = [action.updated_at for action in response.context["listing"].actions]
    assert stamps == sorted(stamps, reverse=True)
    assert result_titles(response) == result_titles(page(client, "page_size=100&sort=recent"))


def test_relevance_without_search_falls_back_to_recent(client):
    assert result_titles(page(client, "sort=relevance")) == result_titles(page(client, "sort=recent"))


def test_page_size_and_pages(client):
    first = result_titles(page(client, "page_size=5"))
    second = result_titles(page(client, "page_size=5&page=2"))
    last = result_titles(page(client, "page_size=5&page=5"))
    assert len(first) == len(second) == 5 and len(last) == 2
    assert not set(first) & set(second)
    everything = result_titles(page(client, "page_size=100"))
    assert everything[:5] == first and everything[20:] == last


def test_pagination_links_keep_every_filter(client):
    html = unescape(
        page(client, "keyword=vacances-loisirs&keyword=parentalite&page_size=5&sort=title").content.decode()
    )
    links = re.findall(r'href="\?([^"]*page=\d+[^"]*)"', html)
    assert links
    for link in links:
        assert "keyword=vacances-loisirs" in link and "keyword=parentalite" in link
        assert "page_size=5" in link and "sort=title" in link
    assert 'rel="next"' in html
    assert "?keyword=vacances-loisirs&keyword=parentalite&page_size=5&sort=title&page=2" in html


def test_chips_remove_one_value_and_keep_the_others(client):
    html = unescape(page(client, "keyword=culture&keyword=parentalite&public=familles&q=vacances").content.decode())
    chips = re.findall(r'<a class="chip" href="\?([^"]*)"', html)
    assert len(chips) == 4
    assert "keyword=parentalite&public=familles&q=vacances" in chips  # culture removed
    assert "keyword=culture&keyword=parentalite&q=vacances" in chips  # familles removed
    assert "keyword=culture&keyword=parentalite&public=familles" in chips  # search removed
    assert f'<a href="{LIST}">Réinitialiser</a>' in html


def test_no_chip_and_no_reset_without_filters(client):
    html = page(client).content.decode()
    assert 'class="chip"' not in html
    assert "Réinitialiser" not in html


def test_download_links_carry_the_filters(client):
    html = unescape(page(client, "keyword=culture&page=1").content.decode())
    for fmt in ("csv", "xlsx", "json"):
        assert f'href="/actions/export.{fmt}?keyword=culture"' in html
    assert "Télécharger ces résultats" in html


def test_a_departement_without_actions_is_an_empty_list_not_an_error(client):
    response = page(client, "departement=2A")
    html = response.content.decode()
    assert "0 action trouvée" in html
    assert "Aucune action ne correspond" in html


def test_unpublished_actions_are_never_listed(client, make_action):
    from actions_catalog.core.choices import PublicationState

    for state in (PublicationState.DRAFT, PublicationState.PENDING, PublicationState.REJECTED):
        make_action(f"Fiche {state}", state=state)
    html = page(client, "page_size=100").content.decode()
    assert "Fiche " not in html
    assert "22 actions publiées" in html


def test_facet_labels_are_escaped(client, make_action):
    make_action("Fiche piégée", keywords=['<img src=x onerror="alert(1)">'], partners=["A & B <b>"])
    html = page(client, "page_size=100").content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "A &amp; B &lt;b&gt;" in html


def test_pages_have_no_inline_style_or_script(client):
    html = page(client, "q=sejour").content.decode()
    assert "style=" not in html
    assert "<script" not in html
    assert " on" + "click=" not in html


# The catalogue version, the page, its keywords and its publics (facets are counted in the catalogue index).
LIST_QUERIES = 4
# A search not yet cached for this catalogue version: its matching ids and ranks; inside a test's transaction,
# within a savepoint (two more statements), so that a query PostgreSQL refuses cannot break it.
SEARCH_QUERIES = 3


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", LIST_QUERIES),
        ("page_size=100", LIST_QUERIES),
        ("page_size=1", LIST_QUERIES),
        ("keyword=culture&keyword=parentalite&public=familles", LIST_QUERIES),
        ("dimension=citoyennete&status=en-cours&territory=une-commune&initiative=le-centre-social", LIST_QUERIES),
        ("region=27&departement=25&partner=ancv&sort=title", LIST_QUERIES),
        ("q=sejour&page_size=3&page=2", LIST_QUERIES + SEARCH_QUERIES),
    ],
)
def test_list_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, query, expected):
    client.get(LIST)  # builds the catalogue index
    with django_assert_num_queries(expected):
        response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert response.context["listing"].actions
    with django_assert_num_queries(LIST_QUERIES):  # the search is cached too
        client.get(f"{LIST}?{query}")


def test_the_first_list_after_a_change_builds_the_index(client, django_assert_num_queries):
    with django_assert_num_queries(INDEX_BUILD_QUERIES + LIST_QUERIES):
        assert client.get(LIST).status_code == 200
    Action.objects.published().filter(pk=Action.objects.published().first().pk).update(title="Un autre titre")
    with django_assert_num_queries(INDEX_BUILD_QUERIES + LIST_QUERIES):
        assert client.get(LIST).status_code == 200
    with django_assert_num_queries(LIST_QUERIES):
        assert client.get(LIST).status_code == 200


def test_an_empty_list_skips_only_the_page_queries(client, django_assert_num_queries):
    client.get(LIST)
    with django_assert_num_queries(1):  # the catalogue version; no page to fetch
        response = client.get(f"{LIST}?departement=2A")
    assert response.status_code == 200
