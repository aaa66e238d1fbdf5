"""The e-mails of the catalogue, in French: to moderators on each new submission, on each message of a centre and
on each error reported on a sheet; to the member on each decision, and to the centre on each message of a
moderator; the invitations of colleagues (to the colleague, to the admins who approve them, on their decision);
a visitor's message relayed to a centre (``contact``).

Links are absolute, built on ``settings.SITE_URL``. The backend comes from ``EMAIL_URL`` (console by default).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, get_connection, send_mass_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from actions_catalog.core.permissions import ADD_MEMBERSHIP_PERMISSION, MODERATE_PERMISSION


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def _holders_of(permission: str):
    """Active users who hold ``permission`` and have an e-mail address (superusers included)."""
    return (
        get_user_model()
        .objects.with_perm(permission, backend="django.contrib.auth.backends.ModelBackend")
        .filter(is_active=True)
        .exclude(email="")
        .order_by("pk")
    )


def moderators():
    """Active users who may moderate and have an e-mail address (superusers included)."""
    return _holders_of(MODERATE_PERMISSION)


def password_setup_url(user) -> str:
    """The link with which an account without a password chooses one (Django's password-reset token)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return absolute(reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token}))


def _send(messages: list[tuple[str, str, str]]):
    datatuple = [(subject, body, settings.DEFAULT_FROM_EMAIL, [to]) for subject, body, to in messages]
    if datatuple:
        send_mass_mail(datatuple, fail_silently=False)


def notify_submission(action, *, revision=None, author=None):
    """Tell every moderator that a sheet (or a change to a published sheet) waits for a decision."""
    context = {
        "action": action,
        "revision": revision,
        "author": author,
        "review_url": absolute(reverse("espace:moderation_review", kwargs={"slug": action.slug})),
    }
    kind = "Modification" if revision is not None else "Nouvelle fiche"
    subject = f"{kind} à valider : {action.title}"[:200]
    body = render_to_string("emails/submission_to_moderators.txt", context)
    _send([(subject, body, moderator.email) for moderator in moderators()])


def notify_decision(action, *, recipient, approved: bool, reason: str = "", revision=None):
    """Tell the member who sent the sheet (or the change) what the moderator decided."""
    if recipient is None or not recipient.email:
        return
    context = {
        "action": action,
        "revision": revision,
        "recipient": recipient,
        "reason": reason,
        "public_url": absolute(action.get_absolute_url()),
        "edit_url": absolute(reverse("espace:action_edit", kwargs={"slug": action.slug})),
        "dashboard_url": absolute(reverse("espace:dashboard")),
    }
    if approved:
        subject = f"Votre fiche « {action.title} » est publiée"
        if revision is not None:
            subject = f"Votre modification de « {action.title} » est publiée"
        template = "emails/decision_approved.txt"
    else:
        subject = f"Votre fiche « {action.title} » n'a pas été validée"
        if revision is not None:
            subject = f"Votre modification de « {action.title} » n'a pas été validée"
        template = "emails/decision_rejected.txt"
    _send([(subject[:200], render_to_string(template, context), recipient.email)])


def notify_superseded(*, absorbed_title: str, survivor, recipient):
    """Tell the author of a revision closed by a merge that the sheet they edited is now part of another one."""
    if recipient is None or not recipient.email:
        return
    context = {
        "absorbed_title": absorbed_title,
        "survivor": survivor,
        "recipient": recipient,
        "edit_url": absolute(reverse("espace:action_edit", kwargs={"slug": survivor.slug})),
    }
    subject = f"Votre modification de « {absorbed_title} » a été remplacée lors d'une fusion"
    _send([(subject[:200], render_to_string("emails/revision_superseded.txt", context), recipient.email)])


# -- Invitations of colleagues ---------------------------------------------------------------------------


def notify_invitation(invitation, *, new_account: bool):
    """Tell the invited colleague: a new account gets the link to choose its password, an existing one the login
    page; both learn that the membership waits for the federation's approval."""
    user = invitation.user
    context = {
        "invitation": invitation,
        "user": user,
        "inviter": invitation.invited_by,
        "new_account": new_account,
        "url": password_setup_url(user) if new_account else absolute(reverse("login")),
        "reset_url": absolute(reverse("password_reset")),
        "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    subject = f"Invitation à rejoindre « {invitation.centre} » sur le catalogue des actions des centres sociaux"
    to = user.email or invitation.email  # an existing account's own address
    _send([(subject[:200], render_to_string("emails/invitation_to_colleague.txt", context), to)])


def notify_invitation_to_deciders(invitation):
    """Tell the admins who approve memberships that one waits for them."""
    context = {
        "invitation": invitation,
        "admin_url": absolute(reverse("admin:centres_membershipinvitation_changelist") + "?state__exact=pending"),
    }
    subject = f"Rattachement à valider : {invitation.email} à « {invitation.centre} »"
    body = render_to_string("emails/invitation_to_deciders.txt", context)
    _send([(subject[:200], body, admin.email) for admin in _holders_of(ADD_MEMBERSHIP_PERMISSION)])


def notify_invitation_decided(invitation):
    """Approved: tell the colleague, who may now edit the centre's sheets. Refused: tell the member who invited."""
    context = {"invitation": invitation, "dashboard_url": absolute(reverse("espace:dashboard"))}
    centre = invitation.centre
    if invitation.state == "approved":
        subject, template = f"Vous êtes membre de « {centre} »", "emails/invitation_approved.txt"
        to = invitation.user.email or invitation.email
    else:
        inviter = invitation.invited_by
        if inviter is None or not inviter.email:
            return
        subject = f"Le rattachement de {invitation.email} à « {centre} » n'a pas été validé"
        template, to = "emails/invitation_refused.txt", inviter.email
    _send([(subject[:200], render_to_string(template, context), to)])


# -- Messages about a sheet, error reports -----------------------------------------------------------


def centre_members(centre_id: int):
    """Active members of a centre who have an e-mail address."""
    return (
        get_user_model()
        .objects.filter(memberships__centre_id=centre_id, is_active=True)
        .exclude(email="")
        .order_by("pk")
    )


def notify_comment(comment):
    """Tell the other side of a message about a sheet: the centre (the author of what was sent, and the centre's
    other members) when a moderator wrote, every moderator when a member did. The author is not told."""
    action = comment.action
    if comment.from_moderation:
        sender = action.submitted_by if comment.revision is None else comment.revision.author
        people = ([sender] if sender is not None and sender.is_active and sender.email else []) + list(
            centre_members(action.centre_id)
        )
        url = absolute(reverse("espace:action_comments", kwargs={"slug": action.slug}))
        subject = f"La fédération vous écrit au sujet de « {action.title} »"
        template = "emails/comment_to_centre.txt"
    else:
        people = list(moderators())
        url = absolute(reverse("espace:moderation_review", kwargs={"slug": action.slug}))
        subject = f"Message du centre au sujet de « {action.title} »"
        template = "emails/comment_to_moderators.txt"
    recipients = list(dict.fromkeys(p.email for p in people if comment.author_id is None or p.pk != comment.author_id))
    body = render_to_string(template, {"comment": comment, "action": action, "url": url})
    _send([(subject[:200], body, email) for email in recipients])


def notify_error_report(report):
    """Tell every moderator that a visitor reported an error on a published sheet."""
    action = report.action
    context = {
        "report": report,
        "action": action,
        "public_url": absolute(action.get_absolute_url()),
        "queue_url": absolute(reverse("espace:moderation_queue") + "#signalements"),
    }
    subject = f"Erreur signalée sur « {action.title} »"[:200]
    body = render_to_string("emails/error_report_to_moderators.txt", context)
    _send([(subject, body, moderator.email) for moderator in moderators()])


def relay_contact(action, message, *, to: list[str], to_federation: bool):
    """A visitor's message about ``action`` (``contact.ContactMessage``), one e-mail per address of ``to``, with
    Reply-To set to the visitor: the answer goes to them, and no address of the centre is disclosed."""
    context = {
        "action": action,
        "message": message,
        "to_federation": to_federation,
        "public_url": absolute(action.get_absolute_url()),
    }
    subject = " ".join(f"Message d'un visiteur à propos de « {action.title} »".split())[:200]
    body = render_to_string("emails/contact_centre.txt", context)
    messages = [
        EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address], reply_to=[message.email]) for address in to
    ]
    get_connection(fail_silently=False).send_messages(messages)
