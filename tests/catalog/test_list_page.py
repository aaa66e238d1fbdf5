"""The faceted list page: results, sorting, pagination that keeps the filters, chips, fixed query counts."""

import re
from html import unescape

import pytest
from django.test import override_settings
from django.urls import reverse

from actions_catalog.core.models import Action
from actions_catalog.core.text import normalize_key
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


def test_results_come_before_the_filters_and_the_first_skip_link_goes_to_them(client):
    html = page(client).content.decode()
    assert html.index('id="resultats"') < html.index('class="result"') < html.index('id="filtres"')
    skip_links = re.findall(r'<li><a href="(#[a-z]+)">', html[html.index('class="skip-links"') :])
    assert skip_links[0] == "#resultats"


def test_list_shows_each_option_with_its_count(client):
    html = page(client, "keyword=culture").content.decode()
    assert "4 actions trouvées" in html
    assert re.search(
        r'<li><label><input type="checkbox" name="keyword" value="parentalite"> Parentalité <span class="n">10</span>',
        html,
    )
    assert '<input type="checkbox" name="keyword" value="culture" checked> Culture' in html


def test_numbers_are_written_the_french_way(client, make_action):
    from actions_catalog.catalogue import french

    assert french.number(2022) == "2\u00a0022"
    assert french.count(0, "action", "actions", none="Aucune action") == "Aucune action"
    assert french.count(1, "action", "actions") == "1 action"
    assert french.count(1234567, "action", "actions") == "1\u00a0234\u00a0567 actions"
    html = page(client, "page_size=5").content.decode()
    assert "Les 22 actions de cette liste" in html


def test_the_sort_menu_shows_the_sort_in_effect(client):
    def selected_sort(query):
        html = page(client, query).content.decode()
        menu = html[html.index('<select id="tri"') : html.index("</select>", html.index('<select id="tri"'))]
        return re.findall(r'<option value="(\w+)" selected>', menu), re.findall(r'<option value="(\w+)"', menu)

    assert selected_sort("") == (["recent"], ["recent", "title"])  # no relevance to offer without a search
    assert selected_sort("sort=relevance") == (["recent"], ["recent", "title"])  # what the page really does
    assert selected_sort("sort=title") == (["title"], ["recent", "title"])
    assert selected_sort("q=sejour") == (["relevance"], ["relevance", "recent", "title"])
    assert selected_sort("q=sejour&sort=recent") == (["recent"], ["relevance", "recent", "title"])


def test_the_page_size_menu_shows_the_size_in_effect(client):
    html = page(client, "page_size=7").content.decode()
    menu = html[html.index('<select id="par-page"') : html.index("</select>", html.index('<select id="par-page"'))]
    assert re.findall(r"<option( selected)?>(\d+)</option>", menu) == [
        (" selected", "7"),
        ("", "10"),
        ("", "20"),
        ("", "50"),
        ("", "100"),
    ]


def test_filter_button_counts_the_active_filters(client):
    assert ">Filtrer</a>" in page(client).content.decode()
    html = page(client, "keyword=culture&keyword=parentalite&public=familles&q=vacances").content.decode()
    assert ">Filtrer (3)</a>" in html
    assert 'href="#filtres"' in html


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
    assert f'<a class="chips__reset" href="{LIST}">Réinitialiser' in html


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
    html = unescape(response.content.decode())
    assert "Aucune action trouvée" in html
    assert "Aucune action ne correspond" in html


def test_an_empty_list_suggests_removing_the_last_filter_and_offers_no_download(client):
    html = unescape(page(client, "keyword=culture&departement=2A&public=jeunesse").content.decode())
    assert "Aucune action ne correspond" in html
    # the last parameter of the address is the filter added last (the page's script appends new ones)
    assert '<a href="?keyword=culture&departement=2A">retirer « Jeunesse » (public)</a>' in html
    assert "Télécharger ces résultats" not in html and "export.csv" not in html
    html = unescape(page(client, "public=jeunesse&departement=2A").content.decode())
    assert '<a href="?public=jeunesse">retirer « Corse-du-Sud » (département)</a>' in html
    html = unescape(page(client, "keyword=culture&q=zythologie").content.decode())
    assert '<a href="?keyword=culture">retirer la recherche « zythologie »</a>' in html


