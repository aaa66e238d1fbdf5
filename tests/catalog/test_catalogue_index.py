"""The in-memory catalogue index: the same answers as the SQL reference implementations, and never stale."""

import numpy as np
import pytest
from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.http import QueryDict
from django.utils import timezone

from actions_catalog.catalogue import index as catalogue_index
from actions_catalog.catalogue.filters import ActionFilter
from actions_catalog.catalogue.listing import build_listing
from actions_catalog.catalogue.sheet_page import linked_values, related_actions
from actions_catalog.catalogue.stats import headline_figures, top_keywords
from actions_catalog.core import moderation
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.merging import merge
from actions_catalog.core.models import Action, ActionYear, CatalogueVersion, Keyword, Partner
from centres.models import Centre
from tests import oracles

pytestmark = pytest.mark.usefixtures("seeded")

QUERIES = [
    "",
    "keyword=culture",
    "keyword=culture&keyword=parentalite&public=familles",
    "dimension=citoyennete&status=en-cours&territory=une-commune&initiative=le-centre-social",
    "region=27&departement=25&partner=ancv",
    "region=11&region=84&status=terminee",
    "departement=94&keyword=vacances-loisirs&dimension=services",
    "q=sejour",
    "q=sejour&keyword=vacances-loisirs&departement=74",
    "q=jeunes -sport&public=jeunesse",
    "q=%22sortie familles%22",
    "q=zzzzintrouvable",
    "year=2023",
    "year=2023&year=1999&keyword=culture",
    "keyword=mot-cle-inconnu",  # unknown: reported in Facet.unknown by both
    "departement=2A",  # exists, no action
    "partner=ancv&sort=title",
    "q=parentalite&sort=relevance",
    "q=famille&sort=recent",
]


def filterset(query: str) -> ActionFilter:
    result = ActionFilter(QueryDict(query), queryset=Action.objects.published())
    assert result.is_valid(), result.form.errors
    return result


def in_memory(query: str):
    fs = filterset(query)
    index = catalogue_index.current()
    return index.compute_facets(fs, index.filter_masks(fs))


def assert_same_as_sql(query: str):
    """Facets (options, counts, order, unknown values) and the sorted list are those of the SQL reference."""
    fs = filterset(query)
    expected = oracles.compute_facets(fs)
    assert in_memory(query) == expected
    if not any(facet.unknown for facet in expected.values()):  # else the list is a 400
        listing = build_listing(QueryDict(query), paginate=False)
        index = catalogue_index.current()
        ids = index.sorted_ids(index.combined(index.filter_masks(fs)), listing.sort, listing.query).tolist()
        assert ids == list(listing.queryset.values_list("pk", flat=True))
        assert listing.total == len(ids)


@pytest.fixture
def years(seeded):
    """Years on some actions (scraped sheets have none), so that the year facet has values."""
    for number, action in enumerate(Action.objects.order_by("pk")):
        ActionYear.objects.create(action=action, year=2020 + number % 5)


@pytest.mark.parametrize("query", QUERIES)
def test_facets_and_order_are_those_of_the_sql_reference(years, query):
    assert_same_as_sql(query)


def test_unpublished_actions_are_not_in_the_index(make_action, years):
    make_action("Brouillon", state=PublicationState.DRAFT, keywords=["Culture"], years=[2031])
    make_action("En attente", state=PublicationState.PENDING, keywords=["Nouveau mot"])
    for query in ["", "keyword=culture", "year=2031", "keyword=nouveau-mot"]:
        assert_same_as_sql(query)


def test_related_actions_are_those_of_the_sql_reference():
    for action in Action.objects.published():
        expected = [(other.pk, other.common) for other in oracles.related_actions(action)]
        assert [(other.pk, other.common) for other in related_actions(action)] == expected


def test_the_links_of_a_sheet_are_those_of_its_relations(make_action):
    make_action("Plusieurs publics", publics=["seniors", "familles", "jeunesse"], keywords=["Zèbre", "abeille"])
    index = catalogue_index.current()
    for action in Action.objects.published().with_sheet_relations():
        assert index.linked_values(action.pk) == linked_values(action)
    assert index.linked_values(-1) == {"keywords": [], "partners": [], "publics": [], "initiatives": []}


def test_home_figures_are_those_of_the_sql_reference():
    index = catalogue_index.current()
    assert headline_figures(index) == oracles.headline_figures()
    expected = [(keyword.slug, keyword.label, keyword.count) for keyword in oracles.top_keywords()]
    assert [(keyword.slug, keyword.label, keyword.count) for keyword in top_keywords(index=index)] == expected
    assert index.departement_counts() == oracles.departement_counts()


# -- Never stale ---------------------------------------------------------------------------------------


