"""Running one job: claim, heartbeat and progress, handler, then success, retry or failure; recovery; expiry.

``run(job_id)`` is what the django-tasks task calls in a worker. The job's row is claimed (queued → running),
a ``Heartbeat`` thread refreshes ``heartbeat_at`` and writes the progress every ``JOBS_HEARTBEAT_SECONDS`` on
its own database connection (so that progress shows while the handler works inside a transaction), then the
handler runs. Its outcome:

- it returns: the job succeeded, with the summary, problems and result the handler set;
- it raises ``JobFailed``: a failure the handler explains (a file that cannot be read…), reported at once;
- it raises anything else: retried after ``retry_delay(attempt)`` while attempts remain, else reported failed
  with the error. A job is never left without an outcome or a next try.

``recover_stale_jobs()`` (every worker, every few seconds) finds the running jobs whose heartbeat stopped for
longer than the lease: their worker was killed. They are retried, or reported failed once out of attempts.
``expire_files()`` deletes the files whose ``expires_at`` passed, and old finished jobs and task rows.
"""

import logging
import threading
import time
import traceback
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from actions_catalog.jobs import queue
from actions_catalog.jobs.models import Job, JobState

logger = logging.getLogger(__name__)

#: Problems kept per job (all are counted).
MAX_STORED_PROBLEMS = 1000
#: Finished jobs (and their task rows) are deleted after this long.
FINISHED_JOB_RETENTION = timedelta(days=30)


class JobFailed(Exception):
    """A failure that retrying cannot mend; its message (French) is the job's reported error."""


def heartbeat_seconds() -> float:
    return float(getattr(settings, "JOBS_HEARTBEAT_SECONDS", 5))


def lease_seconds() -> float:
    return float(getattr(settings, "JOBS_LEASE_SECONDS", 60))


def retry_delay(attempt: int) -> timedelta:
    """10 s after the first failure, then 40 s, 160 s… (at most an hour)."""
    return timedelta(seconds=min(3600, 10 * 4 ** (attempt - 1)))


class JobContext:
    """What a handler gets: the job, its parameters, and ways to report progress, problems and a summary."""

    def __init__(self, job: Job, *, work_share: float | None = None):
        self.job = job
        self.work_share = settings.JOBS_WORK_SHARE if work_share is None else work_share
        self.params = job.params
        self.done = 0
        self.total = job.progress_total
        self.summary = ""
        self.result: dict = {}
        self.problems: list[list] = []
        self.problem_count = 0
        self._lock = threading.Lock()
        self._working_since = time.perf_counter()

    def progress(self, done: int, total: int | None = None) -> None:
        with self._lock:
            self.done = max(0, int(done))
            if total is not None:
                self.total = int(total)

    def advance(self, count: int = 1) -> None:
        with self._lock:
            self.done += count

    def pause(self) -> None:
        """Between two chunks of a long build: sleep so that the handler works ``work_share`` of the time at most
        (``JOBS_WORK_SHARE``; 0.5: as long as it worked since the last pause), its Python and its queries leaving
        room to the requests of a machine it shares. 1 never sleeps."""
        if self.work_share < 1:
            worked = time.perf_counter() - self._working_since
            time.sleep(worked * (1 - self.work_share) / self.work_share)
        self._working_since = time.perf_counter()

    def problem(self, message: str, *, line: int | None = None, column: str = "") -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_STORED_PROBLEMS:
            self.problems.append([line, column, message])

    def snapshot(self) -> dict:
        with self._lock:
            return {"progress_done": self.done, "progress_total": self.total}


class Heartbeat(threading.Thread):
    """Refreshes the job's heartbeat and progress every few seconds, on this thread's own connection."""

    def __init__(self, job: Job, context: JobContext):
        super().__init__(name=f"heartbeat-{job.pk}", daemon=True)
        self.job, self.context = job, context
        self.stopped = threading.Event()

    def run(self):
        try:
            while not self.stopped.wait(heartbeat_seconds()):
                self.beat()
        finally:
            connection.close()

    def beat(self):
        try:
            Job.objects.filter(pk=self.job.pk, state=JobState.RUNNING).update(
                heartbeat_at=timezone.now(), **self.context.snapshot()
            )
        except Exception:  # a database hiccup: the next beat tries again, the lease is long
            logger.exception("heartbeat of job %s", self.job.pk)

    def stop(self):
        self.stopped.set()
        self.join(timeout=10)


def claim(job_id: int, worker_id: str = "") -> Job | None:
    """Queued → running, once (``None`` when the job is not queued: done, failed, or run by another task)."""
    now = timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != JobState.QUEUED:
            return None
        job.state = JobState.RUNNING
        job.attempts += 1
        job.started_at = job.heartbeat_at = now
        job.worker_id = worker_id[:64]
        job.error = ""
        job.save(update_fields=["state", "attempts", "started_at", "heartbeat_at", "worker_id", "error"])
    return job


def run(job_id: int, worker_id: str = "", *, work_share: float | None = None) -> Job | None:
    """Run a queued job to an outcome (see the module docstring). ``work_share``: see ``JobContext.pause``
    (default ``JOBS_WORK_SHARE``; 1 for a build asked for now, which nobody waits behind)."""
    job = claim(job_id, worker_id)
    if job is None:
        return None
    context = JobContext(job, work_share=work_share)
    beat = Heartbeat(job, context)
    beat.start()
    try:
        queue.get_handler(job.handler).function(context)
    except JobFailed as failure:
        _finish(job, context, JobState.FAILED, error=str(failure))
    except Exception as error:  # noqa: BLE001 - any error is retried or reported, never lost
        logger.warning("job %s (%s) failed on attempt %s", job.pk, job.handler, job.attempts, exc_info=True)
        _retry_or_fail(job, context, _describe(error))
    except BaseException:  # the worker is stopping (Ctrl-C twice, SIGTERM): the job goes back to the queue
        _requeue(job, "Le processus de travail s'est arrêté pendant la tâche : elle est relancée.", count=False)
        raise
    else:
        _finish(job, context, JobState.SUCCEEDED)
    finally:
        beat.stop()
    job.refresh_from_db()
    return job


