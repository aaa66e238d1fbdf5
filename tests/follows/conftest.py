"""Helpers for the follows' tests: the links of the e-mails, and digests that need not wait (factories:
tests/factories.py)."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

FOLLOW_URL = "/suivre/"


def link(message, kind: str) -> str:
    """The path of the ``confirmer`` or ``arreter`` link of an e-mail."""
    found = re.findall(rf"https?://\S+(/suivre/{kind}/\S+/)", message.body)
    assert found, message.body
    return urlsplit(found[0]).path if "://" in found[0] else found[0]


def confirm_path(message) -> str:
    return link(message, "confirmer")


def stop_path(message) -> str:
    return link(message, "arreter")


@pytest.fixture
def no_settle(settings):
    """Digests cover publications up to now (in production they stop ``digests.SETTLE`` earlier)."""
    settings.FOLLOWS_DIGEST_SETTLE = timedelta(0)
