"""python manage.py run_jobs [--batch] [--max-tasks N] [--queue-name Q]: a worker of the background jobs.

django-tasks-db's ``db_worker`` with the jobs' watchers (``actions_catalog.jobs.worker``). Start as many as
needed, on any machine that reaches the database; ``make run`` starts one. On a machine it shares with an app
server, the worker gives way: its CPU priority is lowered by ``JOBS_NICENESS`` (``--niceness``), so that
building files and indexes never takes the cores visitors' requests need.
"""

import os

from django.conf import settings
from django_tasks_db.management.commands import db_worker

from actions_catalog.jobs import worker


class Command(db_worker.Command):
    help = "Exécute les tâches de fond (imports, téléchargements, index du catalogue). Ctrl-C pour arrêter."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--niceness",
            type=int,
            choices=range(20),
            metavar="0-19",
            help="abaisser la priorité CPU du processus de tant (défaut : JOBS_NICENESS ; 0 : inchangée)",
        )
        parser.set_defaults(reload=False, worker_id=worker.default_worker_id())

    def handle(self, *args, **options):
        niceness = options["niceness"] if options["niceness"] is not None else settings.JOBS_NICENESS
        if niceness and hasattr(os, "nice"):  # not on Windows
            os.nice(niceness)
        original = db_worker.Worker
        db_worker.Worker = worker.JobWorker  # the parent's handle builds its worker from this name
        try:
            super().handle(*args, **options)
        finally:
            db_worker.Worker = original
