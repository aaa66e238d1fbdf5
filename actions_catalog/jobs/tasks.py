"""The one django-tasks task: run a ``Job`` (``runner.run``). Its task rows are django-tasks-db's."""

from django_tasks import task

from actions_catalog.jobs import runner


@task()
def run_job(job_id: int) -> None:
    runner.run(job_id, worker_id=WORKER_ID.get("id", ""))


#: The id of the worker running in this process (set by ``worker.JobWorker``), recorded on the jobs it claims.
WORKER_ID: dict[str, str] = {}
