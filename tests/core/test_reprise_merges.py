"""Merges and reprises (``Action.inspired_by``, ``relations.Merge.SOURCES``): the links follow the survivor.

What was taken from an absorbed action is taken from the survivor; the survivor keeps its own source, or takes
an absorbed one's when it has none; no action ever becomes its own source, whatever the order of the steps.
"""

import pytest

from actions_catalog.core import merging
from actions_catalog.core.models import Action
from actions_catalog.core.relations import RELATIONS_BY_NAME, Merge
from tests.factories import CentreFactory, make_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def centres():
    return [CentreFactory(name=name, departement_id="69") for name in ("Centre A", "Centre B", "Centre C")]


def inspired(title, centre, source):
    action = make_action(title, centre)
    Action.objects.filter(pk=action.pk).update(inspired_by=source)
    return Action.objects.get(pk=action.pk)


def source_of(action):
    return Action.objects.get(pk=action.pk).inspired_by


def test_the_registry_says_how_a_merge_treats_reprises():
    assert RELATIONS_BY_NAME["inspired_actions"].merge is Merge.SOURCES


def test_actions_taken_from_the_absorbed_action_are_taken_from_the_survivor(centres):
    a, b, c = centres
    survivor, absorbed = make_action("Jardin partagé", a), make_action("Le jardin partagé", a)
    from_absorbed = inspired("Un jardin chez nous", b, absorbed)
    from_survivor = inspired("Un autre jardin", c, survivor)

    merging.merge(survivor, [absorbed])

    assert source_of(from_absorbed) == survivor
    assert source_of(from_survivor) == survivor
    assert set(Action.objects.get(pk=survivor.pk).inspired_actions.all()) == {from_absorbed, from_survivor}


def test_the_survivor_keeps_its_own_source(centres):
    a, b, c = centres
    own, other = make_action("Source du survivant", b), make_action("Source de l'absorbée", c)
    survivor, absorbed = inspired("Repair café", a, own), inspired("Le repair café", a, other)

    merging.merge(survivor, [absorbed])

    assert source_of(survivor) == own


def test_a_survivor_without_source_takes_the_absorbed_actions(centres):
    a, b, _ = centres
    origin = make_action("Repair café d'origine", b)
    survivor, absorbed = make_action("Repair café", a), inspired("Le repair café", a, origin)

    merging.merge(survivor, [absorbed])

    assert source_of(survivor) == origin


def test_two_merged_actions_taken_one_from_the_other_leave_no_action_its_own_source(centres):
    a, b, _ = centres
    origin = make_action("Ludothèque d'origine", b)
    first = inspired("Ludothèque", a, origin)
    second = inspired("La ludothèque", a, first)  # taken from the one it is merged into

    merging.merge(first, [second])
    assert source_of(first) == origin

    third = make_action("Ludothèque mobile", a)
    fourth = inspired("La ludothèque mobile", a, third)
    merging.merge(fourth, [third])  # the survivor was taken from the absorbed action, which had no source
    assert source_of(fourth) is None


def test_merging_centres_repoints_the_reprises_of_the_actions_it_folds(centres):
    """Centre B's actions join centre A; one of them has a twin in A and is folded into it, and another one of B,
    moved as it is, was taken from that folded action: it must end up taken from A's twin."""
    a, b, c = centres
    twin_a = make_action("Fête de quartier", a)
    other_a = make_action("Vide-grenier", a)
    twin_b = make_action("Fête de quartier", b)
    taken_b = inspired("Bal de quartier", b, twin_b)  # moved to A, taken from the folded action
    other_b = inspired("Vide-grenier", b, None)  # folded into A's
    Action.objects.filter(pk=other_a.pk).update(inspired_by=twin_b)  # A's action taken from the folded one
    elsewhere = inspired("Fête du village", c, twin_b)

    merging.merge(a, [b])

    for action in (taken_b, elsewhere, other_a):
        assert source_of(action) == twin_a, action.title
    assert not Action.objects.filter(pk__in=[twin_b.pk, other_b.pk]).exists()
    assert source_of(twin_a) is None
