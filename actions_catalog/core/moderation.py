"""Moderation: the only way an action is published or refused, from the moderation pages and the admin alike.

A pending action is published or returned to its centre with a reason; the pending revision of a published
action is applied (through the writer) or refused. Each decision locks the action's row, writes a
``ModerationEvent``, approves the files that join the public sheet (and removes those the revision took out,
once committed), and tells the member by e-mail after the commit. An approval's event names the automatic
checks (``review``) the sheet raised when it was published; ``approve_many`` approves a selection, each sheet on
its own, and says which were published and why the others were not.

Imports publish their sheets too (they come from the federation's own site): ``IMPORTED_STATE`` is the state
the writer gives them, and ``record_import`` writes one event per import, with no e-mail.
"""

import logging
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from actions_catalog.core import attachments, identities, notifications, permissions, review
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.mapper import SHEET_PREFETCH, sheet_from_action, sheet_to_json
from actions_catalog.core.models import Action, Keyword
from actions_catalog.core.submission_models import (
    ActionRevision,
    Attachment,
    EventVerb,
    KeywordSuggestion,
    ModerationEvent,
    RevisionState,
    SuggestionState,
)
from actions_catalog.core.text import normalize_key

#: The state of the actions an import writes.
IMPORTED_STATE = PublicationState.PUBLISHED
#: States a moderator may publish from ("Publier" in the admin also publishes a draft or a refused sheet).
PUBLISHABLE_STATES = (PublicationState.PENDING, PublicationState.DRAFT, PublicationState.REJECTED)

logger = logging.getLogger(__name__)


class NothingToModerate(Exception):
    """The action no longer waits for a decision (decided meanwhile by another moderator)."""


class ModerationError(Exception):
    """A decision that cannot be carried out; the message is French and meant for the moderator."""


def _check_moderator(user):
    if not permissions.is_moderator(user):
        raise PermissionDenied("Seuls les modérateurs de la fédération peuvent valider ou refuser une fiche.")


def pending_revision(action: Action) -> ActionRevision | None:
    return action.revisions.pending().select_related("author").first()


def approve(action: Action, moderator, *, notify: bool = True, pending_only: bool = False) -> Action:
    """Publish an unpublished action, or apply the pending revision of a published one (through the writer).

    ``pending_only`` (the moderation pages): only a sheet that waits for a decision, not one its centre took back
    to a draft, or that was refused, since the page was shown (the admin's « Publier » publishes those too).
    """
    from actions_catalog.core.writer import SheetLoader, TitleTaken

    _check_moderator(moderator)
    now = timezone.now()
    with transaction.atomic():
        action = Action.objects.select_for_update().select_related("centre").get(pk=action.pk)
        revision = pending_revision(action)
        publishable = PUBLISHABLE_STATES if not pending_only else (PublicationState.PENDING,)
        if action.state in publishable:
            checks = review.checks_for(action)
            action.state = PublicationState.PUBLISHED
            action.published_at = action.published_at or now
            action.rejection_reason = ""
            action._change_reason = "Fiche validée"
            action._history_user = moderator
            action.save(update_fields=["state", "published_at", "rejection_reason", "updated_at"])
            Attachment.objects.filter(action=action, approved_at__isnull=True).update(approved_at=now)
            recipient = action.submitted_by
        elif revision is not None:
            checks = review.checks_for(action, revision)
            sheet = revision.sheet
            # The server sets the centre: the action's own, even if an admin renamed it since the revision.
            sheet.centre_name, sheet.departement_code = action.centre.name, action.centre.departement_id
            clash = identities.find_action(action.centre_id, sheet.title, exclude=action)
            try:
                if clash is None:
                    SheetLoader(user=moderator, change_reason="Modification validée").save_sheet(
                        sheet, action=action, state=PublicationState.PUBLISHED
                    )
            except TitleTaken as taken:  # taken by another request since the check
                clash = taken.action
            if clash is not None:
                raise ModerationError(
                    f"Le titre proposé « {sheet.title} » est déjà celui d'une autre action de ce centre "
                    f"(« {clash.title} ») : refusez la modification en expliquant pourquoi."
                )
            Attachment.objects.filter(revision=revision).update(approved_at=now, revision=None)
            attachments.remove(Attachment.objects.filter(removal_revision=revision))
            revision.state = RevisionState.APPLIED
            revision.reviewed_by, revision.reviewed_at = moderator, now
            revision.save()
            recipient = revision.author
        else:
            raise NothingToModerate(action.slug)
        ModerationEvent.objects.create(
            action=action, revision=revision, actor=moderator, verb=EventVerb.APPROVED, reason=_checks_note(checks)
        )
    if notify:
        notifications.notify_decision(action, recipient=recipient, approved=True, revision=revision)
    return action


def _checks_note(checks) -> str:
    if not checks:
        return ""
    return ("Publiée malgré les contrôles automatiques : " + ", ".join(check.label for check in checks) + ".")[:2000]


@dataclass(frozen=True)
class Approval:
    """What ``approve_many`` did with one action: published or not, and why not (or what went wrong after)."""

    action: Action
    published: bool
    reason: str = ""


