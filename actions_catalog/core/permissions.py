"""Who may do what: every permission predicate of the catalogue, in one place.

Views, forms, services and the admin ask these functions; none of them tests a permission or a membership on
its own. A predicate answers for the server: what the page shows follows from it, never the other way.
"""

from django.contrib.auth import get_permission_codename

from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from centres.models import Centre

MODERATE_PERMISSION = "actions_catalog.moderate_action"
#: Admins who may add members to centres approve the invitations of colleagues (an approval adds one).
ADD_MEMBERSHIP_PERMISSION = "centres.add_membership"
IMPORT_ACTIONS_PERMISSION = "actions_catalog.import_action"


# -- Members of centres ----------------------------------------------------------------------------------


def member_centres(user):
    """The centres ``user`` is a member of, by name."""
    if not user.is_authenticated:
        return Centre.objects.none()
    return Centre.objects.filter(memberships__user=user).order_by("name")


def member_actions(user):
    """The actions of the centres ``user`` is a member of (every state)."""
    if not user.is_authenticated:
        return Action.objects.none()
    return Action.objects.filter(centre__memberships__user=user)


def is_member(user, centre_id: int) -> bool:
    return member_centres(user).filter(pk=centre_id).exists()


def can_edit_action(user, action: Action) -> bool:
    """Members of an action's centre edit its sheet (a published one through a revision)."""
    return is_member(user, action.centre_id)


def can_invite(user, centre: Centre) -> bool:
    """Members of a centre invite colleagues to it (the membership then waits for an admin's approval)."""
    return is_member(user, centre.pk)


def can_decide_invitations(user) -> bool:
    """Admins who may add members to centres approve or refuse the invitations of colleagues."""
    return user.is_authenticated and user.is_active and user.has_perm(ADD_MEMBERSHIP_PERMISSION)


def can_autosave(user, action: Action | None) -> bool:
    """A member's sheet form is autosaved: a new sheet's when they belong to a centre, an action's when they may
    edit it. An autosave is only ever read back by its own member (``autosaves.for_form``)."""
    if not user.is_authenticated:
        return False
    if action is None:
        return member_centres(user).exists()
    return can_edit_action(user, action)


def can_reprise(user) -> bool:
    """Members of at least one centre may take a published action into one of their centres (« Reprendre »)."""
    return member_centres(user).exists()


def can_reprise_into(user, source: Action, centre_id: int | None) -> bool:
    """A reprise starts from a published action and goes into one of the member's own centres."""
    return source.state == PublicationState.PUBLISHED and centre_id is not None and is_member(user, centre_id)


# -- Moderators ------------------------------------------------------------------------------------------


def is_moderator(user) -> bool:
    """Federation moderators decide on submissions, in the moderation pages and in the admin alike."""
    return user.is_authenticated and user.has_perm(MODERATE_PERMISSION)


def can_comment(user, action: Action, *, as_moderator: bool) -> bool:
    """Messages about a sent sheet: moderators write from the review page, members of the action's centre from
    their page of the sheet (``as_moderator`` names the side the message is written from)."""
    return is_moderator(user) if as_moderator else can_edit_action(user, action)


def can_read_comments(user, action: Action) -> bool:
    return is_moderator(user) or can_edit_action(user, action)


def can_handle_error_reports(user) -> bool:
    """Errors reported on published sheets land in the moderators' queue; a moderator marks them handled."""
    return is_moderator(user)


def can_view_attachment(user, attachment) -> bool:
    """A file is public once approved on a published action; before that its centre's members see it, and
    moderators once it was sent to them: its action, or the revision that proposes it, waits for a decision."""
    action = attachment.action
    if attachment.approved_at is not None and action.state == PublicationState.PUBLISHED:
        return True
    if not user.is_authenticated:
        return False
    if is_moderator(user) and _sent_for_validation(attachment):
        return True
    return is_member(user, action.centre_id)


def _sent_for_validation(attachment) -> bool:
    from actions_catalog.core.submission_models import RevisionState

    if attachment.action.state == PublicationState.PENDING:
        return True
    revision = attachment.revision
    return revision is not None and revision.state == RevisionState.PENDING


# -- Followed searches -----------------------------------------------------------------------------------


def follow_address(user) -> str:
    """The e-mail address whose followed searches ``user`` manages in the members' area: their account's
    (``""``, nobody's, when signed out or without one). Anyone else stops a follow with its e-mails' link."""
    if not user.is_authenticated or not user.is_active:
        return ""
    return user.email or ""


# -- Admin -----------------------------------------------------------------------------------------------


def can_import_actions(user) -> bool:
    return user.has_perm(IMPORT_ACTIONS_PERMISSION)


def has_model_permission(user, opts, action: str) -> bool:
    """``user`` holds Django's ``<action>_<model>`` permission of a model (its ``_meta``)."""
    return user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")


def can_merge(user, opts) -> bool:
    """Merging records changes the survivor and deletes the others: both permissions are needed."""
    return all(has_model_permission(user, opts, action) for action in ("change", "delete"))
