"""Probable duplicates: similar names within a département (centres), a centre (actions), or everywhere."""

import pytest
from django.db import connection
from django.urls import reverse

from actions_catalog.core import similarity as duplicates
from actions_catalog.core.models import Action, Keyword, Partner
from centres.models import Centre

pytestmark = pytest.mark.django_db


def names(found) -> set[frozenset[str]]:
    return {frozenset((str(pair.first), str(pair.second))) for pair in found.pairs}


@pytest.fixture
def messy(make_centre, make_action, make_label):
    """A small catalogue with real-looking duplicates and near misses."""
    empalot = make_centre("CENTRE SOCIAL D'EMPALOT", "31")
    make_centre("Centre social Empalot", "31")  # the same centre, spelt differently
    make_centre("Centre social Empalot", "75")  # the same name in another département: another centre
    make_centre("Centre social Lavoisier", "31")
    make_centre("Centre social des Chaillots", "31")  # shares only the generic words
    make_centre("LA PLAINE .CACHAN", "94")
    make_centre("LAMARTINE . CACHAN", "94")  # two different centres of Cachan
    other = make_centre("Centre social Parilly", "69")
    make_action("Mise en place séjour au ski", empalot)
    make_action("Mise en place séjour ski", empalot)
    make_action("Mise en place séjour ski", other)  # same title, another centre: not a duplicate
    make_action("Fête de quartier", empalot)
    for label in ("Viellissement", "Vieillissement", "Parentalité", "Précarité", "vacances / loisirs"):
        make_label(Keyword, label)
    for label in ("ANCV", "Caisse d'allocations familiales", "Caisse d'allocation familiale", "Mairie"):
        make_label(Partner, label)


def test_centres_are_paired_within_a_departement_only(messy):
    found = duplicates.find_duplicates(Centre)
    assert names(found) == {frozenset({"CENTRE SOCIAL D'EMPALOT", "Centre social Empalot"})}
    pair = found.pairs[0]
    assert pair.first.departement_id == pair.second.departement_id == "31"
    assert pair.percent == 100  # once the generic words are left out, the names are the same


def test_actions_are_paired_within_a_centre_only(messy):
    found = duplicates.find_duplicates(Action)
    assert names(found) == {frozenset({"Mise en place séjour au ski", "Mise en place séjour ski"})}
    assert found.pairs[0].first.centre_id == found.pairs[0].second.centre_id


def test_keywords_and_partners_are_paired_across_the_table(messy):
    assert names(duplicates.find_duplicates(Keyword)) == {frozenset({"Viellissement", "Vieillissement"})}
    assert names(duplicates.find_duplicates(Partner)) == {
        frozenset({"Caisse d'allocations familiales", "Caisse d'allocation familiale"})
    }


def test_most_similar_pairs_come_first_and_the_list_is_bounded(messy, make_label):
    for index in range(5):
        make_label(Keyword, f"Atelier cuisine {index}")
    found = duplicates.find_duplicates(Keyword, limit=3)
    assert len(found.pairs) == 3
    assert found.truncated
    scores = [pair.similarity for pair in found.pairs]
    assert scores == sorted(scores, reverse=True)


def test_similarity_is_trigrams_of_the_distinctive_words(messy):
    pairs = duplicates.find_duplicates(Centre).pairs
    scores = {frozenset({pair.first.name, pair.second.name}): pair.similarity for pair in pairs}
    assert scores[frozenset({"CENTRE SOCIAL D'EMPALOT", "Centre social Empalot"})] == 1.0
    # The two Cachan centres stay well apart once "centre", "la"… are left out: "plaine cachan", "lamartine cachan".
    assert frozenset({"LA PLAINE .CACHAN", "LAMARTINE . CACHAN"}) not in scores
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity('plaine cachan', 'lamartine cachan')")
        assert cursor.fetchone()[0] < duplicates.SIMILARITY_THRESHOLD
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname IN ('keyword_label_trgm', 'partner_label_trgm')"
        )
        assert len(cursor.fetchall()) == 2


def test_compared_key_leaves_out_generic_words_but_never_everything():
    ignored = duplicates.COMMON_WORDS + duplicates.CENTRE_WORDS
    assert duplicates.compared_key("centre social d empalot", ignored) == "empalot"
    assert duplicates.compared_key("centre social", ignored) == "centre social"


@pytest.mark.parametrize("prefix", ["centres_centre", "actions_catalog_action", "actions_catalog_keyword"])
def test_duplicates_page_lists_pairs_with_a_merge_link(admin_client, messy, prefix):
    response = admin_client.get(reverse(f"admin:{prefix}_duplicates"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Doublons probables" in page
    assert reverse(f"admin:{prefix}_merge") + "?ids=" in page


def test_duplicates_link_on_the_changelist(admin_client, messy):
    page = admin_client.get(reverse("admin:actions_catalog_keyword_changelist")).content.decode()
    assert reverse("admin:actions_catalog_keyword_duplicates") in page


def test_duplicates_page_needs_the_change_permission(staff_client, messy):
    client = staff_client("actions_catalog.view_keyword")
    assert client.get(reverse("admin:actions_catalog_keyword_duplicates")).status_code == 403
    page = client.get(reverse("admin:actions_catalog_keyword_changelist")).content.decode()
    assert reverse("admin:actions_catalog_keyword_duplicates") not in page
