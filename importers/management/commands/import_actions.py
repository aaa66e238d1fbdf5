"""python manage.py import_actions PATH [PATH …] [--format text|json] [--dry-run] [--skip-invalid] [--strict]
[--batch-size N]

Sheet files (``--format text``) are read in two passes over their bytes (``importers.streaming``), so that a
large import holds one batch of sheets at a time; invalid sheets are met during the import, which is then
rolled back unless ``--skip-invalid`` (from the first invalid sheet on, the others are only checked). JSON
exports are read whole. Warnings (``FILE: line N: avertissement : …``) do not fail an import; ``--strict`` makes
the warnings about label lines problems.
"""

import itertools
import stat
from collections.abc import Iterator
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction
from tqdm import tqdm

from actions_catalog.core.writer import BATCH_SIZE, ImportReport, PendingSheet, SheetLoader
from importers.json_reader import read_json_bytes
from importers.parser import ParseResult, Problem, parse_bytes
from importers.streaming import SheetFile, StreamedImport

#: The largest --batch-size: a batch is held in memory, and larger batches are no faster.
MAX_BATCH_SIZE = 100_000
#: Above this many sheets, a progress bar is shown on standard error.
PROGRESS_THRESHOLD = 300
#: Input formats: the scraped sheet text (default) and the JSON export of ``export_actions``.
READERS = {"text": parse_bytes, "json": read_json_bytes}


