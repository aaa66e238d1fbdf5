"""The signed links of the follows' e-mails (``django.core.signing``, keyed by ``SECRET_KEY``).

- The confirmation link names the follow, the key of its latest request (so a link works once, and only the
  latest one) and the frequency asked for; it expires after ``CONFIRMATION_VALIDITY``.
- The unsubscribe link names the follow only and never expires: every e-mail ever sent keeps a working one.
"""

from datetime import timedelta

from django.core import signing

#: How long a confirmation link works; unconfirmed follows are purged after as long.
CONFIRMATION_VALIDITY = timedelta(days=7)
_CONFIRM_SALT = "actions_catalog.follows.confirm"
_STOP_SALT = "actions_catalog.follows.stop"


class BadLink(Exception):
    """A link that was not signed here, was cut, or expired (``expired``)."""

    def __init__(self, *, expired: bool = False):
        super().__init__("expired" if expired else "bad signature")
        self.expired = expired


def confirmation_token(follow, frequency: str) -> str:
    return signing.dumps([follow.pk, follow.confirmation_key, frequency], salt=_CONFIRM_SALT)


def read_confirmation(token: str) -> tuple[int, str, str]:
    """``(follow id, request key, frequency)``; raises ``BadLink``."""
    try:
        pk, key, frequency = signing.loads(token, salt=_CONFIRM_SALT, max_age=CONFIRMATION_VALIDITY)
    except signing.SignatureExpired as error:
        raise BadLink(expired=True) from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadLink() from error
    if not isinstance(pk, int) or not isinstance(key, str) or not isinstance(frequency, str):
        raise BadLink()
    return pk, key, frequency


def stop_token(follow) -> str:
    return signing.dumps(follow.pk, salt=_STOP_SALT)


def read_stop(token: str) -> int:
    """The follow id of an unsubscribe link; raises ``BadLink``."""
    try:
        pk = signing.loads(token, salt=_STOP_SALT)
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadLink() from error
    if not isinstance(pk, int):
        raise BadLink()
    return pk
