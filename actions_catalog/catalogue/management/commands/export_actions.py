"""python manage.py export_actions [--format json|csv|xlsx] [--output FILE]"""

import io
import sys

from django.core.management.base import BaseCommand, CommandError

from actions_catalog.catalogue import downloads
from actions_catalog.core.export_schema import export_record
from actions_catalog.core.models import Action


class Command(BaseCommand):
    help = "Exporte toutes les actions publiées (données ouvertes) en JSON, CSV ou XLSX."

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", choices=downloads.FORMATS, default="json", help="json (par défaut), csv ou xlsx"
        )
        parser.add_argument("--output", metavar="FILE", help="fichier à écrire (sortie standard par défaut)")

    def handle(self, *args, format, output, **options):
        actions = Action.objects.published().with_sheet_relations().order_by("pk")
        records = (export_record(action) for action in actions.iterator(chunk_size=2000))
        write = downloads.WRITERS[format]
        if output is None:
            if format == "xlsx":
                raise CommandError("xlsx is a binary format: give a file with --output")
            stream = getattr(self.stdout, "_out", sys.stdout)
            if hasattr(stream, "buffer"):  # a real standard output: bytes as they come
                stream.flush()
                write(records, stream.buffer)
                stream.buffer.flush()
            else:  # a text stream (tests, call_command)
                content = io.BytesIO()
                write(records, content)
                stream.write(content.getvalue().decode())
            return
        try:
            with open(output, "wb") as handle:
                count = write(records, handle)
        except OSError as error:
            raise CommandError(f"{output}: cannot write the file: {error.strerror or error}") from error
        self.stderr.write(f"{count} action(s) exported to {output}")
