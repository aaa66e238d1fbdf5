"""What a moderator reviews: the sheets waiting for a decision, and the automatic checks of each.

``checks_of`` is the one function that computes the checks of a submission (a proposed sheet; for a change to a
published sheet, against the published one): funding lines against the declared total, lines without an amount,
empty key sections, a similar-title warning the member confirmed, proposed keywords, texts rewritten by more than
half. ``review_items`` reads what the checks need for any number of submissions in a fixed number of queries; the
queue (``waiting``: the order of every submission, then the sheets and checks of one page only), the review page
and every approval (``checks_for``, recorded in its event) use it.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import models
from django.db.models import OuterRef, Q, Subquery, prefetch_related_objects
from django.urls import reverse

from actions_catalog.core import amounts
from actions_catalog.core.amounts import euros
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.mapper import SHEET_PREFETCH, sheet_from_action
from actions_catalog.core.models import Action
from actions_catalog.core.sheet import FIELDS_BY_NAME, TEXT_FIELDS, SheetData
from actions_catalog.core.submission_models import (
    ActionRevision,
    DuplicateConfirmation,
    EventVerb,
    KeywordSuggestion,
    ModerationEvent,
    SuggestionState,
)
from actions_catalog.core.word_diff import changed_share


class CheckCode(models.TextChoices):
    """The automatic checks, in the order the panel lists them (the values are the queue's filter)."""

    TOTAL_MISMATCH = "total-incoherent", "Total incohérent"
    LINE_WITHOUT_AMOUNT = "ligne-sans-montant", "Ligne sans montant"
    EMPTY_SECTIONS = "rubriques-vides", "Rubriques clés vides"
    DUPLICATE_CONFIRMED = "doublon-confirme", "Doublon confirmé"
    KEYWORDS_PROPOSED = "mots-cles-proposes", "Mots clés proposés"
    TEXT_REWRITTEN = "texte-reecrit", "Texte réécrit à plus de moitié"


#: The sections a sheet is hardly useful without: the panel names those left empty.
KEY_SECTIONS = ("summary", "description", "publics", "dimension", "keywords")
#: A text of a published sheet is "rewritten" when a change alters more than this share of its words.
REWRITTEN_SHARE = 0.5


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Check:
    code: CheckCode
    message: str
    links: tuple[Link, ...] = ()

    @property
    def label(self) -> str:
        return self.code.label


def checks_of(
    proposed: SheetData,
    *,
    published: SheetData | None = None,
    duplicates=(),
    suggestions=(),
) -> list[Check]:
    """The checks of a proposed sheet; ``published``: the sheet it changes (``None`` for a new sheet);
    ``duplicates``: its ``DuplicateConfirmation`` rows; ``suggestions``: its pending ``KeywordSuggestion`` rows."""
    checks = _funding_checks(proposed)
    empty = [FIELDS_BY_NAME[name].label for name in KEY_SECTIONS if _is_empty(getattr(proposed, name))]
    if empty:
        checks.append(Check(CheckCode.EMPTY_SECTIONS, f"{_quoted(empty)}."))
    similar = _similar_actions(duplicates)
    if similar:
        checks.append(
            Check(
                CheckCode.DUPLICATE_CONFIRMED,
                "Le centre a confirmé que cette fiche est une autre action que "
                f"{_quoted([title for title, _ in similar])}, malgré l'avertissement de titre proche.",
                tuple(Link(f"Voir « {title} »", url) for title, url in similar if url),
            )
        )
    labels = list(dict.fromkeys(suggestion.label for suggestion in suggestions))
    if labels:
        checks.append(
            Check(
                CheckCode.KEYWORDS_PROPOSED,
                f"Le centre propose {_quoted(labels)} : à accepter ou refuser dans la liste des mots clés proposés.",
                (Link("Les mots clés proposés", reverse("espace:moderation_queue") + "#mots-cles"),),
            )
        )
    if published is not None:
        rewritten = []
        for name in TEXT_FIELDS:
            old, new = getattr(published, name), getattr(proposed, name)
            if not old.strip():
                continue
            share = changed_share(old, new)
            if share > REWRITTEN_SHARE:
                how = "vidée" if not new.strip() else f"{round(share * 100)}\u00a0% du texte"
                rewritten.append(f"« {FIELDS_BY_NAME[name].label} » ({how})")
        if rewritten:
            checks.append(
                Check(CheckCode.TEXT_REWRITTEN, f"Plus de la moitié du texte change : {', '.join(rewritten)}.")
            )
    return checks


def _funding_checks(sheet: SheetData) -> list[Check]:
    checks = []
    known = [line.amount for line in sheet.funding_lines if line.amount is not None]
    # The export's rule (``funding_consistent``), on the lines that have an amount: the others are their own check.
    if amounts.funding_consistent(sheet.declared_total, known) is False:
        total = sum(known)
        gap = abs(sheet.declared_total - total)
        checks.append(
            Check(
                CheckCode.TOTAL_MISMATCH,
                f"Les lignes de financement font {euros(total)}, le total déclaré est de "
                f"{euros(sheet.declared_total)} (écart : {euros(gap)}).",
            )
        )
    missing = [line.label for line in sheet.funding_lines if line.amount is None]
    if missing:
        checks.append(Check(CheckCode.LINE_WITHOUT_AMOUNT, f"{_quoted(missing)}."))
    return checks


def _is_empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value == []


def _quoted(labels) -> str:
    return ", ".join(f"« {label} »" for label in labels)


def _similar_actions(confirmations) -> list[tuple[str, str]]:
    """``(title, url)`` of each similar action confirmed, once (the URL is empty once it is gone)."""
    found = {}
    for confirmation in confirmations:
        other = confirmation.similar_action
        key = other.pk if other is not None else confirmation.similar_title
        if key not in found:
            found[key] = (other.title if other else confirmation.similar_title, _url_of(other) if other else "")
    return list(found.values())


def _url_of(action: Action) -> str:
    """Where a moderator reads an action: its public page, its review page, else its page in the admin."""
    if action.state == PublicationState.PUBLISHED:
        return action.get_absolute_url()
    if action.state == PublicationState.PENDING:
        return reverse("espace:moderation_review", kwargs={"slug": action.slug})
    return reverse("admin:actions_catalog_action_change", args=[action.pk])


# -- What the queue and the review page list -------------------------------------------------------------------


@dataclass
class ReviewItem:
    """One submission: a new sheet (``revision`` is ``None``) or a change to a published one, with its checks."""

    action: Action
    revision: ActionRevision | None
    proposed: SheetData
    published: SheetData | None
    sent_at: datetime | None
    author: object
    checks: list[Check]

    @property
    def kind(self) -> str:
        return "Modification" if self.revision is not None else "Nouvelle fiche"

    @property
    def check_codes(self) -> set[str]:
        return {check.code for check in self.checks}


def with_sent_at(actions):
    """Annotate ``last_sent_at``: when each action was last sent for validation (its latest « envoyée » event)."""
    sent = ModerationEvent.objects.filter(
        action=OuterRef("pk"), revision__isnull=True, verb=EventVerb.SUBMITTED
    ).order_by("-created_at", "-pk")
    return actions.annotate(last_sent_at=Subquery(sent.values("created_at")[:1]))


def review_items(pairs) -> list[ReviewItem]:
    """``pairs`` of (action, revision or ``None``) as review items, with their checks, in the same order.

    Select each action's ``centre`` (and each revision's ``author``, each new action's ``submitted_by``); the sheets'
    relations, confirmations and keyword suggestions are read here, in a fixed number of queries.
    """
    pairs = list(pairs)
    if not pairs:
        return []
    prefetch_related_objects([action for action, _ in pairs], *SHEET_PREFETCH)
    new_ids = [action.pk for action, revision in pairs if revision is None]
    revision_ids = [revision.pk for _, revision in pairs if revision is not None]
    confirmations: dict[tuple, list] = {}
    rows = DuplicateConfirmation.objects.filter(
        Q(action_id__in=new_ids, revision__isnull=True) | Q(revision_id__in=revision_ids)
    ).select_related("similar_action")
    for row in rows:
        confirmations.setdefault((row.action_id, row.revision_id), []).append(row)
    suggestions: dict[int, list] = {}
    pending = KeywordSuggestion.objects.filter(
        action_id__in={action.pk for action, _ in pairs}, state=SuggestionState.PENDING
    )
    for suggestion in pending:
        suggestions.setdefault(suggestion.action_id, []).append(suggestion)
    items = []
    for action, revision in pairs:
        current = sheet_from_action(action)
        proposed, published = (revision.sheet, current) if revision is not None else (current, None)
        items.append(
            ReviewItem(
                action=action,
                revision=revision,
                proposed=proposed,
                published=published,
                sent_at=revision.submitted_at
                if revision is not None
                else getattr(action, "last_sent_at", None) or action.updated_at,
                author=revision.author if revision is not None else action.submitted_by,
                checks=checks_of(
                    proposed,
                    published=published,
                    duplicates=confirmations.get((action.pk, revision.pk if revision else None), []),
                    suggestions=suggestions.get(action.pk, []),
                ),
            )
        )
    return items


@dataclass(frozen=True)
class Waiting:
    """One submission waiting for a decision, as the queue sorts it: a new action, or a revision of a published one."""

    action_id: int
    revision_id: int | None
    sent_at: datetime | None


def waiting(*, region: str | None = None) -> list[Waiting]:
    """Every submission waiting for a decision (in ``region``, a région's code, when given), longest waiting
    first, in two queries that read three columns each: the queue loads the sheets of the page it shows only
    (``submissions_of``), unless it filters by check."""
    actions = with_sent_at(Action.objects.pending())
    revisions = ActionRevision.objects.pending()
    if region:
        actions = actions.filter(centre__departement__region_id=region)
        revisions = revisions.filter(action__centre__departement__region_id=region)
    entries = [
        *(
            Waiting(pk, None, sent_at or updated_at)
            for pk, sent_at, updated_at in actions.values_list("pk", "last_sent_at", "updated_at")
        ),
        *(
            Waiting(action_id, pk, submitted_at)
            for pk, action_id, submitted_at in revisions.values_list("pk", "action_id", "submitted_at")
        ),
    ]

    def longest_waiting_first(entry):
        return (entry.sent_at is None, entry.sent_at.timestamp() if entry.sent_at else 0, entry.action_id)

    return sorted(entries, key=longest_waiting_first)


def submissions_of(entries: list[Waiting]) -> list[tuple[Action, ActionRevision | None]]:
    """(action, revision or ``None``) of ``entries``, in their order, in two queries; an entry decided meanwhile
    (no longer pending) is left out."""
    new_ids = [entry.action_id for entry in entries if entry.revision_id is None]
    revision_ids = [entry.revision_id for entry in entries if entry.revision_id is not None]
    actions = {}
    if new_ids:
        pending = Action.objects.pending().filter(pk__in=new_ids)
        selected = pending.select_related("centre__departement__region", "submitted_by")
        actions = {action.pk: action for action in with_sent_at(selected)}
    revisions = {}
    if revision_ids:
        pending = ActionRevision.objects.pending().filter(pk__in=revision_ids)
        selected = pending.select_related("action__centre__departement__region", "author")
        revisions = {revision.pk: revision for revision in selected}
    pairs = []
    for entry in entries:
        if entry.revision_id is None and entry.action_id in actions:
            pairs.append((actions[entry.action_id], None))
        elif (revision := revisions.get(entry.revision_id)) is not None:
            pairs.append((revision.action, revision))
    return pairs


def pending_submissions(*, region: str | None = None) -> list[ReviewItem]:
    """Every submission waiting for a decision, longest waiting first, with its checks."""
    return review_items(submissions_of(waiting(region=region)))


def checks_for(action: Action, revision: ActionRevision | None = None) -> list[Check]:
    """The checks of one action as it stands (its ``revision`` when given), read afresh."""
    fresh = Action.objects.select_related("centre", "submitted_by").get(pk=action.pk)
    return review_items([(fresh, revision)])[0].checks
