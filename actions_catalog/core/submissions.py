"""Members' submissions: drafts, sends for validation and edits of published sheets (views only call these).

Actions proposed by a centre:   (new) → draft ⇄ pending → published, or pending → rejected → draft/pending…
Changes to a published action:  revision draft ⇄ pending → applied, or pending → rejected → draft/pending…
The decisions (publish, apply, refuse) are ``moderation``'s.

Sheets are written by the writer (``SheetLoader.save_sheet``), the same path as imports; the server sets the
centre, the state and the owner. Files follow their transaction (``attachments``); a published sheet's files
change only when its revision is applied. E-mails are sent once the database work is committed. A sheet sent
although the form warned of similar titles records which actions the member confirmed it differs from
(``DuplicateConfirmation``, for the moderator's checks).

« Reprendre cette action »: a member starts a new sheet from a published action of any centre
(``reprise_sheet``: what it copies), for one of their own centres; the new action records its source
(``Action.inspired_by``), checked here (``permissions.can_reprise_into``) and set by the writer.
"""

from dataclasses import dataclass, field, replace
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from actions_catalog.core import attachments, autosaves, identities, notifications, permissions
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.mapper import FORM_SOURCE, sheet_from_action, sheet_to_json
from actions_catalog.core.models import Action
from actions_catalog.core.sheet import SheetData, SourceRef
from actions_catalog.core.submission_models import (
    ActionRevision,
    Attachment,
    DuplicateConfirmation,
    EventVerb,
    KeywordSuggestion,
    ModerationEvent,
    RevisionState,
)
from actions_catalog.core.text import normalize_key
from actions_catalog.core.writer import SheetLoader, TitleTaken


class SubmissionError(Exception):
    """A submission refused as a whole; the message is French and meant for the member."""


class SubmissionLimitReached(SubmissionError):
    pass


@dataclass
class Submission:
    """What a member asked for, once the form is valid. ``send``: "Envoyer pour validation"."""

    user: object
    sheet: SheetData
    send: bool
    new_keyword: str = ""
    uploads: list = field(default_factory=list)  # (UploadedFile, AttachmentType)
    remove: list = field(default_factory=list)  # Attachment rows of this action
    #: Actions of the centre with a similar title that the form showed and the member confirmed, found again by the
    #: server when the sheet is sent (``similarity.similar_actions``), never read from the POST data.
    confirmed_duplicates: list = field(default_factory=list)

    #: The published action a new sheet was taken from (« Reprendre cette action »), found by the view from the
    #: validated ``depuis`` parameter; never from the POST data.
    inspired_by: Action | None = None


@dataclass
class SubmissionResult:
    action: Action
    revision: ActionRevision | None
    sent: bool


def counts_towards_limit(submission: Submission, action: Action | None) -> bool:
    """New actions and sends for validation count towards the hourly limit; saving a draft again does not."""
    return action is None or submission.send


def check_rate_limit(user) -> None:
    """Refuse when ``user`` created or sent ``SUBMISSIONS_PER_HOUR`` sheets within the last hour.

    Called inside the submission's transaction after ``_lock_member``: concurrent submissions of one member
    are counted one after the other, so that the bound holds under any concurrency.
    """
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


def _lock_member(user) -> None:
    """Lock the member's row until the transaction ends: their submissions then run one at a time."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True).first()


#: The query parameter of the new-sheet form naming the published action it starts from (``?depuis=<slug>``).
REPRISE_PARAMETER = "depuis"
#: What a reprise leaves out of the source's sheet: its files (the centre's own documents) and its years (the new
#: action runs in its own). It copies every other field: texts, choices, keywords, partners, funding lines.
NOT_REPRISED = frozenset({"declares_files", "files_text", "years"})


def reprise_sheet(source: Action) -> SheetData:
    """The sheet a member starts from when taking ``source`` (select ``centre``, prefetch ``SHEET_PREFETCH``):
    its content but ``NOT_REPRISED``; the centre is the member's, chosen in the form."""
    empty = SheetData(title="", centre_name="", departement_code="", status="")
    left_out = {name: getattr(empty, name) for name in NOT_REPRISED}
    return replace(sheet_from_action(source), **left_out, source=SourceRef(FORM_SOURCE))


