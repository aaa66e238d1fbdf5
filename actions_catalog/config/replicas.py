"""Optional read replica: the read-only pages anonymous visitors browse read the catalogue from it.

Enabled by ``DATABASE_REPLICA_URL`` (see the settings). Only GET and HEAD requests of visitors who are not
signed in, outside the admin, the members' area and the files, read from ``DATABASES["replica"]``, and only
the catalogue's tables (actions, centres, labels). Signed-in people (members, moderators, admins) read
the primary everywhere, so nobody misses their own change while the replica lags a little; sessions, users
and login attempts are always read from the primary. Every write goes to the primary, and migrations run
there only (the replica copies them).
"""

from contextlib import contextmanager
from contextvars import ContextVar

REPLICA = "replica"
#: Apps whose tables public pages read; everything else (auth, sessions, axes, admin log) stays on the primary.
REPLICA_APPS = frozenset({"actions_catalog", "centres"})
#: Paths that always read the primary: curation, the members' area and attachments must see fresh data.
PRIMARY_ONLY_PREFIXES = ("/admin/", "/espace/", "/fichiers/", "/comptes/")
SAFE_METHODS = frozenset({"GET", "HEAD"})

_reading_replica: ContextVar[bool] = ContextVar("reading_replica", default=False)


@contextmanager
def replica_reads():
    """Inside this block, catalogue reads go to the replica."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def reads_replica(request) -> bool:
    """Whether a request is a read-only page of an anonymous visitor (after AuthenticationMiddleware)."""
    user = getattr(request, "user", None)
    return (
        request.method in SAFE_METHODS
        and not request.path_info.startswith(PRIMARY_ONLY_PREFIXES)
        and not (user is not None and user.is_authenticated)
    )


class ReplicaReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not reads_replica(request):
            return self.get_response(request)
        with replica_reads():
            return self.get_response(request)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if _reading_replica.get() and model._meta.app_label in REPLICA_APPS:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA
