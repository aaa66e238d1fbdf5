"""Run the queued jobs in the test's process, as a worker would (their tasks' run_after ignored)."""

from actions_catalog.jobs import runner
from actions_catalog.jobs.models import Job, JobState


def run_queued_jobs(limit: int = 50) -> list[Job]:
    done = []
    for _ in range(limit):
        job = Job.objects.filter(state=JobState.QUEUED).exclude(handler="jobs.expire_files").order_by("pk").first()
        if job is None:
            break
        done.append(runner.run(job.pk))
    return done
