"""The follows' periodic jobs, run as a worker runs them: the daily and weekly digests, and the purge of the
requests never confirmed."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from actions_catalog.core.models import Action
from actions_catalog.follows import services, tasks
from actions_catalog.follows.models import Follow, Frequency
from actions_catalog.jobs import queue, runner
from actions_catalog.jobs.models import Job, JobState
from tests.factories import FollowFactory, make_action

pytestmark = pytest.mark.usefixtures("seeded", "no_settle")


def run_job(name: str) -> Job:
    job = queue.submit(name, label=f"Tâche périodique : {name}", dedup_key=f"schedule:{name}", max_attempts=1)
    return runner.run(job.pk)


def test_digests_are_scheduled_daily_and_weekly_and_the_purge_hourly():
    assert queue.get_handler(tasks.DAILY).every == timedelta(days=1)
    assert queue.get_handler(tasks.WEEKLY).every == timedelta(days=7)
    assert queue.get_handler(tasks.PURGE).every == timedelta(hours=1)


def test_the_daily_job_sends_the_digests_and_schedules_the_next_run():
    Action.objects.update(published_at=timezone.now() - timedelta(days=30))
    FollowFactory(email="ana@example.org", frequency=Frequency.DAILY)
    FollowFactory(email="bob@example.org", frequency=Frequency.WEEKLY)
    make_action("Atelier de théâtre", keywords=["Culture"])

    job = run_job(tasks.DAILY)

    assert job.state == JobState.SUCCEEDED
    assert job.summary.startswith("1 e-mail(s) envoyé(s) pour 1 suivi(s) de 1 recherche(s)")
    assert [message.to for message in mail.outbox] == [["ana@example.org"]]
    following = Job.objects.get(handler=tasks.DAILY, state=JobState.QUEUED)
    assert following.run_after > timezone.now() + timedelta(hours=23)


def test_a_digest_run_with_failed_emails_is_reported_failed():
    FollowFactory(email="ana@example.org", frequency=Frequency.WEEKLY)
    make_action("Atelier de théâtre", keywords=["Culture"])

    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=OSError("refusé")):
        job = run_job(tasks.WEEKLY)

    assert job.state == JobState.FAILED
    assert "1 e-mail(s) n'ont pas pu être envoyés" in job.error
    assert Job.objects.filter(handler=tasks.WEEKLY, state=JobState.QUEUED).exists()  # the schedule goes on


def test_unconfirmed_requests_are_purged_after_seven_days():
    now = timezone.now()
    expired = FollowFactory(confirmed_at=None, covered_until=None, requested_at=now - timedelta(days=7, minutes=1))
    recent = FollowFactory(confirmed_at=None, covered_until=None, requested_at=now - timedelta(days=6, hours=23))
    confirmed = FollowFactory(requested_at=now - timedelta(days=60), confirmed_at=now - timedelta(days=59))

    job = run_job(tasks.PURGE)

    assert job.state == JobState.SUCCEEDED
    assert job.summary == "1 demande(s) de suivi non confirmée(s) supprimée(s)."
    assert set(Follow.objects.values_list("pk", flat=True)) == {recent.pk, confirmed.pk}
    assert not Follow.objects.filter(pk=expired.pk).exists()
    assert services.UNCONFIRMED_RETENTION == timedelta(days=7)


def test_a_renewed_request_starts_its_seven_days_again(client):
    old = timezone.now() - timedelta(days=6)
    follow = FollowFactory(email="ana@example.org", confirmed_at=None, covered_until=None, requested_at=old)

    client.post("/suivre/?keyword=culture", {"email": "ana@example.org", "frequency": "daily"})
    purged = services.purge_unconfirmed(now=timezone.now() + timedelta(days=2))

    assert purged == 0
    assert Follow.objects.filter(pk=follow.pk).exists()
