"""The automatic checks of a submission (``core/review.py``): each check raised when it should and only then, the
queue's items read in a fixed number of queries, and the checks an approval records in its event."""

from decimal import Decimal

import pytest

from actions_catalog.core import moderation, review
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.mapper import sheet_to_json
from actions_catalog.core.review import CheckCode, checks_of
from actions_catalog.core.sheet import FundingLineData
from actions_catalog.core.submission_models import (
    ActionRevision,
    DuplicateConfirmation,
    EventVerb,
    KeywordSuggestion,
    ModerationEvent,
    RevisionState,
)
from tests.factories import CentreFactory, UserFactory, make_action, make_sheet


def codes(checks) -> list[str]:
    return [check.code for check in checks]


# -- checks_of, on sheets ------------------------------------------------------------------------------------------


def test_a_complete_sheet_whose_lines_add_up_to_its_total_raises_no_check():
    assert checks_of(make_sheet()) == []  # 6 000 + 3 000 = 9 000 declared


def test_lines_that_do_not_add_up_to_the_declared_total_are_flagged_with_both_figures():
    sheet = make_sheet(declared_total=Decimal("10000.00"))

    (check,) = checks_of(sheet)

    assert check.code == CheckCode.TOTAL_MISMATCH
    assert check.label == "Total incohérent"
    assert "9\u202f000,00 €" in check.message and "10\u202f000,00 €" in check.message
    assert "écart : 1\u202f000,00 €" in check.message


def test_without_a_declared_total_the_sum_is_the_total_and_nothing_is_flagged():
    assert checks_of(make_sheet(declared_total=None)) == []


def test_a_line_without_amount_is_flagged_by_its_label():
    sheet = make_sheet(
        declared_total=None,
        funding_lines=[FundingLineData("CAF", Decimal("100.00")), FundingLineData("Mairie de quartier")],
    )

    (check,) = checks_of(sheet)

    assert check.code == CheckCode.LINE_WITHOUT_AMOUNT
    assert "« Mairie de quartier »" in check.message
    assert "CAF" not in check.message


def test_empty_key_sections_are_named():
    sheet = make_sheet(summary="  \n", description="", publics=[], dimension=None, keywords=[])

    (check,) = checks_of(sheet)

    assert check.code == CheckCode.EMPTY_SECTIONS
    for label in ("Résumé", "Description générale", "Public", "Dimension", "Mots clés"):
        assert f"« {label} »" in check.message


def test_a_text_rewritten_by_more_than_half_is_flagged_only_for_a_change_of_a_published_sheet():
    published = make_sheet(summary="Une semaine à la mer pour douze familles du quartier.")
    proposed = make_sheet(summary="Un atelier de cuisine chaque mardi soir au centre.")

    assert CheckCode.TEXT_REWRITTEN not in codes(checks_of(proposed))
    (check,) = checks_of(proposed, published=published)
    assert check.code == CheckCode.TEXT_REWRITTEN
    assert "« Résumé »" in check.message
    assert "Description générale" not in check.message


def test_a_small_edit_or_a_text_added_to_an_empty_section_is_not_a_rewrite():
    published = make_sheet(summary="Une semaine à la mer pour douze familles du quartier.", limits="")
    proposed = make_sheet(summary="Une semaine à la mer pour quinze familles du quartier.", limits="Tout est neuf.")

    assert checks_of(proposed, published=published) == []


def test_a_text_emptied_by_a_change_is_a_rewrite():
    published = make_sheet(outlook="Recommencer l'an prochain.")
    proposed = make_sheet(outlook="")

    (check,) = checks_of(proposed, published=published)

    assert "« Perspectives » (vidée)" in check.message


def test_confirmed_duplicates_and_proposed_keywords_are_flagged_with_their_links(reference_data):
    centre = CentreFactory(name="Centre social des Tilleuls", departement_id="69")
    similar = make_action("Séjour à la mer", centre)
    sent = make_action("Séjour familles à la mer", centre, state=PublicationState.PENDING)
    confirmation = DuplicateConfirmation.objects.create(
        action=sent, similar_action=similar, similar_title=similar.title
    )
    gone = DuplicateConfirmation(action=sent, similar_action=None, similar_title="Une action fusionnée depuis")
    suggestion = KeywordSuggestion.objects.create(action=sent, label="Jardinage urbain")

    checks = checks_of(make_sheet(), duplicates=[confirmation, gone], suggestions=[suggestion])

    duplicate, keywords = checks
    assert duplicate.code == CheckCode.DUPLICATE_CONFIRMED
    assert "« Séjour à la mer »" in duplicate.message and "« Une action fusionnée depuis »" in duplicate.message
    assert [link.url for link in duplicate.links] == [similar.get_absolute_url()]  # the gone one has no link
    assert keywords.code == CheckCode.KEYWORDS_PROPOSED
    assert "« Jardinage urbain »" in keywords.message