def version():
    return catalogue_index.read_version()


def write_and_check(write, query: str = ""):
    """Warm the index, write, then check that the version moved and the index answers as SQL does."""
    assert_same_as_sql(query)
    before = version()
    write()
    assert version() != before
    assert_same_as_sql(query)


def test_saving_an_action_refreshes_the_index():
    action = Action.objects.published().get(title__icontains="ski")

    def write():
        action.status = "terminee"
        action.save()

    write_and_check(write, "status=terminee")


def test_unpublishing_an_action_refreshes_the_index():
    action = Action.objects.published().first()
    write_and_check(lambda: Action.objects.filter(pk=action.pk).update(state=PublicationState.DRAFT))


def test_adding_a_keyword_refreshes_the_index():
    action = Action.objects.published().first()
    keyword = Keyword.objects.create(label="Tout nouveau")
    write_and_check(lambda: action.keywords.add(keyword), "keyword=tout-nouveau")


def test_removing_keywords_refreshes_the_index():
    action = Action.objects.published().filter(keywords__slug="culture").first()
    write_and_check(lambda: action.keywords.clear(), "keyword=culture")


def test_deleting_an_action_refreshes_the_index():
    action = Action.objects.published().filter(keywords__slug="culture").first()
    write_and_check(action.delete, "keyword=culture")


def test_renaming_a_keyword_refreshes_the_labels():
    keyword = Keyword.objects.get(slug="culture")

    def write():
        keyword.label = "Culture et arts"
        keyword.save()

    write_and_check(write, "keyword=culture")
    assert "Culture et arts" in [option.label for option in in_memory("")["keyword"].options]


def test_a_new_publics_row_refreshes_the_index():
    action = Action.objects.published().exclude(publics__public="seniors").first()
    write_and_check(lambda: action.publics.create(public="seniors"), "public=seniors")


def test_moving_a_centre_refreshes_the_index():
    centre = Centre.objects.filter(actions__state=PublicationState.PUBLISHED).first()
    write_and_check(lambda: Centre.objects.filter(pk=centre.pk).update(departement_id="2A"), "departement=2A")


def test_merging_keywords_refreshes_the_index():
    survivor, other = Keyword.objects.get(slug="culture"), Keyword.objects.get(slug="parentalite")
    write_and_check(lambda: merge(survivor, [other]), "keyword=culture")


def test_merging_partners_refreshes_the_index():
    survivor = Partner.objects.get(slug="ancv")
    other = Partner.objects.create(label="ANCV bis")
    other.actions.add(*Action.objects.published()[:3])
    write_and_check(lambda: merge(survivor, [other]), "partner=ancv")


def test_raw_sql_refreshes_the_index():
    table = Action._meta.db_table

    def write():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET dimension = NULL WHERE dimension = %s", ["citoyennete"])

    write_and_check(write, "dimension=citoyennete")


def test_a_search_is_not_served_from_an_older_version(make_action):
    assert_same_as_sql("q=zzzzintrouvable")
    make_action("Zzzzintrouvable enfin trouvé")
    assert_same_as_sql("q=zzzzintrouvable")
    assert build_listing(QueryDict("q=zzzzintrouvable"), paginate=False).total == 1


@pytest.fixture
def searched(monkeypatch) -> list:
    """Each SQL search the index runs: ``None`` for the whole catalogue, else the sorted ids searched again."""
    searches = []
    full_search = catalogue_index.CatalogueIndex._search

    def spy(index, query, among=None):
        searches.append(None if among is None else sorted(int(pk) for pk in among))
        return full_search(index, query, among)

    monkeypatch.setattr(catalogue_index.CatalogueIndex, "_search", spy)
    return searches


def test_a_search_on_a_new_version_searches_again_only_the_rows_that_changed(make_action, searched):
    """The search of an earlier index is kept for the rows of the same version (``xmin`` and ``ctid``); only new or
    changed rows are searched again, and the result is the full search's, even for a row updated twice in one
    transaction (same ``xmin``, another ``ctid``)."""
    query = "q=famille"
    assert_same_as_sql(query)
    assert searched == [None]  # the first search of the process: the whole catalogue
    matching = build_listing(QueryDict(query), paginate=False).ids()
    assert len(matching) > 2

    new = make_action("Sortie famille au jardin")
    Action.objects.filter(pk=matching[0]).update(state=PublicationState.DRAFT)  # leaves the index
    other = Action.objects.published().exclude(pk__in=list(matching)).exclude(pk=new.pk).order_by("pk").first()
    Action.objects.filter(pk=other.pk).update(title="Une action sans le mot")
    searched.clear()
    assert_same_as_sql(query)
    assert searched == [sorted([new.pk, other.pk])]

    Action.objects.filter(pk=other.pk).update(title="Une action pour la famille")  # same transaction
    searched.clear()
    assert_same_as_sql(query)
    assert searched == [[other.pk]]
    found = build_listing(QueryDict(query), paginate=False).ids()
    assert new.pk in found and other.pk in found and matching[0] not in found


