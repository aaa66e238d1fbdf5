"""Rate limits of the public forms (contact a centre, report an error, follow a search), counted in the database.

Every app server and worker shares the count, so a limit holds with any number of processes (a per-process
memory cache would multiply it). ``allow(scope, key, limit=…, window=…)`` records one use of ``scope`` by
``key`` (an e-mail address, a client address, a centre's id) unless ``limit`` uses were recorded within
``window``. Concurrent calls for one ``scope`` and ``key`` are counted one after the other (an advisory lock
held until the transaction ends). Keys are stored as hashes: the table names nobody. Old rows are purged by a
periodic job (``purge``).
"""

import hashlib
from datetime import timedelta

from django.db import connection, models, transaction
from django.utils import timezone

#: How long a use is kept: longer than any window a limit counts over.
RETENTION = timedelta(days=2)


class RateLimitHit(models.Model):
    """One use of a rate-limited form: what was done (``scope``) and by whom or for whom (``key``, hashed)."""

    scope = models.CharField("usage", max_length=40)
    key_hash = models.CharField("clé (empreinte)", max_length=64)
    created_at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        app_label = "actions_catalog"
        verbose_name = "usage limité"
        verbose_name_plural = "usages limités"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["scope", "key_hash", "created_at"], name="rate_limit_hit_lookup")]

    def __str__(self):
        return f"{self.scope} ({self.created_at:%Y-%m-%d %H:%M})"


def _hash(scope: str, key: str) -> str:
    return hashlib.sha256(f"{scope}\x00{key.strip().lower()}".encode()).hexdigest()


def allow(scope: str, key: str, *, limit: int, window: timedelta) -> bool:
    """Record a use of ``scope`` by ``key`` and say yes, or say no (and record nothing) when ``key`` already
    used ``scope`` ``limit`` times within ``window``.

    Runs in its own transaction, or in the caller's: a use recorded by a transaction that rolls back does not
    count, so call it in the transaction of the work it guards.
    """
    key_hash = _hash(scope, key)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"rate_limit:{key_hash}"])
        since = timezone.now() - window
        used = RateLimitHit.objects.filter(scope=scope, key_hash=key_hash, created_at__gte=since).count()
        if used >= limit:
            return False
        RateLimitHit.objects.create(scope=scope, key_hash=key_hash)
        return True


def purge(now=None) -> int:
    """Delete the uses older than ``RETENTION``; the number deleted."""
    now = now or timezone.now()
    deleted, _ = RateLimitHit.objects.filter(created_at__lt=now - RETENTION).delete()
    return deleted