# -- The queue's items, the approvals --------------------------------------------------------------------------


@pytest.fixture
def centre(reference_data):
    return CentreFactory(name="Centre social de la Reynerie", departement_id="31")


def pending_revision_of(action, **changes):
    sheet = make_sheet(
        title=action.title, centre_name=action.centre.name, departement_code=action.centre.departement_id
    )
    for name, value in changes.items():
        setattr(sheet, name, value)
    return ActionRevision.objects.create(action=action, data=sheet_to_json(sheet), state=RevisionState.PENDING)


def test_pending_submissions_lists_new_sheets_and_changes_with_their_checks(centre):
    new = make_action("Atelier vélo", centre, state=PublicationState.PENDING, summary="Des vélos réparés.")
    published = make_action("Jardin partagé", centre, summary="Un jardin cultivé par les familles du quartier.")
    revision = pending_revision_of(published, summary="Un tout autre projet de cuisine.")
    make_action("Brouillon", centre, state=PublicationState.DRAFT)

    items = review.pending_submissions()

    assert [(item.action, item.revision) for item in items] == [(new, None), (published, revision)]
    assert CheckCode.EMPTY_SECTIONS in items[0].check_codes  # no description, public, dimension, keyword
    assert CheckCode.TEXT_REWRITTEN in items[1].check_codes
    assert items[1].published.summary == "Un jardin cultivé par les familles du quartier."


def test_pending_submissions_filters_by_region(centre):
    make_action("À Toulouse", centre, state=PublicationState.PENDING)
    lyon = CentreFactory(name="Centre social des Pentes", departement_id="69")
    make_action("À Lyon", lyon, state=PublicationState.PENDING)

    titles = [item.action.title for item in review.pending_submissions(region="76")]  # Occitanie

    assert titles == ["À Toulouse"]


def test_the_queue_items_are_read_in_a_fixed_number_of_queries(centre, django_assert_num_queries):
    def add(n):
        for i in range(n):
            action = make_action(f"Fiche {n}-{i}", centre, state=PublicationState.PENDING)
            KeywordSuggestion.objects.create(action=action, label=f"Mot {n}-{i}")
            DuplicateConfirmation.objects.create(action=action, similar_title="Autre")
            published = make_action(f"Publiée {n}-{i}", centre)
            pending_revision_of(published)

    add(2)
    # the order of pending actions and revisions (2), then those actions and revisions (2), six sheet relations,
    # confirmations, keyword suggestions
    with django_assert_num_queries(12):
        assert len(review.pending_submissions()) == 4
    add(5)
    with django_assert_num_queries(12):
        assert len(review.pending_submissions()) == 14


def test_an_approval_records_the_checks_the_sheet_raised_in_its_event(centre):
    moderator = UserFactory(username="federation", moderator=True)
    clean = make_action("Fiche complète", centre, state=PublicationState.PENDING, **_complete())
    flagged = make_action("Fiche au total faux", centre, state=PublicationState.PENDING, **_complete(total="1.00"))

    moderation.approve(clean, moderator)
    moderation.approve(flagged, moderator)

    events = ModerationEvent.objects.filter(verb=EventVerb.APPROVED)
    assert events.get(action=clean).reason == ""
    assert events.get(action=flagged).reason == "Publiée malgré les contrôles automatiques : Total incohérent."


def _complete(total="9000.00"):
    sheet = make_sheet(declared_total=Decimal(total))
    return {
        name: getattr(sheet, name)
        for name in ("summary", "description", "publics", "dimension", "keywords", "funding_lines", "declared_total")
    }


def test_a_merge_moves_the_review_rows_to_the_survivor(centre):
    from actions_catalog.core import merging
    from actions_catalog.core.submission_models import ErrorReport, SubmissionComment

    survivor = make_action("Séjour familles à la mer", centre)
    absorbed = make_action("Séjour des familles à la mer", centre)
    other = make_action("Atelier vélo", centre)
    confirmation = DuplicateConfirmation.objects.create(
        action=absorbed, similar_action=other, similar_title=other.title
    )
    comment = SubmissionComment.objects.create(action=absorbed, text="Une question.")
    report = ErrorReport.objects.create(action=absorbed, message="Faux")

    merging.merge(survivor, [absorbed])

    for row in (confirmation, comment, report):
        row.refresh_from_db()
        assert row.action == survivor
