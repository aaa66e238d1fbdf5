"""Submitting jobs, and the registries of what the workers run: handlers, schedules and watchers.

- ``@handler("name")`` registers the function that does a kind of job; it gets a ``runner.JobContext``.
- ``submit(...)`` records a ``Job`` and enqueues its django-tasks task in the same transaction (both or
  neither). With a ``dedup_key``, a job already open under that key is returned instead of a new one.
- ``@periodic(name, every=…)`` registers a handler run again and again: each run submits the next with
  ``run_after`` when it ends (self-rescheduling), and workers re-create a missing next run (``ensure_schedules``).
- ``@watcher(every=…)`` registers a cheap function that each worker calls in a thread of its own every few
  seconds, whatever job it is running (the catalogue uses one to notice a new version and rebuild its index).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from actions_catalog.jobs.models import Job, JobState


@dataclass(frozen=True)
class Handler:
    name: str
    function: Callable
    every: timedelta | None = None  # a schedule: the interval between two runs


@dataclass(frozen=True)
class Watcher:
    function: Callable
    every: float  # seconds


HANDLERS: dict[str, Handler] = {}
WATCHERS: list[Watcher] = []


def handler(name: str):
    """Register ``function(context)`` as the handler of the jobs named ``name``."""

    def register(function):
        HANDLERS[name] = Handler(name, function)
        return function

    return register


def periodic(name: str, *, every: timedelta):
    """Register a handler run every ``every`` (at most one queued or running at a time)."""

    def register(function):
        HANDLERS[name] = Handler(name, function, every)
        return function

    return register


def watcher(*, every: float):
    """Register ``function()`` to be called by every worker, in a thread of its own, every ``every`` seconds."""

    def register(function):
        WATCHERS.append(Watcher(function, every))
        return function

    return register


def get_handler(name: str) -> Handler:
    from django.apps import apps

    apps.get_app_configs()  # the apps register their handlers when they are ready
    try:
        return HANDLERS[name]
    except KeyError:
        raise LookupError(f"no job handler named {name!r}") from None


def submit(
    name: str,
    *,
    label: str,
    params: dict | None = None,
    dedup_key: str = "",
    created_by=None,
    max_attempts: int = 3,
    priority: int = 0,
    run_after=None,
    file: str = "",
    expires_at=None,
    total: int | None = None,
) -> Job:
    """Record a job and enqueue its task, in one transaction; with ``dedup_key``, the open job of that key if
    there is one (then nothing new is recorded)."""
    get_handler(name)  # fail now, not in the worker, on a name that nothing handles
    if dedup_key and (existing := Job.objects.open().filter(dedup_key=dedup_key).first()) is not None:
        return existing
    try:
        with transaction.atomic():
            job = Job.objects.create(
                handler=name,
                label=label[:300],
                params=params or {},
                dedup_key=dedup_key,
                created_by=created_by if getattr(created_by, "pk", None) else None,
                max_attempts=max_attempts,
                priority=priority,
                run_after=run_after,
                file=file,
                expires_at=expires_at,
                progress_total=total,
            )
            enqueue(job)
    except IntegrityError:  # another process opened the same key meanwhile
        existing = Job.objects.open().filter(dedup_key=dedup_key).first() if dedup_key else None
        if existing is None:
            raise
        return existing
    return job


def enqueue(job: Job, *, run_after=None) -> None:
    """Enqueue the django-tasks task that runs ``job`` (now, or after ``run_after``)."""
    from actions_catalog.jobs.tasks import run_job

    when = run_after or job.run_after
    task = run_job.using(priority=max(-100, min(100, job.priority)), run_after=when if when else None)
    result = task.enqueue(job.pk)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id), run_after=when)
    job.task_id = str(result.id)


def ensure_schedules() -> list[Job]:
    """Make sure every schedule has its next run open (the first ever, or one lost with its worker)."""
    jobs = []
    for registered in list(HANDLERS.values()):
        if registered.every is not None:
            jobs.append(
                submit(
                    registered.name,
                    label=f"Tâche périodique : {registered.name}",
                    dedup_key=f"schedule:{registered.name}",
                    max_attempts=1,
                )
            )
    return jobs


def submit_next_run(job: Job) -> Job | None:
    """After a run of a periodic job, its next run (``every`` later)."""
    registered = HANDLERS.get(job.handler)
    if registered is None or registered.every is None:
        return None
    return submit(
        job.handler,
        label=job.label,
        dedup_key=job.dedup_key,
        max_attempts=job.max_attempts,
        run_after=timezone.now() + registered.every,
    )


def cancel_queued(job: Job, reason: str) -> bool:
    """Mark a queued job failed (it will not run); ``False`` when it already started."""
    return bool(
        Job.objects.filter(pk=job.pk, state=JobState.QUEUED).update(
            state=JobState.FAILED, error=reason, finished_at=timezone.now()
        )
    )