def _describe(error: BaseException) -> str:
    lines = traceback.format_exception(error)
    return f"{type(error).__name__}: {error}\n\n" + "".join(lines)[-4000:]


def _finish(job: Job, context: JobContext, state: str, *, error: str = "") -> None:
    _ensure_usable_connection()
    fields = {
        "state": state,
        "finished_at": timezone.now(),
        "summary": context.summary,
        "problems": context.problems,
        "problem_count": context.problem_count,
        "result": context.result,
        "error": error,
        **context.snapshot(),
    }
    Job.objects.filter(pk=job.pk).update(**fields)
    if state == JobState.SUCCEEDED and context.total is None:
        Job.objects.filter(pk=job.pk).update(progress_total=context.done)
    job.refresh_from_db()
    queue.submit_next_run(job)


def _retry_or_fail(job: Job, context: JobContext, error: str) -> None:
    if job.attempts < job.max_attempts:
        _requeue(job, error, delay=retry_delay(job.attempts))
    else:
        message = f"Échec après {job.attempts} essai(s) : {error}"
        _finish(job, context, JobState.FAILED, error=message)


def _requeue(job: Job, error: str, *, delay: timedelta = timedelta(0), count: bool = True) -> None:
    _ensure_usable_connection()
    run_after = timezone.now() + delay
    with transaction.atomic():
        updated = Job.objects.filter(pk=job.pk, state=JobState.RUNNING).update(
            state=JobState.QUEUED,
            error=error,
            worker_id="",
            run_after=run_after,
            **({} if count else {"attempts": max(0, job.attempts - 1)}),
        )
        if updated:
            job.refresh_from_db()
            queue.enqueue(job, run_after=run_after)


def _ensure_usable_connection():
    """After a failed handler, the connection may be left in a broken transaction: start afresh."""
    if connection.in_atomic_block:
        return
    if connection.connection is not None and not connection.is_usable():
        connection.close()


def recover_stale_jobs() -> list[int]:
    """Running jobs whose heartbeat is older than the lease (their worker died): retried or reported failed."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    limit = timezone.now() - timedelta(seconds=lease_seconds())
    recovered = []
    with transaction.atomic():
        stale = list(
            Job.objects.select_for_update(skip_locked=True).filter(state=JobState.RUNNING, heartbeat_at__lt=limit)
        )
        for job in stale:
            if job.task_id:
                DBTaskResult.objects.filter(id=job.task_id, status=TaskResultStatus.RUNNING).update(
                    status=TaskResultStatus.FAILED,
                    finished_at=timezone.now(),
                    exception_class_path="actions_catalog.jobs.runner.WorkerLost",
                    traceback="worker lost (no heartbeat)",
                )
            message = (
                f"Le processus de travail ({job.worker_id or '?'}) ne donne plus signe de vie depuis "
                f"{job.heartbeat_at:%d/%m/%Y %H:%M:%S} : il a été arrêté pendant la tâche."
            )
            if job.attempts < job.max_attempts:
                Job.objects.filter(pk=job.pk).update(state=JobState.QUEUED, error=message, worker_id="")
                job.refresh_from_db()
                queue.enqueue(job)
            else:
                Job.objects.filter(pk=job.pk).update(
                    state=JobState.FAILED,
                    error=f"Échec après {job.attempts} essai(s) : {message}",
                    finished_at=timezone.now(),
                )
                job.refresh_from_db()
                transaction.on_commit(lambda job=job: queue.submit_next_run(job))
            recovered.append(job.pk)
    if recovered:
        logger.warning("recovered jobs of a lost worker: %s", recovered)
    return recovered


def expire_files(now=None) -> int:
    """Delete the files whose time is up (and clear them from their jobs), then old finished jobs and tasks."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    expired = 0
    for job in Job.objects.filter(expires_at__lte=now).exclude(state__in=[JobState.QUEUED, JobState.RUNNING]):
        if job.file:
            try:
                default_storage.delete(job.file)
            except OSError:
                logger.warning("could not delete %s", job.file, exc_info=True)
                continue
        for name in (job.result or {}).get("files", {}).values():
            try:
                default_storage.delete(name)
            except OSError:
                logger.warning("could not delete %s", name, exc_info=True)
        Job.objects.filter(pk=job.pk).update(file="", expires_at=None, result={**job.result, "expired": True})
        expired += 1
    old = now - FINISHED_JOB_RETENTION
    Job.objects.filter(finished_at__lt=old, expires_at__isnull=True).exclude(state__in=["queued", "running"]).delete()
    DBTaskResult.objects.filter(finished_at__lt=old).delete()
    return expired


@queue.periodic("jobs.expire_files", every=timedelta(minutes=10))
def expire_files_job(context: JobContext):
    expired = expire_files()
    context.summary = f"{expired} fichier(s) expiré(s) supprimé(s)."


@queue.handler("jobs.probe")
def probe(context: JobContext):
    """A job that only waits ``seconds`` (one step a second): proves that workers run jobs, and how they recover."""
    import time

    seconds = int(context.params.get("seconds", 1))
    context.progress(0, seconds)
    for second in range(seconds):
        time.sleep(1)
        context.progress(second + 1)
    context.summary = f"Attendu {seconds} s."
