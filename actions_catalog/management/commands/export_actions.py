"""python manage.py export_actions [--format json|csv|xlsx] [--output FILE]"""

import json

from django.core.management.base import BaseCommand, CommandError

from actions_catalog.resources import ActionResource

FORMATS = ("json", "csv", "xlsx")


class Command(BaseCommand):
    help = "Exporte toutes les actions publiées (données ouvertes) en JSON, CSV ou XLSX."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=FORMATS, default="json", help="json (par défaut), csv ou xlsx")
        parser.add_argument("--output", metavar="FILE", help="fichier à écrire (sortie standard par défaut)")

    def handle(self, *args, format, output, **options):
        dataset = ActionResource(flat=format != "json").export()
        if format == "json":
            rows = [dict(zip(dataset.headers, row, strict=True)) for row in dataset]
            content = (json.dumps(rows, ensure_ascii=False, indent=2) + "\n").encode()
        elif format == "csv":
            content = dataset.export("csv").encode()
        else:
            content = dataset.export("xlsx")
        if output is None:
            self.write_stdout(content, format)
            return
        try:
            with open(output, "wb") as handle:
                handle.write(content)
        except OSError as error:
            raise CommandError(f"{output}: cannot write the file: {error.strerror or error}") from error
        self.stderr.write(f"{len(dataset)} action(s) exported to {output}")

    def write_stdout(self, content: bytes, format: str):
        if format != "xlsx":
            self.stdout.write(content.decode(), ending="")
            return
        stream = getattr(self.stdout, "_out", self.stdout)
        if not hasattr(stream, "buffer"):
            raise CommandError("xlsx is a binary format: give a file with --output")
        stream.flush()
        stream.buffer.write(content)
        stream.buffer.flush()
