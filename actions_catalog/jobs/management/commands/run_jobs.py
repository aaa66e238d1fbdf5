"""python manage.py run_jobs [--batch] [--max-tasks N] [--queue-name Q]: a worker of the background jobs.

django-tasks-db's ``db_worker`` with the jobs' watchers (``actions_catalog.jobs.worker``). Start as many as
needed, on any machine that reaches the database; ``make run`` starts one.
"""

from django_tasks_db.management.commands import db_worker

from actions_catalog.jobs import worker


class Command(db_worker.Command):
    help = "Exécute les tâches de fond (imports, téléchargements, index du catalogue). Ctrl-C pour arrêter."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(reload=False, worker_id=worker.default_worker_id())

    def handle(self, *args, **options):
        original = db_worker.Worker
        db_worker.Worker = worker.JobWorker  # the parent's handle builds its worker from this name
        try:
            super().handle(*args, **options)
        finally:
            db_worker.Worker = original
