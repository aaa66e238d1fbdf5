"""The follows' periodic jobs: the daily and the weekly digests, and the purge of unconfirmed requests.

A digest run covers the publications since each follow's last one, whenever it runs: a run that is late or
missed loses nothing (see ``digests``).
"""

from datetime import timedelta

from actions_catalog.follows import digests, services
from actions_catalog.follows.models import Frequency
from actions_catalog.jobs import queue
from actions_catalog.jobs.runner import JobFailed

DAILY = "follows.daily_digests"
WEEKLY = "follows.weekly_digests"
PURGE = "follows.purge_unconfirmed"


def _digests(context, frequency: str):
    run = digests.send_digests(frequency)
    context.summary = run.summary
    context.result = {"sent": run.sent, "failed": run.failed, "follows": run.follows, "searches": run.searches}
    if run.failed:
        raise JobFailed(run.summary)


@queue.periodic(DAILY, every=timedelta(days=1))
def daily_digests(context):
    _digests(context, Frequency.DAILY)


@queue.periodic(WEEKLY, every=timedelta(days=7))
def weekly_digests(context):
    _digests(context, Frequency.WEEKLY)


@queue.periodic(PURGE, every=timedelta(hours=1))
def purge_unconfirmed(context):
    deleted = services.purge_unconfirmed()
    context.summary = f"{deleted} demande(s) de suivi non confirmée(s) supprimée(s)."
