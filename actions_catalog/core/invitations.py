"""Invitations of colleagues: a member invites someone to their centre by e-mail address; an admin approves.

The invitation (``centres.MembershipInvitation``) is the colleague's membership while it is pending, and it gives
no right: rights come from ``Membership`` rows only (``permissions.member_centres``), which ``approve`` creates.
An address without an account gets one, without a password, and a link to choose it (the link of the admin's
invitations, ``notifications.password_setup_url``); an existing account is told to log in. Invitations are refused
for members of the centre, addresses already invited, and past ``INVITATIONS_PER_DAY`` per member (rate_limits).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from actions_catalog.core import notifications, permissions, rate_limits
from centres.models import InvitationState, Membership, MembershipInvitation

#: Set on an account created by an invitation: the account invitation of ``members.accounts`` is not sent (this
#: module sends its own, which names the centre).
SENDS_ITS_OWN_EMAIL = "_invited_to_centre"


class InvitationError(Exception):
    """An invitation refused; the message is French and meant for the member."""

    status = 400


class InvitationLimitReached(InvitationError):
    status = 429


def invite(*, inviter, centre, email: str) -> MembershipInvitation:
    """``inviter`` invites ``email`` to ``centre``: a pending invitation, the colleague's account (created when the
    address has none) and the e-mails, sent once committed (to the colleague, and to the admins who approve)."""
    if not permissions.can_invite(inviter, centre):
        raise PermissionDenied("Vous n'êtes pas membre de ce centre.")
    email = get_user_model().objects.normalize_email(email.strip())
    try:
        validate_email(email)
    except ValidationError:
        raise InvitationError(f"« {email} » n'est pas une adresse e-mail valide.") from None
    accounts = get_user_model().objects.filter(email__iexact=email).order_by("pk")
    with transaction.atomic():
        if Membership.objects.filter(centre=centre, user__in=accounts).exists():
            raise InvitationError(f"{email} est déjà membre de « {centre} ».")
        if MembershipInvitation.objects.pending().filter(centre=centre, email__iexact=email).exists():
            raise InvitationError(
                f"{email} est déjà invité(e) : son rattachement attend la validation de la fédération."
            )
        if not rate_limits.allow(
            "invitation", str(inviter.pk), limit=settings.INVITATIONS_PER_DAY, window=timedelta(days=1)
        ):
            raise InvitationLimitReached(
                f"Vous avez déjà invité {settings.INVITATIONS_PER_DAY} collègues aujourd'hui : c'est le maximum. "
                "Réessayez demain, ou écrivez à la fédération."
            )
        user = accounts.first()
        new_account = user is None
        if new_account:
            user = _new_account(email)
        try:
            with transaction.atomic():
                invitation = MembershipInvitation.objects.create(
                    centre=centre, email=email, user=user, invited_by=inviter
                )
        except IntegrityError:  # the same address invited by another request at this very moment
            raise InvitationError(
                f"{email} est déjà invité(e) : son rattachement attend la validation de la fédération."
            ) from None
        transaction.on_commit(lambda: notifications.notify_invitation(invitation, new_account=new_account))
        transaction.on_commit(lambda: notifications.notify_invitation_to_deciders(invitation))
    return invitation


def _new_account(email: str):
    """An account for ``email``, without a password; its identifier is the address (another when taken)."""
    model = get_user_model()
    base = email[: model._meta.get_field("username").max_length - 4]
    username, suffix = base, 1
    while model.objects.filter(username__iexact=username).exists():
        suffix += 1
        username = f"{base}-{suffix}"
    user = model(username=username, email=email)
    user.set_unusable_password()
    setattr(user, SENDS_ITS_OWN_EMAIL, True)
    user.save()
    return user


def approve(invitation: MembershipInvitation, *, by) -> MembershipInvitation:
    """An admin approves: the colleague becomes a member of the centre (a ``Membership``) and is told."""
    return _decide(invitation, by=by, state=InvitationState.APPROVED)


def refuse(invitation: MembershipInvitation, *, by) -> MembershipInvitation:
    """An admin refuses: no membership; the member who invited is told."""
    return _decide(invitation, by=by, state=InvitationState.REFUSED)


def _decide(invitation, *, by, state) -> MembershipInvitation:
    if not permissions.can_decide_invitations(by):
        raise PermissionDenied("Seuls les administrateurs qui rattachent les membres aux centres en décident.")
    with transaction.atomic():
        invitation = MembershipInvitation.objects.select_for_update().select_related("centre").get(pk=invitation.pk)
        if invitation.state != InvitationState.PENDING:
            raise InvitationError(
                f"L'invitation de {invitation.email} est déjà {invitation.get_state_display().lower()}."
            )
        if state == InvitationState.APPROVED:
            Membership.objects.get_or_create(user=invitation.user, centre=invitation.centre)
        invitation.state, invitation.decided_at, invitation.decided_by = state, timezone.now(), by
        invitation.save(update_fields=["state", "decided_at", "decided_by"])
        transaction.on_commit(lambda: notifications.notify_invitation_decided(invitation))
    return invitation
