"""« Contacter le centre »: a visitor's message about a published sheet, relayed by e-mail to its centre.

No address is shown to the visitor. The message goes to the centre's members (active users with a membership and
an e-mail address), or to the federation (``settings.FEDERATION_CONTACT_EMAIL``) when the centre has none, with
Reply-To set to the sender so that the centre answers directly. Each message counts against two limits within
``WINDOW``, both counted in the database (``rate_limits``): per sender's address and per centre. A message
refused or not sent records nothing.
"""

import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from actions_catalog.core import notifications, rate_limits
from actions_catalog.core.choices import PublicationState

#: The window both limits count over.
WINDOW = timedelta(days=1)
SENDER_SCOPE = "contact:sender"
CENTRE_SCOPE = "contact:centre"


@dataclass(frozen=True)
class ContactMessage:
    """What the visitor wrote (the form has checked it)."""

    name: str
    email: str
    message: str


@dataclass(frozen=True)
class Relayed:
    recipients: list[str]
    #: The centre has no member with an address: the federation got the message, to pass it on.
    to_federation: bool


class ContactRefused(Exception):
    """The message is not sent; the text is French and meant for the visitor."""


class ContactLimitReached(ContactRefused):
    pass


def recipients(centre) -> list[str]:
    """The addresses of the centre's active members (none: ``[]``), each once."""
    return list(dict.fromkeys(notifications.centre_members(centre.pk).values_list("email", flat=True)))


def relay(action, message: ContactMessage) -> Relayed:
    """Send ``message`` about ``action`` (published) to its centre, within the limits; raises ``ContactRefused``."""
    if action.state != PublicationState.PUBLISHED:
        raise ContactRefused("Cette fiche n'est pas publiée : son centre ne peut pas être contacté par ce formulaire.")
    per_sender, per_centre = settings.CONTACT_MESSAGES_PER_SENDER, settings.CONTACT_MESSAGES_PER_CENTRE
    # One transaction: a use is recorded only if the message went out (a refusal or a failure rolls back both).
    with transaction.atomic():
        if not rate_limits.allow(SENDER_SCOPE, message.email, limit=per_sender, window=WINDOW):
            raise ContactLimitReached(
                f"Vous avez déjà envoyé {per_sender} messages aujourd'hui avec l'adresse {message.email} : c'est le "
                "maximum. Votre message n'est pas envoyé ; réessayez demain."
            )
        if not rate_limits.allow(CENTRE_SCOPE, str(action.centre_id), limit=per_centre, window=WINDOW):
            raise ContactLimitReached(
                f"Ce centre a déjà reçu {per_centre} messages aujourd'hui par le catalogue : votre message n'est pas "
                f"envoyé. Réessayez demain, ou écrivez à la fédération ({settings.FEDERATION_CONTACT_EMAIL})."
            )
        members = recipients(action.centre)
        to = members or [settings.FEDERATION_CONTACT_EMAIL]
        try:
            notifications.relay_contact(action, message, to=to, to_federation=not members)
        except (smtplib.SMTPException, OSError) as error:
            raise ContactRefused(
                "Le message n'a pas pu être envoyé (le serveur de courrier ne répond pas) : réessayez dans un moment."
            ) from error
    return Relayed(recipients=to, to_federation=not members)
