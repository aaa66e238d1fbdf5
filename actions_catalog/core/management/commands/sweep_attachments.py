"""python manage.py sweep_attachments [--hours N]: delete stored files that no attachment names any more."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from actions_catalog.core.attachments import sweep_orphan_files


class Command(BaseCommand):
    help = (
        "Supprime les fichiers joints qu'aucune fiche ne cite plus (envoi interrompu), plus anciens que --hours heures."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24, help="délai de grâce en heures (par défaut 24)")

    def handle(self, *args, hours, **options):
        deleted = sweep_orphan_files(older_than=timedelta(hours=max(hours, 0)))
        for name in deleted:
            self.stdout.write(f"deleted {name}")
        self.stdout.write(f"{len(deleted)} orphan file(s) deleted")
