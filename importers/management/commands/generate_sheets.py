"""python manage.py generate_sheets --actions N --centres M [--seed S] --output FILE

Writes synthetic sheets in the scraped format (``importers.synthetic``): N distinct actions of M centres, plus
about 5% exact repeats and some updated sheets; the same seed writes the same bytes.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from importers.synthetic import SheetGenerator

#: Above this many actions, a progress bar is shown on standard error.
PROGRESS_THRESHOLD = 5000
MAX_ACTIONS = 10_000_000


class Command(BaseCommand):
    help = (
        "Génère des fiches actions synthétiques au format du texte extrait (pour les mesures de performance) : "
        "N actions distinctes de M centres, avec environ 5 % de fiches répétées et quelques fiches mises à jour. "
        "La même graine produit le même fichier, octet pour octet."
    )

    def add_arguments(self, parser):
        parser.add_argument("--actions", type=int, required=True, help="nombre d'actions distinctes (N ≥ 1)")
        parser.add_argument("--centres", type=int, required=True, help="nombre de centres (M ≥ 1)")
        parser.add_argument("--seed", type=int, default=0, help="graine du tirage (par défaut 0)")
        parser.add_argument("--output", required=True, help="fichier à écrire (« - » : sortie standard)")

    def handle(self, *args, actions, centres, seed, output, **options):
        if not 1 <= actions <= MAX_ACTIONS:
            raise CommandError(f"--actions must be between 1 and {MAX_ACTIONS:,} (got {actions})")
        if centres < 1:
            raise CommandError(f"--centres must be at least 1 (got {centres})")
        if centres > actions:
            raise CommandError(f"--centres ({centres}) cannot exceed --actions ({actions}): every centre has an action")
        generator = SheetGenerator(actions=actions, centres=centres, seed=seed)
        if output == "-":
            self._write(generator, sys.stdout)
        else:
            path = Path(output)
            if not path.parent.is_dir():
                raise CommandError(f"{output}: the directory {path.parent} does not exist")
            if path.is_dir():
                raise CommandError(f"{output}: is a directory")
            # Written to a temporary name, then renamed: an interrupted run leaves no half file under the name.
            partial = path.with_name(path.name + ".partial")
            try:
                with partial.open("w", encoding="utf-8", newline="\n") as handle:
                    self._write(generator, handle)
                partial.replace(path)
            except OSError as error:
                partial.unlink(missing_ok=True)
                raise CommandError(f"{output}: cannot write the file: {error.strerror or error}") from error
        counts = generator.counts
        self.stderr.write(
            f"{counts.sheets} sheets written: {counts.actions} actions of {centres} centres, "
            f"{counts.repeats} repeats, {counts.updates} updates"
        )

    def _write(self, generator: SheetGenerator, handle):
        with tqdm(
            total=generator.actions,
            file=getattr(self.stderr, "_out", self.stderr),
            unit=" actions",
            disable=generator.actions < PROGRESS_THRESHOLD,
        ) as bar:
            written = 0
            for chunk in generator.lines():
                handle.write(chunk)
                if generator.counts.actions != written:
                    bar.update(generator.counts.actions - written)
                    written = generator.counts.actions
