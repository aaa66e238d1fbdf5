"""What changes a follow: a request (and its confirmation e-mail), the confirmation, the frequency, the stop,
and the purge of requests never confirmed. Views and jobs call these; none of them writes a follow itself.

- ``request`` records or renews the follow of an address and a search, and sends the confirmation e-mail in
  the same transaction (an e-mail that cannot be sent leaves nothing behind). It is refused past
  ``CONFIRMATIONS_PER_ADDRESS`` e-mails to one address, or ``CONFIRMATIONS_PER_CLIENT`` requests from one
  client, within an hour (``core/rate_limits``: counted in the database). A follow already confirmed keeps
  sending as it did: confirming the new link only applies the frequency it asked for.
- ``confirm`` uses a confirmation link once; ``stop`` deletes the follow (nothing about it is kept).
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from actions_catalog.core import rate_limits
from actions_catalog.follows import emails, tokens
from actions_catalog.follows.models import Follow, Frequency, normalize_address
from actions_catalog.follows.searches import SavedSearch, describe

#: Confirmation e-mails one address may receive, and requests one client may make, within RATE_WINDOW.
CONFIRMATIONS_PER_ADDRESS = 3
CONFIRMATIONS_PER_CLIENT = 10
RATE_WINDOW = timedelta(hours=1)
#: A request not confirmed for this long is deleted (its link has expired too).
UNCONFIRMED_RETENTION = tokens.CONFIRMATION_VALIDITY


class TooManyRequests(Exception):
    """Refused by a rate limit; ``message`` says so in French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidLink(Exception):
    """A confirmation or unsubscribe link that cannot be used; ``message`` says why in French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def request(email: str, search: SavedSearch, frequency: str, *, client: str | None = None) -> Follow:
    """Record (or renew) the follow of ``search`` by ``email`` and send it its confirmation link."""
    address = normalize_address(email)
    frequency = Frequency(frequency)
    with transaction.atomic():
        if not rate_limits.allow("follow_address", address, limit=CONFIRMATIONS_PER_ADDRESS, window=RATE_WINDOW):
            raise TooManyRequests(
                "Plusieurs e-mails de confirmation ont déjà été envoyés à cette adresse dans l'heure : "
                "consultez votre messagerie, ou réessayez dans une heure."
            )
        if client and not rate_limits.allow(
            "follow_client", client, limit=CONFIRMATIONS_PER_CLIENT, window=RATE_WINDOW
        ):
            raise TooManyRequests("Trop de demandes de suivi depuis votre connexion : réessayez dans une heure.")
        follow, _ = Follow.objects.select_for_update().get_or_create(
            email=address, query=search.query, defaults={"frequency": frequency}
        )
        follow.confirmation_key = secrets.token_hex(16)
        follow.requested_at = timezone.now()
        if not follow.is_confirmed:
            follow.frequency = frequency
        follow.save(update_fields=["confirmation_key", "requested_at", "frequency"])
        emails.confirmation(follow, search, frequency).send()
    return follow


@dataclass
class PendingConfirmation:
    follow: Follow
    frequency: str
    search: SavedSearch


def pending_confirmation(token: str) -> PendingConfirmation:
    """What a confirmation link would confirm (nothing changes); raises ``InvalidLink``."""
    try:
        pk, key, frequency = tokens.read_confirmation(token)
    except tokens.BadLink as error:
        if error.expired:
            raise InvalidLink(
                f"Ce lien de confirmation a expiré (il vaut {tokens.CONFIRMATION_VALIDITY.days} jours) : "
                "demandez à nouveau à suivre la recherche."
            ) from error
        raise InvalidLink(
            "Ce lien de confirmation n'est pas valable : vérifiez qu'il a été copié en entier."
        ) from error
    follow = Follow.objects.filter(pk=pk).first()
    if follow is None:
        raise InvalidLink("Ce suivi n'existe plus : il a été arrêté, ou n'a pas été confirmé à temps.")
    if not follow.confirmation_key or not secrets.compare_digest(follow.confirmation_key, key):
        raise InvalidLink(
            "Ce lien de confirmation a déjà servi, ou un lien plus récent vous a été envoyé : utilisez le dernier reçu."
        )
    if frequency not in Frequency.values:
        raise InvalidLink("Ce lien de confirmation n'est pas valable : vérifiez qu'il a été copié en entier.")
    return PendingConfirmation(follow, frequency, describe(follow.query))


def confirm(token: str) -> Follow:
    """Use a confirmation link: the follow is confirmed (its digests start now) with the frequency it asked for.
    A link works once; raises ``InvalidLink``."""
    with transaction.atomic():
        pending = pending_confirmation(token)
        follow = Follow.objects.select_for_update().get(pk=pending.follow.pk)
        if follow.confirmation_key != pending.follow.confirmation_key:  # used by a concurrent request
            raise InvalidLink("Ce lien de confirmation a déjà servi.")
        now = timezone.now()
        follow.confirmation_key = ""
        follow.frequency = pending.frequency
        if not follow.is_confirmed:
            follow.confirmed_at = follow.covered_until = now
        follow.save(update_fields=["confirmation_key", "frequency", "confirmed_at", "covered_until"])
    return follow


def follow_to_stop(token: str) -> Follow | None:
    """The follow an unsubscribe link names, ``None`` when it is already stopped; raises ``InvalidLink``."""
    try:
        pk = tokens.read_stop(token)
    except tokens.BadLink as error:
        raise InvalidLink(
            "Ce lien de désabonnement n'est pas valable : vérifiez qu'il a été copié en entier."
        ) from error
    return Follow.objects.filter(pk=pk).first()


def stop(follow: Follow) -> None:
    """End a follow: it is deleted, address included."""
    Follow.objects.filter(pk=follow.pk).delete()


def set_frequency(follow: Follow, frequency: str) -> Follow:
    follow.frequency = Frequency(frequency)
    Follow.objects.filter(pk=follow.pk).update(frequency=follow.frequency)
    return follow


def purge_unconfirmed(now=None) -> int:
    """Delete the requests not confirmed within ``UNCONFIRMED_RETENTION``; the number deleted."""
    now = now or timezone.now()
    deleted, _ = Follow.objects.unconfirmed().filter(requested_at__lt=now - UNCONFIRMED_RETENTION).delete()
    return deleted