def check_reprise(submission: Submission, action: Action | None) -> None:
    """A reprise creates a new action, from a published one, in one of the member's centres (else refused)."""
    if submission.inspired_by is None:
        return
    if action is not None:
        raise PermissionDenied("Seule une nouvelle fiche peut reprendre une action.")
    # The source as it is now (a moderator may have withdrawn it since the form was shown).
    source = Action.objects.filter(pk=submission.inspired_by.pk).only("state").first()
    centre_id = identities.find_centre_id(submission.sheet.departement_code, submission.sheet.centre_name)
    if source is None or not permissions.can_reprise_into(submission.user, source, centre_id):
        raise PermissionDenied("Une action publiée ne peut être reprise que dans l'un de vos centres.")


def save_submission(submission: Submission, *, action: Action | None) -> SubmissionResult:
    """Save a member's sheet: a new or unpublished action directly, a published one as a revision. The member's
    autosave of this form goes with it (``autosaves``): what it kept is saved now."""
    user, form_of = submission.user, action
    try:
        with attachments.files_of_transaction(), transaction.atomic():
            check_reprise(submission, action)
            if counts_towards_limit(submission, action):
                _lock_member(user)
                check_rate_limit(user)
            if action is not None:
                action = Action.objects.select_for_update().get(pk=action.pk)
            if action is not None and action.state == PublicationState.PUBLISHED:
                revision = _save_revision(submission, action)
            else:
                revision = None
                action = _save_action(submission, action)
            _save_files(submission, action, revision)
            _save_keyword_suggestion(submission, action)
            if submission.send:
                _record_confirmed_duplicates(submission, action, revision)
            autosaves.clear(user, form_of)
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


def _save_action(submission: Submission, action: Action | None) -> Action:
    user, created = submission.user, action is None
    state = PublicationState.PENDING if submission.send else PublicationState.DRAFT
    reason = "Fiche envoyée pour validation" if submission.send else "Brouillon enregistré"
    action = SheetLoader(user=user, change_reason=reason).save_sheet(
        submission.sheet,
        action=action,
        state=state,
        submitted_by=user if created else None,
        inspired_by=submission.inspired_by if created else None,
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


def sheet_attachments(action: Action, revision: ActionRevision | None):
    """The files the sheet being edited shows: the action's, less those another revision proposes; for a
    revision, its own proposed files too."""
    files = Attachment.objects.filter(action=action)
    if revision is None:
        return files.filter(revision__isnull=True)
    return files.filter(revision__isnull=True) | files.filter(revision=revision)


def _save_files(submission: Submission, action: Action, revision: ActionRevision | None):
    """Uploads and removals. On an unpublished action they apply at once; on a published one they belong to
    its revision: new files wait for its approval, and the files it removes stay public until then."""
    if any(attachment.action_id != action.pk for attachment in submission.remove):
        raise PermissionDenied("Ce fichier n'appartient pas à cette action.")
    removed = {attachment.pk for attachment in submission.remove}
    kept = sheet_attachments(action, revision).exclude(pk__in=removed).count()
    if kept + len(submission.uploads) > settings.ATTACHMENTS_PER_ACTION:
        raise SubmissionError(
            f"Une action a au plus {settings.ATTACHMENTS_PER_ACTION} fichiers associés. Rien n'a été enregistré."
        )
    if revision is None:
        attachments.remove(submission.remove)
    else:
        # Files this revision proposed go at once (never public); public files wait for the decision.
        attachments.remove([a for a in submission.remove if a.revision_id == revision.pk])
        Attachment.objects.filter(removal_revision=revision).exclude(pk__in=removed).update(removal_revision=None)
        public = [a.pk for a in submission.remove if a.revision_id is None]
        Attachment.objects.filter(pk__in=public).update(removal_revision=revision)
    for upload, content_type in submission.uploads:
        attachments.add(action, upload, content_type, user=submission.user, revision=revision)


def _record_confirmed_duplicates(submission: Submission, action: Action, revision: ActionRevision | None):
    """One row per similar action the member confirmed this sheet differs from (once per sent submission)."""
    if not submission.confirmed_duplicates:
        return
    known = set(
        DuplicateConfirmation.objects.filter(action=action, revision=revision).values_list("similar_action", flat=True)
    )
    DuplicateConfirmation.objects.bulk_create(
        DuplicateConfirmation(
            action=action,
            revision=revision,
            similar_action=other,
            similar_title=other.title,
            confirmed_by=submission.user,
        )
        for other in submission.confirmed_duplicates
        if other.pk not in known and other.pk != action.pk
    )


def _save_keyword_suggestion(submission: Submission, action: Action):
    label = submission.new_keyword.strip()
    if label:
        KeywordSuggestion.objects.get_or_create(
            action=action,
            normalized_label=normalize_key(label),
            defaults={"label": label, "suggested_by": submission.user},
        )