class Command(BaseCommand):
    help = (
        "Importe des fiches actions (texte extrait du site des centres sociaux). "
        "Par défaut tout ou rien : une fiche invalide et rien n'est écrit."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        exit_parser = parser.exit

        def exit(status=0, message=None):
            # argparse exits with 2 on a usage error, but 2 means "some sheets rejected, the others written".
            exit_parser(1 if status == 2 else status, message)

        parser.exit = exit
        return parser

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="fichier(s) de fiches")
        parser.add_argument(
            "--format",
            choices=sorted(READERS),
            default="text",
            help="text : fiches extraites du site (par défaut) ; json : export de export_actions --format json",
        )
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"fiches écrites par lot (par défaut {BATCH_SIZE})"
        )
        parser.add_argument("--dry-run", action="store_true", help="tout vérifier et compter, ne rien écrire")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="importer les fiches valides et lister les fiches rejetées"
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="traiter comme des erreurs les libellés inconnus ou hors de leur place (avertissements sinon)",
        )
        parser.add_argument(
            "--allow-emptying",
            action="store_true",
            help="accepter les mises à jour qui vident des rubriques remplies (refusées par défaut)",
        )

    def handle(self, *args, paths, format, batch_size, dry_run, skip_invalid, allow_emptying, strict, **options):
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise CommandError(f"--batch-size must be between 1 and {MAX_BATCH_SIZE}", returncode=1)
        for path in paths:
            check_regular_file(Path(path))
        self.allow_emptying = allow_emptying
        self.strict = strict
        try:
            return self.run(paths, format=format, batch_size=batch_size, dry_run=dry_run, skip_invalid=skip_invalid)
        except MemoryError:
            raise CommandError("not enough memory to import these files (split them)", returncode=1) from None
        except RecursionError:
            raise CommandError("the input is nested too deeply to be read", returncode=1) from None

    def run(self, paths, *, format, batch_size, dry_run, skip_invalid):
        if format == "text":
            report = self.stream(paths, dry_run=dry_run, batch_size=batch_size, skip_invalid=skip_invalid)
            return self.finish(report, dry_run=dry_run)
        results = [self.read(Path(path), READERS[format]) for path in paths]
        sheets = [sheet for result in results for sheet in result.sheets]
        rejected = sum(len(result.rejected) for result in results)
        for result in results:
            self.report_problems(result.problems)
        if rejected and not skip_invalid:
            self.stdout.write(ImportReport(rejected=rejected).summary_line())
            raise CommandError(
                f"import failed: {rejected} invalid sheet(s), nothing was written "
                "(fix them, or use --skip-invalid to import the valid ones)",
                returncode=1,
            )
        report = self.load(sheets, dry_run=dry_run, batch_size=batch_size, skip_invalid=skip_invalid)
        report.rejected += rejected
        self.finish(report, dry_run=dry_run)

    def finish(self, report: ImportReport, *, dry_run: bool):
        self.report_problems(report.warnings)
        self.stdout.write(report.summary_line())
        if dry_run:
            self.stderr.write("dry run: nothing was written")
        elif report.created or report.updated:
            # The public pages read the index that a worker builds for each catalogue version: build it now, so
            # that the sheets show at once even where no worker runs (a command is no request). Called by name:
            # the importers do not import the read side.
            call_command("refresh_catalogue", verbosity=0)
        if report.rejected:
            done = "would be imported (dry run)" if dry_run else "were imported"
            raise CommandError(f"{report.rejected} invalid sheet(s) rejected; the valid ones {done}", returncode=2)

    def stream(self, paths, *, dry_run: bool, batch_size: int, skip_invalid: bool) -> ImportReport:
        files = []
        for path in map(Path, paths):
            try:
                files.append(SheetFile.read(path))
            except OSError as error:
                raise CommandError(f"{path}: cannot read the file: {error.strerror or error}", returncode=1) from error
        streamed = StreamedImport(files, ImportReport(dry_run=dry_run), strict=self.strict)
        try:
            with self.progress_bar(streamed.sheet_count) as bar:
                loader = self.loader(batch_size, bar)
                with transaction.atomic():
                    if dropped := streamed.plan():
                        bar.update(dropped)  # the repeats are handled
                    sheets = streamed.sheets() if skip_invalid else self.until_rejected(streamed, bar)
                    loader.load_deduplicated(sheets, streamed.report)
                    if (streamed.rejected or streamed.report.problems) and not skip_invalid:
                        raise _Rejected
        except _Rejected:
            pass
        except DatabaseError as error:
            raise CommandError(f"import failed, nothing was written: {error}", returncode=1) from error
        rejected = streamed.rejected
        self.report_problems([problem for sheet in rejected for problem in sheet.problems])
        refused_updates = streamed.report.problems  # updates that would empty sections
        self.report_problems(refused_updates)
        if (rejected or refused_updates) and not skip_invalid:
            count = len(rejected) + len(refused_updates)
            self.report_problems(streamed.report.warnings)
            self.stdout.write(ImportReport(rejected=count, warnings=streamed.report.warnings).summary_line())
            raise CommandError(
                f"import failed: {count} invalid sheet(s), nothing was written "
                "(fix them, or use --skip-invalid to import the valid ones)",
                returncode=1,
            )
        streamed.report.rejected += len(rejected)
        return streamed.report

    @staticmethod
    def until_rejected(streamed: StreamedImport, bar: tqdm) -> Iterator[PendingSheet]:
        """The sheets to load, until one is found invalid: the import will be rolled back, so the sheets after
        it are only parsed, to list every problem, and never written (a large bad file fails in the time
        it takes to read it)."""
        sheets = streamed.sheets()
        for pending in sheets:
            if streamed.rejected:
                for rest in itertools.chain([pending], sheets):
                    rest.parse()
                    bar.update(1)
                return
            yield pending

    def read(self, path: Path, reader) -> ParseResult:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: cannot read the file: {error.strerror or error}", returncode=1) from error
        return reader(data, str(path))

    def loader(self, batch_size: int, bar) -> SheetLoader:
        return SheetLoader(
            batch_size=batch_size,
            progress=bar.update,
            change_reason="import_actions",
            allow_emptying=self.allow_emptying,
        )

    def load(self, sheets, *, dry_run: bool, batch_size: int, skip_invalid: bool) -> ImportReport:
        with self.progress_bar(len(sheets)) as bar:
            loader = self.loader(batch_size, bar)
            try:
                with transaction.atomic():
                    report = loader.load(sheets, dry_run=dry_run)
                    if report.problems and not skip_invalid:
                        raise _Refused(report)
            except _Refused as refused:
                self.report_problems(refused.report.problems)
                self.report_problems(refused.report.warnings)
                failed = ImportReport(rejected=len(refused.report.problems), warnings=refused.report.warnings)
                self.stdout.write(failed.summary_line())
                raise CommandError(
                    f"import failed: {len(refused.report.problems)} invalid sheet(s), nothing was written "
                    "(fix them, or use --skip-invalid to import the valid ones)",
                    returncode=1,
                ) from None
            except DatabaseError as error:
                raise CommandError(f"import failed, nothing was written: {error}", returncode=1) from error
        self.report_problems(report.problems)
        return report

    def progress_bar(self, total: int) -> tqdm:
        # tqdm redraws its line with "\r": it writes to the raw stream, since OutputWrapper adds a newline to
        # every write.
        return tqdm(
            total=total,
            file=getattr(self.stderr, "_out", self.stderr),
            unit=" fiches",
            disable=total <= PROGRESS_THRESHOLD,
        )

    def report_problems(self, problems: list[Problem]):
        for problem in problems:
            self.stderr.write(str(problem))


class _Rejected(Exception):
    """Rolls an import back: some sheets were invalid and ``--skip-invalid`` was not given."""


class _Refused(Exception):
    """Rolls a JSON import back: some updates would empty sections and ``--skip-invalid`` was not given."""

    def __init__(self, report: ImportReport):
        self.report = report


def check_regular_file(path: Path) -> None:
    """Refuse, before reading, what is not a regular file: a folder, a FIFO (would wait for ever), a device
    (``/dev/zero`` never ends), a socket."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise CommandError(f"{path}: cannot read the file: {error.strerror or error}", returncode=1) from error
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a pipe, a device…)"
        raise CommandError(f"{path}: {kind}: give a file of sheets", returncode=1)
