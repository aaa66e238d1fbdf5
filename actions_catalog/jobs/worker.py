"""The worker process (``manage.py run_jobs``): django-tasks-db's worker, plus a thread of watchers.

The task loop is django-tasks-db's (``Worker``: claim a ready task row with ``SKIP LOCKED``, run it, mark it);
each task runs one ``Job`` (``runner.run``). A second thread calls, every few seconds and whatever job the loop
is running: ``runner.recover_stale_jobs`` (jobs of killed workers), ``queue.ensure_schedules`` (each periodic
job has its next run), and the watchers the apps registered (``queue.watcher``), each on its own interval.
Any number of workers can run, on any machine that reaches the database.
"""

import logging
import socket
import threading
import time

from django.db import close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Worker

from actions_catalog.jobs import queue, runner, tasks

logger = logging.getLogger(__name__)

#: Seconds between two recoveries of stale jobs and checks of the schedules.
MAINTENANCE_SECONDS = 10.0


class Watchers(threading.Thread):
    """Calls the maintenance and the registered watchers on their intervals, until stopped."""

    def __init__(self):
        super().__init__(name="job-watchers", daemon=True)
        self.stopped = threading.Event()
        self.due: dict[int, float] = {}

    def run(self):
        try:
            while not self.stopped.is_set():
                self.tick()
                self.stopped.wait(0.5)
        finally:
            connection.close()

    def tick(self, now: float | None = None):
        now = time.monotonic() if now is None else now
        entries = [(-1, self.maintenance, MAINTENANCE_SECONDS)] + [
            (number, watcher.function, watcher.every) for number, watcher in enumerate(queue.WATCHERS)
        ]
        for key, function, every in entries:
            if now < self.due.get(key, 0):
                continue
            self.due[key] = now + every
            close_old_connections()
            try:
                function()
            except Exception:  # noqa: BLE001 - a watcher's failure is logged and tried again on its next turn
                logger.exception("job watcher %s failed", getattr(function, "__name__", function))
                connection.close()

    @staticmethod
    def maintenance():
        runner.recover_stale_jobs()
        queue.ensure_schedules()

    def stop(self):
        self.stopped.set()
        self.join(timeout=30)


class JobWorker(Worker):
    """django-tasks-db's worker, with the watchers' thread beside its loop."""

    def run(self):
        tasks.WORKER_ID["id"] = self.worker_id
        watchers = Watchers()
        watchers.start()
        try:
            super().run()
        finally:
            watchers.stop()


def default_worker_id() -> str:
    from django.utils.crypto import get_random_string

    return f"{socket.gethostname()[:40]}-{get_random_string(8)}"
