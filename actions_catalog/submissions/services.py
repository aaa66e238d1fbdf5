"""Every state transition of a submitted sheet, in one place (views only call these).

Actions proposed by a centre:   (new) → draft ⇄ pending → published, or pending → rejected → draft/pending…
Changes to a published action:  revision draft ⇄ pending → applied, or pending → rejected → draft/pending…

Sheets are written by the loader (``SheetLoader.save_sheet``), the same path as imports; the server sets the
centre, the state and the owner. E-mails are sent once the database work is committed.
"""

import difflib
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from centres.models import Centre
from importers.loader import SheetLoader, TitleTaken
from importers.sheets import SheetData
from importers.text import normalize_key

from ..choices import PublicationState
from ..models import Action, ActionAlias, Keyword
from . import notifications
from .conversion import SHEET_PREFETCH, sheet_from_action, sheet_to_json
from .models import (
    ActionRevision,
    Attachment,
    EventVerb,
    KeywordSuggestion,
    ModerationEvent,
    RevisionState,
    SuggestionState,
)

MODERATE_PERMISSION = notifications.MODERATE_PERMISSION
#: Two titles of one centre whose normalized forms are at least this similar are likely the same action.
SIMILAR_TITLE_RATIO = 0.75


class SubmissionError(Exception):
    """A submission refused as a whole; the message is French and meant for the member."""


class SubmissionLimitReached(SubmissionError):
    pass


class NothingToModerate(Exception):
    """The action no longer waits for a decision (decided meanwhile by another moderator)."""


class ModerationError(Exception):
    """A decision that cannot be carried out; the message is French and meant for the moderator."""


# -- Who sees what ---------------------------------------------------------------------------------------


def member_centres(user):
    return Centre.objects.filter(memberships__user=user).order_by("name")


def member_actions(user):
    """The actions of the centres ``user`` is a member of (every state)."""
    return Action.objects.filter(centre__memberships__user=user)


def is_moderator(user) -> bool:
    return user.is_authenticated and user.has_perm(MODERATE_PERMISSION)


def can_view_attachment(user, attachment: Attachment) -> bool:
    if attachment.approved_at is not None and attachment.action.state == PublicationState.PUBLISHED:
        return True
    if not user.is_authenticated:
        return False
    return is_moderator(user) or member_actions(user).filter(pk=attachment.action_id).exists()


# -- Checks before saving --------------------------------------------------------------------------------


def check_rate_limit(user):
    """Refuse when ``user`` created or sent ``SUBMISSIONS_PER_HOUR`` sheets within the last hour."""
    limit = settings.SUBMISSIONS_PER_HOUR
    since = timezone.now() - timedelta(hours=1)
    recent = ModerationEvent.objects.filter(
        actor=user, verb__in=[EventVerb.CREATED, EventVerb.SUBMITTED], created_at__gte=since
    ).count()
    if recent >= limit:
        raise SubmissionLimitReached(
            f"Vous avez déjà créé ou envoyé {limit} fiches dans l'heure : c'est le maximum. "
            "Rien n'a été enregistré ; réessayez un peu plus tard."
        )


def title_taken(centre: Centre, title: str, *, exclude: Action | None = None) -> Action | None:
    """Another action of ``centre`` with the same normalized title (or alias), which the loader would refuse."""
    key = normalize_key(title)
    same = Action.objects.filter(centre=centre, normalized_title=key)
    aliases = ActionAlias.objects.filter(centre=centre, normalized_title=key).select_related("action")
    if exclude is not None:
        same = same.exclude(pk=exclude.pk)
        aliases = aliases.exclude(action=exclude)
    found = same.first()
    if found is None:
        alias = aliases.first()
        found = alias.action if alias else None
    return found


def similar_actions(centre: Centre, title: str, *, exclude: Action | None = None) -> list[Action]:
    """Actions of the same centre whose title looks like ``title`` (likely duplicates), most similar first."""
    key = normalize_key(title)
    candidates = Action.objects.filter(centre=centre).only("title", "normalized_title", "slug", "state", "centre")
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    scored = []
    for action in candidates:
        other = action.normalized_title
        ratio = difflib.SequenceMatcher(None, key, other).ratio()
        contained = min(len(key), len(other)) >= 8 and (key in other or other in key)
        if ratio >= SIMILAR_TITLE_RATIO or contained:
            scored.append((ratio, action))
    scored.sort(key=lambda pair: -pair[0])
    return [action for _, action in scored]


# -- Member's side ---------------------------------------------------------------------------------------


@dataclass
class Submission:
    """What a member asked for, once the form is valid. ``send``: "Envoyer pour validation"."""

    user: object
    sheet: SheetData
    send: bool
    new_keyword: str = ""
    uploads: list = field(default_factory=list)  # (UploadedFile, AttachmentType)
    remove: list = field(default_factory=list)  # Attachment rows of this action


@dataclass
class SubmissionResult:
    action: Action
    revision: ActionRevision | None
    sent: bool


def save_submission(submission: Submission, *, action: Action | None) -> SubmissionResult:
    """Save a member's sheet: a new or unpublished action directly, a published one as a revision."""
    user = submission.user
    if action is None or submission.send:
        check_rate_limit(user)
    try:
        with transaction.atomic():
            if action is not None:
                action = Action.objects.select_for_update().get(pk=action.pk)
            if action is not None and action.state == PublicationState.PUBLISHED:
                revision = _save_revision(submission, action)
            else:
                revision = None
                action = _save_action(submission, action)
            _save_files(submission, action)
            _save_keyword_suggestion(submission, action)
    except TitleTaken as clash:
        # The title was free when the form was checked; another request took it since: most often the same
        # sheet sent twice (a double click), whose first request saved it.
        raise SubmissionError(
            f"Ce centre a déjà une action intitulée « {clash.action.title} » (peut-être envoyée à l'instant) : "
            "retrouvez-la dans votre espace, ou changez le titre. Rien n'a été enregistré de plus."
        ) from None
    if submission.send:
        notifications.notify_submission(action, revision=revision, author=user)
    return SubmissionResult(action=action, revision=revision, sent=submission.send)


