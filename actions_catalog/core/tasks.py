"""The core's background jobs: the purge of old rate-limit counts."""

from datetime import timedelta

from actions_catalog.core import rate_limits
from actions_catalog.jobs import queue


@queue.periodic("core.purge_rate_limits", every=timedelta(hours=1))
def purge_rate_limits(context):
    deleted = rate_limits.purge()
    context.summary = f"{deleted} usage(s) ancien(s) supprimé(s)."
