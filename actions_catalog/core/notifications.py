"""The e-mails of moderation, in French: to moderators on each new submission, on each message of a centre and on
each error reported on a sheet; to the member on each decision, and to the centre on each message of a moderator.

Links are absolute, built on ``settings.SITE_URL``. The backend comes from ``EMAIL_URL`` (console by default).
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
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
