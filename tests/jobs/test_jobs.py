"""The job lifecycle: success, reported failure, retries, recovery of a killed worker's jobs, expiry, schedules."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from actions_catalog.jobs import queue, runner
from actions_catalog.jobs.models import Job, JobState
from actions_catalog.jobs.worker import JobWorker, Watchers
from tests.processes import PROJECT, environment_for_the_test_database

CALLS = []


@queue.handler("tests.succeeds")
def succeeds(context):
    context.progress(0, 3)
    for _ in range(3):
        context.advance()
    context.problem("une ligne douteuse", line=12, column="title")
    context.summary = "trois faits"
    context.result["answer"] = 42


@queue.handler("tests.refuses")
def refuses(context):
    raise runner.JobFailed("Le fichier est illisible.")


@queue.handler("tests.flaky")
def flaky(context):
    CALLS.append(context.job.attempts)
    if len(CALLS) < context.params.get("fail_times", 1):
        raise RuntimeError("database went away")
    context.summary = "passé"


@queue.periodic("tests.every_minute", every=timedelta(minutes=1))
def every_minute(context):
    context.summary = "tic"


@pytest.fixture(autouse=True)
def _forget_calls():
    CALLS.clear()


def run_worker_batch():
    """A real worker loop (django-tasks-db's, ours around it), until no task is ready.

    The loop closes old connections, which would close the test's transaction: not here. The watchers' thread
    would work on its own connection, outside the test's transaction: it is tested on its own."""
    from unittest import mock

    with (
        mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"),
        mock.patch("actions_catalog.jobs.worker.Watchers.start"),
        mock.patch("actions_catalog.jobs.worker.Watchers.stop"),
    ):
        _worker().run()


def _worker():
    return JobWorker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def test_a_job_runs_in_a_worker_and_keeps_its_summary_problems_and_progress(db):
    job = queue.submit("tests.succeeds", label="Un essai")
    assert job.state == JobState.QUEUED and job.task_id
    run_worker_batch()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED
    assert (job.progress_done, job.progress_total, job.percent) == (3, 3, 100)
    assert job.summary == "trois faits" and job.result == {"answer": 42}
    assert job.problems == [[12, "title", "une ligne douteuse"]] and job.problem_count == 1
    assert job.attempts == 1 and job.worker_id == "test-worker"
    assert DBTaskResult.objects.get(id=job.task_id).status == TaskResultStatus.SUCCESSFUL


def test_a_failure_the_handler_explains_is_reported_at_once(db):
    job = queue.submit("tests.refuses", label="Refus")
    run_worker_batch()
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.attempts == 1
    assert job.error == "Le fichier est illisible."


def test_an_error_is_retried_later_then_succeeds(db):
    job = queue.submit("tests.flaky", label="Instable", params={"fail_times": 2})
    run_worker_batch()
    job.refresh_from_db()
    assert job.state == JobState.QUEUED and job.attempts == 1
    assert "database went away" in job.error
    assert job.run_after > timezone.now() + timedelta(seconds=5)  # not before the retry delay
    task = DBTaskResult.objects.get(id=job.task_id)
    assert task.status == TaskResultStatus.READY and task.run_after == job.run_after
    run_worker_batch()  # nothing ready yet: the retry waits
    job.refresh_from_db()
    assert job.state == JobState.QUEUED
    DBTaskResult.objects.filter(id=job.task_id).update(run_after=timezone.now())
    run_worker_batch()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED and job.attempts == 2 and CALLS == [1, 2]


def test_an_error_past_the_limit_is_reported_with_the_error(db):
    job = queue.submit("tests.flaky", label="Toujours en panne", params={"fail_times": 99}, max_attempts=2)
    runner.run(job.pk)
    Job.objects.filter(pk=job.pk).update(run_after=None)
    runner.run(job.pk)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.attempts == 2
    assert job.error.startswith("Échec après 2 essai(s) : RuntimeError: database went away")


def test_a_job_is_claimed_once(db):
    job = queue.submit("tests.succeeds", label="Une fois")
    assert runner.run(job.pk) is not None
    assert runner.run(job.pk) is None  # a second task for the same job finds it done


def test_one_open_job_per_key(db):
    first = queue.submit("tests.succeeds", label="a", dedup_key="k")
    assert queue.submit("tests.succeeds", label="b", dedup_key="k") == first
    runner.run(first.pk)
    assert queue.submit("tests.succeeds", label="c", dedup_key="k") != first


def test_an_unknown_handler_is_refused_when_submitted(db):
    with pytest.raises(LookupError):
        queue.submit("tests.nothing", label="?")


def test_a_stale_running_job_is_retried_then_reported(db, settings):
    settings.JOBS_LEASE_SECONDS = 30
    job = queue.submit("tests.succeeds", label="Abandonnée", max_attempts=2)
    runner.claim(job.pk, "dead-worker")
    DBTaskResult.objects.filter(id=job.task_id).update(status=TaskResultStatus.RUNNING)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=10))
    assert runner.recover_stale_jobs() == []  # within its lease
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=31))
    old_task = job.task_id
    assert runner.recover_stale_jobs() == [job.pk]
    job.refresh_from_db()
    assert job.state == JobState.QUEUED and "ne donne plus signe de vie" in job.error
    assert DBTaskResult.objects.get(id=old_task).status == TaskResultStatus.FAILED
    run_worker_batch()
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED and job.attempts == 2
    # Out of attempts: reported, not retried.
    other = queue.submit("tests.succeeds", label="Abandonnée deux fois", max_attempts=1)
    runner.claim(other.pk, "dead-worker")
    Job.objects.filter(pk=other.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    runner.recover_stale_jobs()
    other.refresh_from_db()
    assert other.state == JobState.FAILED and other.error.startswith("Échec après 1 essai(s)")


def test_expired_files_are_deleted(db):
    name = default_storage.save("jobs-test/expire.txt", ContentFile(b"x"))
    job = queue.submit("tests.succeeds", label="Fichier", file=name, expires_at=timezone.now() + timedelta(days=1))
    runner.run(job.pk)
    assert runner.expire_files() == 0 and default_storage.exists(name)
    assert runner.expire_files(now=timezone.now() + timedelta(days=2)) == 1
    assert not default_storage.exists(name)
    job.refresh_from_db()
    assert job.file == "" and job.result["expired"] is True


def test_a_schedule_reschedules_itself(db):
    first = [job for job in queue.ensure_schedules() if job.handler == "tests.every_minute"][0]
    assert queue.ensure_schedules().count(first) == 1  # one open run per schedule
    runner.run(first.pk)
    following = Job.objects.open().get(handler="tests.every_minute")
    assert following.pk != first.pk
    assert timezone.now() + timedelta(seconds=50) < following.run_after <= timezone.now() + timedelta(minutes=1)


def test_the_watchers_thread_recovers_and_schedules(db, settings):
    settings.JOBS_LEASE_SECONDS = 1
    job = queue.submit("tests.succeeds", label="Perdue")
    runner.claim(job.pk, "dead")
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=5))
    Watchers().maintenance()
    job.refresh_from_db()
    assert job.state == JobState.QUEUED
    assert Job.objects.open().filter(handler="jobs.expire_files").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not hasattr(os, "nice"), reason="no CPU priorities on this system")
