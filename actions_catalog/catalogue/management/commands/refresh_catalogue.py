"""python manage.py refresh_catalogue: build now what a worker builds for a new catalogue version.

The catalogue index (and the full downloads, when ``--downloads``), for deployments and tools that need them at
once (the benchmark, the load test) rather than within a second of a worker's watcher.
"""

from django.core.management.base import BaseCommand

from actions_catalog.catalogue import index as catalogue_index


class Command(BaseCommand):
    help = "Construit l'index du catalogue (et, avec --downloads, les fichiers complets) de la version actuelle."

    def add_arguments(self, parser):
        parser.add_argument("--downloads", action="store_true", help="construire aussi les téléchargements complets")

    def handle(self, *args, downloads, verbosity, **options):
        snapshot = catalogue_index.refresh_stored_index() or catalogue_index.newest_snapshot()
        if snapshot is not None and verbosity:
            self.stderr.write(f"index: {snapshot.actions} actions, {snapshot.size:,} bytes, {snapshot.build_seconds} s")
        if downloads:
            from actions_catalog.catalogue import tasks

            built = tasks.build_full_downloads_now()
            self.stderr.write(f"downloads: {built}")