def _loader(user, reason: str) -> SheetLoader:
    return SheetLoader(user=user, change_reason=reason)


def _save_action(submission: Submission, action: Action | None) -> Action:
    user, created = submission.user, action is None
    state = PublicationState.PENDING if submission.send else PublicationState.DRAFT
    reason = "Fiche envoyée pour validation" if submission.send else "Brouillon enregistré"
    action = _loader(user, reason).save_sheet(
        submission.sheet, action=action, state=state, submitted_by=user if created else None
    )
    if created:
        ModerationEvent.objects.create(action=action, actor=user, verb=EventVerb.CREATED)
    if submission.send:
        ModerationEvent.objects.create(action=action, actor=user, verb=EventVerb.SUBMITTED)
    return action


def _save_revision(submission: Submission, action: Action) -> ActionRevision:
    revision = action.revisions.open().first() or ActionRevision(action=action)
    revision.data = sheet_to_json(submission.sheet)
    revision.author = submission.user
    revision.state = RevisionState.PENDING if submission.send else RevisionState.DRAFT
    revision.rejection_reason = ""
    if submission.send:
        revision.submitted_at = timezone.now()
    revision.save()
    if submission.send:
        ModerationEvent.objects.create(
            action=action, revision=revision, actor=submission.user, verb=EventVerb.SUBMITTED
        )
    return revision


def _save_files(submission: Submission, action: Action):
    if any(attachment.action_id != action.pk for attachment in submission.remove):
        raise PermissionDenied("Ce fichier n'appartient pas à cette action.")
    kept = Attachment.objects.filter(action=action).exclude(pk__in=[a.pk for a in submission.remove]).count()
    if kept + len(submission.uploads) > settings.ATTACHMENTS_PER_ACTION:
        raise SubmissionError(
            f"Une action a au plus {settings.ATTACHMENTS_PER_ACTION} fichiers associés. Rien n'a été enregistré."
        )
    for attachment in submission.remove:
        attachment.file.delete(save=False)
        attachment.delete()
    for upload, content_type in submission.uploads:
        attachment = Attachment(
            action=action,
            original_name=upload.name[-255:],
            content_type=content_type,
            size=upload.size,
            uploaded_by=submission.user,
        )
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()


def _save_keyword_suggestion(submission: Submission, action: Action):
    label = submission.new_keyword.strip()
    if label:
        KeywordSuggestion.objects.get_or_create(
            action=action,
            normalized_label=normalize_key(label),
            defaults={"label": label, "suggested_by": submission.user},
        )


# -- Moderator's side ------------------------------------------------------------------------------------


def _check_moderator(user):
    if not is_moderator(user):
        raise PermissionDenied("Seuls les modérateurs de la fédération peuvent valider ou refuser une fiche.")


def pending_revision(action: Action) -> ActionRevision | None:
    return action.revisions.pending().select_related("author").first()


def approve(action: Action, moderator) -> Action:
    """Publish a pending action, or apply the pending revision of a published one (through the loader)."""
    _check_moderator(moderator)
    now = timezone.now()
    with transaction.atomic():
        action = Action.objects.select_for_update().select_related("centre").get(pk=action.pk)
        revision = pending_revision(action)
        if action.state == PublicationState.PENDING:
            action.state = PublicationState.PUBLISHED
            action.published_at = action.published_at or now
            action.rejection_reason = ""
            action._change_reason = "Fiche validée"
            action._history_user = moderator
            action.save(update_fields=["state", "published_at", "rejection_reason", "updated_at"])
            recipient = action.submitted_by
        elif revision is not None:
            sheet = revision.sheet
            # The server sets the centre: the action's own, even if an admin renamed it since the revision.
            sheet.centre_name, sheet.departement_code = action.centre.name, action.centre.departement_id
            clash = title_taken(action.centre, sheet.title, exclude=action)
            try:
                if clash is None:
                    _loader(moderator, "Modification validée").save_sheet(
                        sheet, action=action, state=PublicationState.PUBLISHED
                    )
            except TitleTaken as taken:  # taken by another request since the check
                clash = taken.action
            if clash is not None:
                raise ModerationError(
                    f"Le titre proposé « {sheet.title} » est déjà celui d'une autre action de ce centre "
                    f"(« {clash.title} ») : refusez la modification en expliquant pourquoi."
                )
            revision.state = RevisionState.APPLIED
            revision.reviewed_by, revision.reviewed_at = moderator, now
            revision.save()
            recipient = revision.author
        else:
            raise NothingToModerate(action.slug)
        Attachment.objects.filter(action=action, approved_at__isnull=True).update(approved_at=now)
        ModerationEvent.objects.create(action=action, revision=revision, actor=moderator, verb=EventVerb.APPROVED)
    notifications.notify_decision(action, recipient=recipient, approved=True, revision=revision)
    return action


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
    is one, else the action itself (written by the loader, in its current state).
    """
    _check_moderator(moderator)
    with transaction.atomic():
        action = Action.objects.select_for_update().get(pk=suggestion.action_id)
        loader = _loader(moderator, "Mot clé proposé accepté")
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
