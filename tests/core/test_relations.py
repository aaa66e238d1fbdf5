"""The relation registry: it names every relation of an action, and a merge keeps one row of each."""

import pytest
from django.core import mail

from actions_catalog.core import merging
from actions_catalog.core.mapper import sheet_to_json
from actions_catalog.core.models import Action, ActionYear, Keyword
from actions_catalog.core.relations import NOT_MERGED, RELATIONS, SHEET_RELATIONS
from actions_catalog.core.sheet import CONTENT_FIELDS, FIELDS_BY_NAME, Kind
from actions_catalog.core.submission_models import ActionRevision, ModerationEvent, RevisionState
from tests.factories import CentreFactory, UserFactory, make_sheet

pytestmark = pytest.mark.django_db


def test_the_registry_names_every_relation_of_an_action():
    accessors = {relation.get_accessor_name() for relation in Action._meta.related_objects}
    accessors |= {field.name for field in Action._meta.many_to_many}
    # A many-to-many field's ordered rows (its through model's) belong to its entry.
    named = {relation.name for relation in RELATIONS} | {relation.links for relation in RELATIONS if relation.links}
    assert named == accessors


def test_every_list_field_of_a_sheet_is_carried_by_a_relation():
    carried = {relation.sheet_field for relation in SHEET_RELATIONS}
    lists = {name for name, field in FIELDS_BY_NAME.items() if field.kind in (Kind.LABELS, Kind.CHOICES, Kind.YEARS)}
    assert lists | {"funding_lines"} == carried
    assert NOT_MERGED == ("history",)  # an absorbed action's history stays its own


@pytest.fixture
def twins():
    """Two actions of one centre describing the same thing, sharing a year, a keyword, a public and a partner."""
    centre = CentreFactory(name="Centre social des Tilleuls", departement_id="69")
    first = make_action_of(centre, "Séjour familles à la mer", years=[2022, 2023], keywords=["Vacances", "Mer"])
    second = make_action_of(centre, "Séjour des familles à la mer", years=[2023, 2024], keywords=["Vacances", "Été"])
    return first, second


def make_action_of(centre, title, **values):
    from tests.factories import make_action

    sheet = make_sheet(title=title, partners=["ANCV"], publics=["familles"], **values)
    values = {name: getattr(sheet, name) for name in CONTENT_FIELDS if name not in ("title", "centre_name")}
    return make_action(title, centre, **values)


def test_merging_actions_that_share_a_year_and_a_keyword_keeps_one_of_each(twins):
    first, second = twins
    merging.merge(first, [second])

    assert list(first.years.values_list("year", flat=True)) == [2022, 2023, 2024]
    assert sorted(first.keywords.values_list("label", flat=True)) == ["Mer", "Vacances", "Été"]
    assert list(first.publics.values_list("public", flat=True)) == ["familles"]
    assert list(first.partners.values_list("label", flat=True)) == ["ANCV"]
    assert not Action.objects.filter(pk=second.pk).exists()
    assert ActionYear.objects.count() == 3
    assert Keyword.objects.get(label="Vacances").actions.count() == 1


def test_merging_two_actions_with_open_revisions_closes_the_absorbed_one_and_tells_its_author(
    twins, django_capture_on_commit_callbacks
):
    first, second = twins
    alice = UserFactory(username="alice", centres=[first.centre])
    bruno = UserFactory(username="bruno", centres=[first.centre])
    kept = ActionRevision.objects.create(action=first, data=sheet_to_json(make_sheet()), author=alice)
    closed = ActionRevision.objects.create(
        action=second, data=sheet_to_json(make_sheet()), author=bruno, state=RevisionState.PENDING
    )
    ModerationEvent.objects.create(action=second, revision=closed, actor=bruno, verb="submitted")

    with django_capture_on_commit_callbacks(execute=True):
        merging.merge(first, [second])

    kept.refresh_from_db()
    closed.refresh_from_db()
    assert kept.state == RevisionState.DRAFT  # the survivor's own revision is untouched
    assert (closed.action, closed.state) == (first, RevisionState.SUPERSEDED)  # kept in the history, closed
    assert list(first.revisions.open()) == [kept]
    assert ModerationEvent.objects.get(revision=closed).action == first  # the events follow
    [message] = mail.outbox
    assert message.to == ["bruno@example.org"]
    assert "remplacée lors d'une fusion" in message.subject
    assert first.title in message.body


def test_an_open_revision_of_the_absorbed_action_becomes_the_survivors_when_it_has_none(twins):
    first, second = twins
    revision = ActionRevision.objects.create(action=second, data=sheet_to_json(make_sheet()))
    merging.merge(first, [second])
    revision.refresh_from_db()
    assert (revision.action, revision.state) == (first, RevisionState.DRAFT)
