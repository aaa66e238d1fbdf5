"""The site's e-mails, in French: to moderators on each new submission, to the member on each decision, and a
visitor's message relayed to a centre (``contact``).

Links are absolute, built on ``settings.SITE_URL``. The backend comes from ``EMAIL_URL`` (console by default).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection, send_mass_mail
from django.template.loader import render_to_string
from django.urls import reverse

from actions_catalog.core.permissions import MODERATE_PERMISSION


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def moderators():
    """Active users who may moderate and have an e-mail address (superusers included)."""
    return (
        get_user_model()
        .objects.with_perm(MODERATE_PERMISSION, backend="django.contrib.auth.backends.ModelBackend")
        .filter(is_active=True)
        .exclude(email="")
        .order_by("pk")
    )


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
