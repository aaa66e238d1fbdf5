"""The follows' e-mails, in French: the confirmation of a request, and the digests.

Each carries a one-click unsubscribe (RFC 8058): ``List-Unsubscribe`` with the https address of the follow's
unsubscribe link (``SITE_URL`` must be https in production) and ``List-Unsubscribe-Post:
List-Unsubscribe=One-Click``, which mail clients POST to; the same link ends the body. (RFC 8058 also wants a
DKIM signature covering both headers: that is the outgoing mail server's work.)
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from actions_catalog.catalogue import french
from actions_catalog.core.notifications import absolute
from actions_catalog.follows import tokens
from actions_catalog.follows.models import Frequency


def stop_url(follow) -> str:
    return absolute(reverse("follows:stop", kwargs={"token": tokens.stop_token(follow)}))


def _message(follow, subject: str, template: str, context: dict) -> EmailMessage:
    unsubscribe = stop_url(follow)
    body = render_to_string(template, {**context, "follow": follow, "stop_url": unsubscribe})
    return EmailMessage(
        subject[:200],
        body,
        settings.DEFAULT_FROM_EMAIL,
        [follow.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def confirmation(follow, search, frequency: str) -> EmailMessage:
    """The link that confirms a request (``frequency``: the one asked for)."""
    url = absolute(reverse("follows:confirm", kwargs={"token": tokens.confirmation_token(follow, frequency)}))
    context = {
        "search": search,
        "frequency": Frequency(frequency).label.lower(),
        "confirm_url": url,
        "list_url": absolute(search.list_url),
        "days": tokens.CONFIRMATION_VALIDITY.days,
    }
    return _message(follow, "Confirmez le suivi de votre recherche", "emails/follow_confirmation.txt", context)


def digest(follow, search, actions: list, count: int) -> EmailMessage:
    """``count`` new actions for ``follow`` (``actions``: the most recent of them, those listed)."""
    listed = [(action, absolute(action.get_absolute_url())) for action in actions]
    context = {
        "search": search,
        "listed": listed,
        "count": count,
        "more": count - len(listed),
        "since": follow.covered_until,
        "frequency": Frequency(follow.frequency).label.lower(),
        "list_url": absolute(search.list_url),
    }
    subject = f"{french.count(count, 'nouvelle action', 'nouvelles actions')} : {search.label}"
    return _message(follow, subject, "emails/follow_digest.txt", context)