def test_a_worker_lowers_its_cpu_priority_to_give_way_to_requests(reference_data, tmp_path):
    env = environment_for_the_test_database(tmp_path) | {"JOBS_NICENESS": "7"}
    command = [sys.executable, "manage.py", "run_jobs", "--interval", "0.2", "--no-startup-delay", "-v0"]
    niceness = {}
    for name, extra in (("setting", []), ("option", ["--niceness", "3"])):
        process = subprocess.Popen(command + extra, cwd=PROJECT, env=env, start_new_session=True)
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and niceness.get(name, 0) == 0:
                time.sleep(0.2)
                niceness[name] = os.getpriority(os.PRIO_PROCESS, process.pid) - os.nice(0)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
    assert niceness == {"setting": 7, "option": 3}


NICENESS_REFUSED = "JOBS_NICENESS must be between 0 (unchanged priority) and 19 (the lowest)."
WORK_SHARE_REFUSED = "JOBS_WORK_SHARE must be more than 0 and at most 1 (1: never pauses)."


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("JOBS_NICENESS", "-5", NICENESS_REFUSED),
        ("JOBS_NICENESS", "20", NICENESS_REFUSED),
        ("JOBS_WORK_SHARE", "0", WORK_SHARE_REFUSED),
        ("JOBS_WORK_SHARE", "1.5", WORK_SHARE_REFUSED),
        ("JOBS_WORK_SHARE", "-0.2", WORK_SHARE_REFUSED),
        ("JOBS_NICENESS", "abc", "JOBS_NICENESS must be a whole number, not 'abc'."),
        ("JOBS_WORK_SHARE", "moitié", "JOBS_WORK_SHARE must be a number, not 'moitié'."),
    ],
)
def test_a_worker_setting_out_of_range_is_refused_with_a_clear_message(tmp_path, variable, value, message):
    env = environment_for_the_test_database(tmp_path) | {variable: value}
    process = subprocess.run(
        [sys.executable, "manage.py", "run_jobs", "-v0"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode != 0
    assert message in process.stderr


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_s_job_is_run_again_by_another_worker(reference_data, tmp_path):
    """A real worker process, killed (SIGKILL) in the middle of a job; another worker takes the job back."""
    env = environment_for_the_test_database(tmp_path) | {"JOBS_LEASE_SECONDS": "2", "JOBS_HEARTBEAT_SECONDS": "0.5"}
    job = queue.submit("jobs.probe", label="Sonde", params={"seconds": 30}, max_attempts=2)
    command = [sys.executable, "manage.py", "run_jobs", "--interval", "0.2", "--no-startup-delay", "-v0"]
    first = subprocess.Popen(command, cwd=PROJECT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.state == JobState.RUNNING and job.progress_done >= 1:
                break
            time.sleep(0.2)
        assert job.state == JobState.RUNNING, job.error
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        Job.objects.filter(pk=job.pk).update(params={"seconds": 1})  # the second try is short
        second = subprocess.Popen(command, cwd=PROJECT, env=env, start_new_session=True)
        try:
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline:
                job.refresh_from_db()
                if job.state == JobState.SUCCEEDED:
                    break
                time.sleep(0.3)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=20)
    finally:
        if first.poll() is None:
            first.kill()
    assert job.state == JobState.SUCCEEDED, job.error
    assert job.attempts == 2 and job.summary == "Attendu 1 s."


@pytest.mark.parametrize(("share", "worked", "slept"), [(0.5, 0.2, 0.2), (0.25, 0.2, 0.6), (1.0, 0.2, None)])
def test_a_pause_lets_a_build_work_its_share_of_the_time(db, monkeypatch, share, worked, slept):
    """``JobContext.pause`` sleeps in proportion to the work since the last pause: with a share of 0.5, as long as
    it worked; 1 never sleeps. The next pause counts from the end of this one."""
    clock = iter([10.0, 10.0 + worked, 11.0, 11.0 + worked, 12.0])
    monkeypatch.setattr(runner.time, "perf_counter", lambda: next(clock))
    sleeps = []
    monkeypatch.setattr(runner.time, "sleep", sleeps.append)
    context = runner.JobContext(queue.submit("tests.succeeds", label="Pause"), work_share=share)
    context.pause()  # worked `worked` since the context was made
    context.pause()  # then again, counted from the end of the first pause (11.0)
    expected = [] if slept is None else [pytest.approx(slept), pytest.approx(slept)]
    assert sleeps == expected


def test_the_work_share_comes_from_the_settings_unless_given(db, settings):
    settings.JOBS_WORK_SHARE = 0.3
    job = queue.submit("tests.succeeds", label="Part")
    assert runner.JobContext(job).work_share == 0.3
    assert runner.JobContext(job, work_share=1).work_share == 1