def test_a_search_made_several_versions_ago_is_still_searched_again_only_among_the_changed_rows(make_action, searched):
    """A burst of approvals makes more versions than the indexes a process keeps: a query searched before them is
    searched again among the actions changed since, not over the whole catalogue (``ROW_STATES_KEPT``)."""
    assert_same_as_sql("q=famille")
    new = []
    for number in range(catalogue_index.INDEXES_KEPT + 2):  # each a version whose index this process loads
        new.append(make_action(f"Atelier numéro {number}").pk)
        assert_same_as_sql("keyword=culture")
    searched.clear()
    assert_same_as_sql("q=famille")
    assert searched == [sorted(new)]

    for number in range(catalogue_index.ROW_STATES_KEPT + 1):  # past what is kept: the whole catalogue again
        make_action(f"Sortie numéro {number}")
        assert_same_as_sql("keyword=culture")
    searched.clear()
    assert_same_as_sql("q=famille")
    assert searched == [None]


def test_a_stored_index_keeps_the_versions_of_its_rows():
    index = catalogue_index.current()
    stored = catalogue_index.deserialize(catalogue_index.serialize(index))
    assert stored.row_versions.shape == (index.size, 2)
    assert np.array_equal(stored.row_versions, index.row_versions)
    assert stored.unchanged_since(index).all()


def test_a_rolled_back_write_leaves_no_stale_index(make_action):
    before = version()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_action("Écrite puis annulée", keywords=["Annulé"])
        assert_same_as_sql("keyword=annule")  # the index of the uncommitted catalogue, under its version
        rolled_back = version()
        raise RuntimeError
    assert version() == before
    assert_same_as_sql("keyword=annule")  # the index of the version before, not the rolled-back one
    make_action("Une autre action", keywords=["Culture"])
    assert version() not in (before, rolled_back)  # never a version handed out before
    assert_same_as_sql("keyword=culture")


def test_the_index_is_built_once_per_version(django_assert_num_queries):
    catalogue_index.current()
    with django_assert_num_queries(1):  # the version only
        index = catalogue_index.current()
    assert index.version == version()


def test_without_a_version_row_nothing_is_cached():
    CatalogueVersion.objects.all().delete()
    first = catalogue_index.current()
    assert first.version is None
    assert catalogue_index.current() is not first
    assert_same_as_sql("keyword=culture")


def test_the_two_latest_versions_are_kept(make_action, django_assert_num_queries):
    first = catalogue_index.current()
    make_action("Une de plus")
    second = catalogue_index.current()
    assert second.size == first.size + 1
    with django_assert_num_queries(0):  # a lagging replica still reads the first version: no rebuild
        assert catalogue_index.current(first.version) is first
        assert catalogue_index.current(second.version) is second


@pytest.mark.django_db(transaction=True)
def test_a_committed_write_changes_the_version_for_everyone(make_action):
    index = catalogue_index.current()
    make_action("Écrite et validée")  # its own transaction, committed
    assert catalogue_index.read_version() != index.version
    assert catalogue_index.current().size == index.size + 1


def stored_version() -> int:
    return CatalogueVersion.objects.get(pk=1).value


@pytest.mark.django_db(transaction=True)
def test_drafts_and_pending_sheets_leave_the_version_alone(make_action):
    """Writes that cannot change the public catalogue do not make every process rebuild its index."""
    centre = Centre.objects.filter(actions__state=PublicationState.PUBLISHED).first()
    place = {"centre_name": centre.name, "departement_code": centre.departement_id, "keywords": ["Culture"]}
    before = stored_version()
    draft = make_action("Un brouillon", state=PublicationState.DRAFT, **place)
    make_action("En attente de validation", state=PublicationState.PENDING, **place)
    draft.publics.create(public="seniors")
    draft.keywords.clear()
    assert stored_version() == before

    # Published: now it counts.
    Action.objects.filter(pk=draft.pk).update(state=PublicationState.PUBLISHED, published_at=timezone.now())
    published = stored_version()
    assert published != before
    draft.publics.create(public="familles")  # a relation row of a published action
    assert stored_version() != published
    assert catalogue_index.current().position(draft.pk) is not None
    assert_same_as_sql("public=familles")


