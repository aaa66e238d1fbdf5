"""Background jobs: a small record of each piece of work that must not run inside a request.

The queue is django-tasks with its PostgreSQL backend (django-tasks-db): a task row per run, claimed by a worker
with ``SELECT … FOR UPDATE SKIP LOCKED``, so any number of workers on any machine share one database. What
django-tasks lacks is kept here, in ``Job`` (one row per piece of work, whatever the number of runs):

- progress (``done`` of ``total``), written every few seconds by a thread of the worker on its own connection,
  so that it shows even while the work runs inside one transaction;
- retries with a limit (``max_attempts``), after a growing delay (the task is enqueued again with ``run_after``);
- recovery of the jobs a killed worker left running: a running job's ``heartbeat_at`` is refreshed every few
  seconds; a job whose heartbeat is older than the lease (``JOBS_LEASE_SECONDS``) is retried or reported;
- a summary and line-numbered problems, shown by the admin;
- files in the ``default`` storage (an upload to import, a built download) that expire (``expires_at``);
- schedules: a periodic job submits its own next run with ``run_after`` when it ends (self-rescheduling; no
  cron), and every worker makes sure each schedule has its next run queued.

The project's apps register the functions that do the work (``queue.handler``) where that work lives; this
package knows nothing of the catalogue (import-linter checks it).
"""