def approve_many(actions, moderator) -> list[Approval]:
    """Approve each action through ``approve``, one after the other and each in its own transaction, so that one
    that cannot be published (decided meanwhile, a title taken since) does not keep the others from it."""
    _check_moderator(moderator)
    outcomes = []
    for action in actions:
        started = timezone.now()
        try:
            approve(action, moderator, pending_only=True)
        except NothingToModerate:
            outcomes.append(Approval(action, False, "elle n'attend plus de décision (déjà traitée)"))
        except ModerationError as error:
            outcomes.append(Approval(action, False, str(error)))
        except Exception:
            logger.exception("approval of action %s failed", action.pk)
            # Published if its event was committed: then only the e-mail, sent after the commit, failed.
            published = ModerationEvent.objects.filter(
                action_id=action.pk, actor=moderator, verb=EventVerb.APPROVED, created_at__gte=started
            ).exists()
            reason = "l'e-mail au centre n'a pas pu être envoyé" if published else "erreur inattendue, rien n'a changé"
            outcomes.append(Approval(action, published, reason))
        else:
            outcomes.append(Approval(action, True))
    return outcomes


def reject(action: Action, moderator, reason: str) -> Action:
    """Return a pending action (or the pending revision of a published one) to its centre, with the reason."""
    _check_moderator(moderator)
    reason = reason.strip()
    if not reason:
        raise ValueError("a rejection needs a reason")
    now = timezone.now()
    with transaction.atomic():
        action = Action.objects.select_for_update().get(pk=action.pk)
        revision = pending_revision(action)
        if action.state == PublicationState.PENDING:
            action.state = PublicationState.REJECTED
            action.rejection_reason = reason
            action._change_reason = "Fiche refusée"
            action._history_user = moderator
            action.save(update_fields=["state", "rejection_reason", "updated_at"])
            recipient = action.submitted_by
        elif revision is not None:
            revision.state = RevisionState.REJECTED
            revision.rejection_reason = reason
            revision.reviewed_by, revision.reviewed_at = moderator, now
            revision.save()
            recipient = revision.author
        else:
            raise NothingToModerate(action.slug)
        ModerationEvent.objects.create(
            action=action, revision=revision, actor=moderator, verb=EventVerb.REJECTED, reason=reason
        )
    notifications.notify_decision(action, recipient=recipient, approved=False, reason=reason, revision=revision)
    return action


def approve_keyword(suggestion: KeywordSuggestion, moderator) -> Keyword:
    """Add a suggested keyword to the curated list and to the sheet it was suggested for.

    The keyword goes into what the centre is working on: the open revision of a published action if there
    is one, else the action itself (written by the writer, in its current state).
    """
    from actions_catalog.core.writer import SheetLoader

    _check_moderator(moderator)
    with transaction.atomic():
        action = Action.objects.select_for_update().get(pk=suggestion.action_id)
        loader = SheetLoader(user=moderator, change_reason="Mot clé proposé accepté")
        keyword = Keyword.objects.get(pk=loader.resolve_keywords([suggestion.label])[normalize_key(suggestion.label)])
        revision = action.revisions.open().first()
        if revision is not None:
            sheet = revision.sheet
            sheet.keywords = [*sheet.keywords, keyword.label]
            revision.data = sheet_to_json(sheet)
            revision.save(update_fields=["data", "updated_at"])
        else:
            action = Action.objects.prefetch_related(*SHEET_PREFETCH).select_related("centre").get(pk=action.pk)
            sheet = sheet_from_action(action)
            sheet.keywords = [*sheet.keywords, keyword.label]
            loader.save_sheet(sheet, action=action, state=action.state)
        suggestion.state = SuggestionState.APPROVED
        suggestion.keyword = keyword
        suggestion.reviewed_by, suggestion.reviewed_at = moderator, timezone.now()
        suggestion.save()
    return keyword


def reject_keyword(suggestion: KeywordSuggestion, moderator) -> None:
    _check_moderator(moderator)
    suggestion.state = SuggestionState.REJECTED
    suggestion.reviewed_by, suggestion.reviewed_at = moderator, timezone.now()
    suggestion.save()


def save_imported_sheet(sheet, *, action: Action | None, user, source: str) -> Action:
    """Write one imported sheet (the admin's import of the export schema): a new action is published, as every
    import's; an existing one keeps its state. The import records its one event (``record_import``)."""
    from actions_catalog.core.writer import SheetLoader

    state = IMPORTED_STATE if action is None else action.state
    return SheetLoader(user=user, change_reason=source).save_sheet(sheet, action=action, state=state)


def record_import(*, user, source: str, summary: str) -> ModerationEvent:
    """The event of one import that published sheets (no e-mail): what it did, by whom, from which file."""
    return ModerationEvent.objects.create(
        action=None, actor=user, verb=EventVerb.IMPORTED, reason=f"{source} — {summary}"[:2000]
    )


def supersede_revision(revision: ActionRevision, *, absorbed: Action, survivor: Action) -> None:
    """Close the open revision of an action merged into ``survivor``, which has its own open revision.

    It stays in the history (moved to the survivor with the absorbed action's other rows), and its author is
    told by e-mail once the merge is committed.
    """
    revision.state = RevisionState.SUPERSEDED
    revision.save(update_fields=["state", "updated_at"])
    author, title = revision.author, absorbed.title
    transaction.on_commit(
        lambda: notifications.notify_superseded(absorbed_title=title, survivor=survivor, recipient=author)
    )