@pytest.mark.django_db(transaction=True)
def test_new_labels_of_a_pending_sheet_leave_the_version_alone_until_it_is_published(make_action, django_user_model):
    """A pending sheet naming a partner and a keyword nobody used yet creates their rows: nothing public changes."""
    centre = Centre.objects.filter(actions__state=PublicationState.PUBLISHED).first()
    before = stored_version()
    pending = make_action(
        "Avec des libellés neufs",
        centre,
        state=PublicationState.PENDING,
        keywords=["Jardinage urbain"],
        partners=["Association des Jardins Neufs"],
    )
    assert Partner.objects.filter(label="Association des Jardins Neufs").exists()
    assert stored_version() == before

    moderator = django_user_model.objects.create_user("moderatrice")
    moderator.user_permissions.add(Permission.objects.get(codename="moderate_action"))
    moderation.approve(pending, django_user_model.objects.get(pk=moderator.pk), notify=False)
    published = stored_version()
    assert published != before
    index = catalogue_index.current()
    assert "association-des-jardins-neufs" in index.facets["partner"].domain.values
    Partner.objects.filter(label="Association des Jardins Neufs").update(label="Association des Jardins")
    assert stored_version() != published  # a rename of a label in use still counts


@pytest.mark.django_db(transaction=True)
def test_unpublishing_and_deleting_change_the_version(make_action):
    action = make_action("Publiée puis retirée")
    versions = [stored_version()]
    Action.objects.filter(pk=action.pk).update(state=PublicationState.REJECTED)
    versions.append(stored_version())
    Action.objects.filter(pk=action.pk).update(state=PublicationState.PUBLISHED)
    versions.append(stored_version())
    action.delete()
    versions.append(stored_version())
    assert len(set(versions)) == 4
    assert catalogue_index.current().position(action.pk) is None


@pytest.mark.parametrize("query", [query for query in QUERIES if "q=" not in query])
def test_a_subset_of_the_index_filters_its_actions_as_the_whole_index_does(query):
    index = catalogue_index.current()
    positions = np.arange(index.size)[::3][::-1]  # some actions, in another order
    subset = index.subset(positions)
    fs = filterset(query)

    whole = index.combined(index.filter_masks(fs, search=False))
    part = subset.combined(subset.filter_masks(fs, search=False))

    assert subset.size == len(positions) and subset.version is None
    assert list(subset.ids) == list(index.ids[positions])
    assert list(part) == list(whole[positions])


def test_without_the_search_the_masks_leave_the_text_to_the_caller():
    fs = filterset("q=sejour&keyword=vacances-loisirs")
    index = catalogue_index.current()

    assert set(index.filter_masks(fs)) == {"keyword", "q"}
    assert set(index.filter_masks(fs, search=False)) == {"keyword"}


# -- Issue 14: the sheet's order, partners by role -----------------------------------------------------------


def test_the_links_of_a_sheet_keep_its_order(make_action):
    action = make_action("Fiche ordonnée", keywords=["Zèbre", "abeille", "Culture"], partners=["Ville", "ANCV"])
    links = catalogue_index.current().linked_values(action.pk)
    assert [label for _, label in links["keywords"]] == ["Zèbre", "abeille", "Culture"]
    assert [label for _, label in links["partners"]] == ["Ville", "ANCV"]


def test_a_partner_under_two_roles_counts_its_action_once(make_action):
    from actions_catalog.core.sheet import PartnerGroup

    before = {o.value: o.count for o in build_listing(QueryDict("")).facets["partner"].options}
    action = make_action(
        "Fiche aux deux rôles",
        partners=["ANCV", "Ville"],
        partner_groups=[
            PartnerGroup("Partenaires financiers", ["ANCV"]),
            PartnerGroup("Partenaires techniques", ["ANCV", "Ville"]),
        ],
    )
    listing = build_listing(QueryDict(""))
    counts = {option.value: option.count for option in listing.facets["partner"].options}
    assert counts["ancv"] == before["ancv"] + 1
    assert counts == {
        option.value: option.count for option in oracles.compute_facets(listing.filterset)["partner"].options
    }
    assert [label for _, label in catalogue_index.current().linked_values(action.pk)["partners"]] == ["ANCV", "Ville"]
    assert build_listing(QueryDict("partner=ancv")).total == before["ancv"] + 1


def test_list_rows_show_keywords_in_the_sheets_order(client, make_action):
    make_action("Fiche ordonnée", keywords=["Zèbre", "abeille", "Culture"])
    html = client.get("/actions/?q=ordonnee").content.decode()
    row = html[html.index("Fiche ordonnée") :]
    tags = row[row.index('class="result__tags"') : row.index("</p>", row.index('class="result__tags"'))]
    assert [tag.split("</span>")[0] for tag in tags.split('<span class="tag">')[1:]] == ["Zèbre", "abeille", "Culture"]
