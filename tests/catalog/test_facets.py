"""Facets of the catalogue: each facet alone and combined, exact disjunctive counts, listed options."""

from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from actions_catalog.catalogue.facets import FACETS, Facet, Option
from actions_catalog.catalogue.listing import InvalidParameter, build_listing
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import MAX_ACTION_YEAR, MIN_ACTION_YEAR, Action

pytestmark = pytest.mark.usefixtures("seeded")


def listing_for(query: str):
    return build_listing(QueryDict(query), paginate=False)


def titles(query: str) -> set[str]:
    return set(listing_for(query).queryset.values_list("title", flat=True))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("keyword=vacances-loisirs", 11),
        ("keyword=parentalite", 10),
        ("public=jeunesse", 4),
        ("public=tous-publics", 6),
        ("dimension=services", 1),
        ("dimension=accompagnement-de-projets", 13),
        ("status=terminee", 3),
        ("status=en-cours", 19),
        ("territory=une-commune", 9),
        ("initiative=un-habitant", 1),
        ("initiative=un-groupe-dhabitants", 6),
        ("region=84", 2),
        ("region=11", 4),
        ("departement=94", 2),
        ("departement=31", 1),
        ("partner=ancv", 22),
    ],
)
def test_each_facet_alone_keeps_the_matching_actions(api, query, expected):
    status, data = api(query)
    assert status == 200
    assert data["count"] == expected
    assert listing_for(query).queryset.count() == expected


def test_each_facet_alone_matches_the_orm(seeded):
    published = Action.objects.published()
    assert titles("keyword=culture") == set(published.filter(keywords__slug="culture").values_list("title", flat=True))
    assert titles("public=seniors") == set(published.filter(publics__public="seniors").values_list("title", flat=True))
    assert titles("region=27") == set(
        published.filter(centre__departement__region_id="27").values_list("title", flat=True)
    )


def test_values_of_one_facet_combine_with_or():
    culture, parentalite = titles("keyword=culture"), titles("keyword=parentalite")
    both = titles("keyword=culture&keyword=parentalite")
    assert both == culture | parentalite
    assert len(both) == 13
    assert len(both) < len(culture) + len(parentalite)  # an action with both keywords counts once


def test_different_facets_combine_with_and():
    assert titles("keyword=vacances-loisirs&public=familles") == titles("keyword=vacances-loisirs") & titles(
        "public=familles"
    )
    assert len(titles("keyword=vacances-loisirs&public=familles")) == 4
    assert titles("keyword=vacances-loisirs&status=terminee") == {
        "Mise en place séjour au ski interquartier",
        "Séjour Autofinancé Barcelone",
    }


def test_facets_combine_with_the_search():
    assert titles("q=sejour&status=terminee") == titles("q=sejour") & titles("status=terminee")


def options(listing, facet: str) -> dict[str, int]:
    return {option.value: option.count for option in listing.facets[facet].options}


def test_a_facet_counts_ignore_its_own_selection(api):
    status, data = api("keyword=culture")
    keyword = {option["value"]: option for option in data["facets"]["keyword"]}
    assert keyword["parentalite"]["count"] == 10
    assert keyword["vacances-loisirs"]["count"] == 11
    assert keyword["culture"] == {"value": "culture", "label": "Culture", "count": 4, "selected": True}
    assert keyword["parentalite"]["selected"] is False


def test_other_facets_counts_apply_the_selection(api):
    status, data = api("keyword=culture")
    public = {option["value"]: option["count"] for option in data["facets"]["public"]}
    assert data["count"] == 4
    assert public["tous-publics"] == 2
    assert public["enfance"] == 0


@pytest.mark.parametrize(
    "query",
    ["", "keyword=culture", "keyword=vacances-loisirs&public=familles&status=en-cours", "q=sejour&region=27"],
)
def test_every_count_is_the_number_of_results_that_option_would_give(query):
    """Exact disjunctive counts: each option's count is the size of the list with the option (its facet's
    other selected values replaced by it)."""
    listing = listing_for(query)
    for name, facet in listing.facets.items():
        params = QueryDict(query, mutable=True)
        for option in facet.options:
            params.setlist(name, [option.value])
            assert option.count == listing_for(params.urlencode()).queryset.count(), (name, option.value)


def test_total_is_the_number_of_results():
    for query in ["", "status=terminee", "status=terminee&status=en-cours&keyword=culture", "q=sejour"]:
        listing = listing_for(query)
        assert listing.total == listing.queryset.count()


def test_options_without_results_stay_listed_and_marked(client):
    listing = listing_for("keyword=culture")
    enfance = next(option for option in listing.facets["public"].options if option.value == "enfance")
    assert enfance.count == 0 and enfance.empty
    html = client.get("/actions/?keyword=culture").content.decode()
    hidden = html[html.index('<ul class="facet__list facet__list--empty">', html.index('id="facette-public"')) :]
    assert hidden.index('value="enfance"> Enfance <span class="n">0</span>') < hidden.index("</ul>")


def test_a_facet_lists_values_used_by_published_actions_plus_the_selected_ones():
    assert "2A" not in options(listing_for(""), "departement")
    assert options(listing_for("departement=2A"), "departement")["2A"] == 0
    assert options(listing_for("departement=2A"), "departement")["94"] == 2
    assert "services" in options(listing_for(""), "dimension")


