"""Messages between the federation's moderators and a centre about a sheet it sent for validation.

An action has one conversation, shown whole on the review page and on the centre's page of the sheet; each
message records the change it was written about (the open revision of a published action) or none (a new sheet).
Messages can be written once the sheet (or the change) was sent to the federation, and as long as it is not
published: by moderators from the review page, by the centre's members from their page. The other side is told
by e-mail once the message is saved.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction

from actions_catalog.core import notifications, permissions
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from actions_catalog.core.submission_models import (
    ActionRevision,
    EventVerb,
    ModerationEvent,
    RevisionState,
    SubmissionComment,
)

MAX_COMMENT_LENGTH = 4_000


class CommentError(Exception):
    """A message refused; the text is French and meant for its author."""


@dataclass
class Conversation:
    action: Action
    #: The change to a published action under discussion, or ``None`` (a new sheet, or nothing to discuss).
    revision: ActionRevision | None
    comments: list[SubmissionComment]
    #: New messages are accepted: the sheet (or the change) was sent and is not published yet.
    is_open: bool


def current_revision(action: Action) -> ActionRevision | None:
    """The change a published action's members are working on (draft, pending or refused), if any."""
    if action.state != PublicationState.PUBLISHED:
        return None
    return action.revisions.open().first()


#: States in which a sheet (or a change) has necessarily been sent: waiting for a decision, or refused.
_SENT_STATES = {PublicationState.PENDING, PublicationState.REJECTED, RevisionState.PENDING, RevisionState.REJECTED}


def _was_sent(action: Action, revision: ActionRevision | None) -> bool:
    """The sheet under way (``revision`` of a published action, else the action) was sent to the federation."""
    state = revision.state if revision is not None else action.state
    if revision is None and state == PublicationState.PUBLISHED:
        return False  # published, no change under way: nothing waits for the federation
    if state in _SENT_STATES:
        return True
    return ModerationEvent.objects.filter(action=action, revision=revision, verb=EventVerb.SUBMITTED).exists()


def conversation(action: Action) -> Conversation:
    revision = current_revision(action)
    comments = list(action.comments.select_related("author", "revision").order_by("created_at", "pk"))
    return Conversation(action=action, revision=revision, comments=comments, is_open=_was_sent(action, revision))


def add_comment(action: Action, author, text: str, *, from_moderation: bool) -> SubmissionComment:
    """Record a message about ``action`` and tell the other side. ``from_moderation``: written on the review page."""
    if not permissions.can_comment(author, action, as_moderator=from_moderation):
        raise PermissionDenied("Vous ne pouvez pas écrire au sujet de cette fiche.")
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise CommentError("Le message est vide : écrivez quelque chose avant de l'envoyer.")
    if len(text) > MAX_COMMENT_LENGTH:
        raise CommentError(f"Le message est trop long ({len(text)} caractères, {MAX_COMMENT_LENGTH} au plus).")
    with transaction.atomic():
        action = Action.objects.select_for_update().select_related("centre").get(pk=action.pk)
        revision = current_revision(action)
        if not _was_sent(action, revision):
            raise CommentError(
                "Les échanges avec la fédération portent sur une fiche envoyée pour validation : "
                "celle-ci n'a pas été envoyée, ou elle est publiée sans modification en cours."
            )
        comment = SubmissionComment.objects.create(
            action=action, revision=revision, author=author, from_moderation=from_moderation, text=text
        )
    notifications.notify_comment(comment)
    return comment