def fieldset(html: str, name: str) -> str:
    """The fieldset of one facet, its opening tag included."""
    start = html.rindex("<fieldset", 0, html.index(f'id="facette-{name}"'))
    return html[start : html.index("</fieldset>", start)]


def test_options_without_results_are_hidden_unless_selected_or_asked_for(client):
    html = page(client, "keyword=culture&departement=2A").content.decode()
    shown, hidden = fieldset(html, "departement").split("facet__list--empty")
    assert 'value="2A" checked> Corse-du-Sud (2A) <span class="n">0</span>' in shown  # selected: in view
    assert re.findall(r'<span class="n">(\d+)</span>', shown.replace(">0</span>", "", 1)) == sorted(
        re.findall(r'<span class="n">(\d+)</span>', shown.replace(">0</span>", "", 1)), key=int, reverse=True
    )
    assert "0" not in re.findall(r'<span class="n">(\d+)</span>', shown.replace(">0</span>", "", 1))
    assert set(re.findall(r'<span class="n">(\d+)</span>', hidden)) == {"0"}  # hidden until asked for
    assert fieldset(html, "public").startswith('<fieldset class="facet facet--empty"')  # nothing but zeros
    assert (
        '<input type="checkbox" id="montrer-vides"> <label for="montrer-vides">Afficher les options sans résultat'
        in html
    )
    assert "montrer-vides" not in page(client).content.decode()  # nothing to reveal without filters


def test_a_long_facet_shows_the_selected_options_then_the_most_used_then_the_rest_in_french_order(client):
    html = unescape(page(client, "keyword=sante").content.decode())
    keywords = fieldset(html, "keyword")
    shown, more = keywords.split('<details class="facet__more">')
    labels = re.findall(r'value="[^"]+"(?: checked)?> ([^<]+) <span class="n">(\d+)', shown)
    assert labels[0][0] == "Santé"  # selected first, although it has one action
    counts = [int(count) for _, count in labels[1:]]
    assert len(counts) == 8 and counts == sorted(counts, reverse=True)
    rest = re.findall(r'value="[^"]+"> ([^<]+) <span', more)
    assert "Voir les" in more and f"Voir les {len(rest)} autres options" in more
    assert rest == sorted(rest, key=lambda label: normalize_key(label))  # accents and case ignored
    assert not {label for label, _ in labels} & set(rest)


def test_departements_are_narrowed_to_the_selected_regions(client):
    from centres.models import Departement

    html = page(client, "region=76&region=11").content.decode()
    codes = set(re.findall(r'name="departement" value="(\w+)"', fieldset(html, "departement")))
    assert codes
    assert codes <= set(Departement.objects.filter(region__in=["76", "11"]).values_list("code", flat=True))
    html = page(client, "region=76&departement=94").content.decode()  # a selected one stays, even elsewhere
    assert 'name="departement" value="94" checked' in fieldset(html, "departement")


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
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/js/catalogue.js" defer>']
    assert " on" + "click=" not in html


# The catalogue version, the page and its rows' keywords (facets are counted in the catalogue index).
LIST_QUERIES = 3
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
    client.get(f"{LIST}?page=1")  # builds the catalogue index
    with django_assert_num_queries(expected):
        response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    assert response.context["listing"].actions
    with django_assert_num_queries(1):  # asked again: the page kept for visitors (catalogue/visitor_pages.py)
        assert client.get(f"{LIST}?{query}").content == response.content
    with override_settings(VISITOR_PAGES_SECONDS=0), django_assert_num_queries(LIST_QUERIES):  # the search is cached
        client.get(f"{LIST}?{query}")


def test_the_first_list_after_a_change_builds_the_index(client, django_assert_num_queries):
    with django_assert_num_queries(INDEX_BUILD_QUERIES + LIST_QUERIES):
        assert client.get(LIST).status_code == 200
    Action.objects.published().filter(pk=Action.objects.published().first().pk).update(title="Un autre titre")
    with django_assert_num_queries(INDEX_BUILD_QUERIES + LIST_QUERIES):
        assert client.get(LIST).status_code == 200
    with django_assert_num_queries(1):  # the page of this version, kept for visitors
        assert client.get(LIST).status_code == 200


def test_an_empty_list_skips_only_the_page_queries(client, django_assert_num_queries):
    client.get(LIST)
    with django_assert_num_queries(1):  # the catalogue version; no page to fetch
        response = client.get(f"{LIST}?departement=2A")
    assert response.status_code == 200