def test_values_used_only_by_unpublished_actions_are_not_listed(make_action):
    make_action("Brouillon secret", state=PublicationState.DRAFT, keywords=["Mot clé caché"], departement_code="2B")
    listing = listing_for("")
    assert "mot-cle-cache" not in options(listing, "keyword")
    assert "2B" not in options(listing, "departement")
    assert listing.total == 22
    # Selected, it is unknown (a 400), as a slug that does not exist: drafts' labels are nobody's business.
    with pytest.raises(InvalidParameter):
        listing_for("keyword=mot-cle-cache")


def test_every_facet_has_a_counting_query():
    assert set(FACETS) == {
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


def test_option_urls_and_labels_use_french_labels():
    listing = listing_for(urlencode({"public": "familles"}))
    labels = {option.value: option.label for option in listing.facets["territory"].options}
    assert labels["une-commune"] == "Une commune"
    regions = {option.value: option.label for option in listing.facets["region"].options}
    assert regions["84"] == "Auvergne-Rhône-Alpes"


# -- Years (asked by the submission form; the scraped seed has none) ------------------------------------


def test_the_year_facet_filters_and_counts_the_years_of_the_actions(make_action):
    make_action("Séjour 2022", years=[2022], keywords=["Culture"])
    make_action("Chantier 2022-2023", years=[2022, 2023])
    make_action("Forum 2024", years=[2024], state=PublicationState.DRAFT)  # unpublished: neither listed nor counted

    years = options(listing_for(""), "year")
    assert years == {"2023": 1, "2022": 2}
    assert [option.value for option in listing_for("").facets["year"].options] == ["2023", "2022"]
    assert titles("year=2023") == {"Chantier 2022-2023"}
    assert titles("year=2022&year=2023") == {"Séjour 2022", "Chantier 2022-2023"}
    assert titles("year=2022&keyword=culture") == {"Séjour 2022"}
    # disjunctive: the year facet ignores its own selection, the others apply it
    assert options(listing_for("year=2023"), "year") == {"2023": 1, "2022": 2}
    assert options(listing_for("year=2023"), "keyword").get("culture") == 0


def test_a_year_without_actions_is_an_empty_result_and_a_malformed_year_is_refused(api):
    status, data = api("year=1999")
    assert (status, data["count"]) == (200, 0)
    assert {"value": "1999", "label": "1999", "count": 0, "selected": True} in data["facets"]["year"]
    status, data = api("year=deux-mille")
    assert status == 400
    assert data["parameter"] == "year"


@pytest.mark.parametrize(
    ("year", "status"),
    [
        (str(MIN_ACTION_YEAR - 1), 400),
        (str(MIN_ACTION_YEAR), 200),
        (str(MAX_ACTION_YEAR), 200),
        (str(MAX_ACTION_YEAR + 1), 400),
        ("0999", 400),
        ("999", 400),
        ("20230", 400),
    ],
)
def test_a_year_outside_the_years_an_action_may_have_is_refused(api, year, status):
    answer, data = api(f"year={year}")
    assert answer == status
    if status == 400:
        assert data["parameter"] == "year"
        assert year in data["error"]
    else:
        assert data["count"] == 0


def test_how_the_list_groups_the_options_of_a_facet():
    from actions_catalog.catalogue.facets import TOP_OPTIONS, display

    labels = ["Zoo", "éducation", "Écologie", "Musique", "Médiation", "art", "Bal", "Cinéma", "Danse", "Fête", "Goûter"]
    counts = range(11, 0, -1)
    options = [Option(f"k{i}", label, n, False) for i, (label, n) in enumerate(zip(labels, counts, strict=True))]
    options += [Option("vide", "Aucune", 0, False), Option("choisie", "Vide choisie", 0, True)]
    grouped = display(Facet("keyword", "Mots clés", options))
    assert [o.label for o in grouped.shown] == ["Vide choisie", *labels[:TOP_OPTIONS]]  # selected, then most used
    assert [o.label for o in grouped.more] == ["Danse", "Fête", "Goûter"]  # the rest, in French order
    assert [o.label for o in grouped.empty] == ["Aucune"]
    rest = display(Facet("keyword", "Mots clés", [Option(f"k{i}", label, 1, False) for i, label in enumerate(labels)]))
    assert [o.label for o in rest.shown] == ["art", "Bal", "Cinéma", "Danse", "Écologie", "éducation", "Fête", "Goûter"]
    assert [o.label for o in rest.more] == ["Médiation", "Musique", "Zoo"]  # accents and case ignored

    public = [
        Option("enfance", "Enfance", 0, False),
        Option("jeunesse", "Jeunesse", 3, True),
        Option("a", "Adultes", 5, False),
    ]
    grouped = display(Facet("public", "Public", public))
    assert [o.value for o in grouped.shown] == ["jeunesse", "a"]  # a fixed set keeps its order
    assert [o.value for o in grouped.empty] == ["enfance"] and not grouped.more
    places = [Option("69", "Rhône", 4, False), Option("31", "Haute-Garonne", 2, False), Option("2A", "Corse", 0, True)]
    narrowed = display(Facet("departement", "Département", places), keep=lambda option: option.value == "69")
    assert [o.value for o in narrowed.shown] == ["2A", "69"]  # the selected one stays, even elsewhere
