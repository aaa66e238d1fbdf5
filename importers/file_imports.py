"""The admin's imports of a file, run as a job: a sheet file (the scraped text) or records of the export schema
(CSV, XLSX, JSON), read from the ``default`` storage and written through the one loader in batches.

``import_file`` is the job's handler (``importers.import_file``). The file is read as a stream: a CSV or an XLSX
a row at a time (each row becomes a SheetData, ``records.sheet_from_record``), a sheet file in two passes over
its bytes (``streaming``). Only one batch of sheets is held at a time, so memory stays bounded whatever the
number of rows. A dry run (``dry_run``) checks and counts everything and writes nothing; otherwise all or
nothing, unless ``only_valid``. Problems are reported with their line (and column for records).
"""

import csv
import io
import itertools
from collections.abc import Iterator

from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction

from actions_catalog.core.export_schema import column_key, restore_formula
from actions_catalog.core.sheet import SourceRef
from actions_catalog.core.writer import ImportReport, PendingSheet, SheetLoader
from actions_catalog.jobs import queue
from actions_catalog.jobs.runner import JobContext, JobFailed
from importers import json_reader
from importers.parser import Problem
from importers.records import RecordError, sheet_from_record
from importers.streaming import SheetFile, StreamedImport

HANDLER = "importers.import_file"
#: Formats, by the upload's extension.
FORMATS = {"txt": "fiches", "csv": "csv", "xlsx": "xlsx", "json": "json"}
#: A cell of a CSV may hold this many characters (the texts' own limit is lower: see ``limits``).
csv.field_size_limit(10 * 1024 * 1024)


class _Rejected(Exception):
    """Rolls the import back: invalid rows and not ``only_valid``."""


class RecordsFile:
    """The records of a CSV, XLSX or JSON file as pending sheets, read a row at a time; ``rejected`` collects the
    rows that cannot be read, with their line and column."""

    def __init__(self, stream, fmt: str, source: str):
        self.stream, self.fmt, self.source = stream, fmt, source
        self.rejected: list[Problem] = []
        self.rejected_rows = 0
        self.rows = 0

    def records(self) -> Iterator[tuple[int, dict]]:
        if self.fmt == "csv":
            text = io.TextIOWrapper(self.stream, encoding="utf-8-sig", newline="", errors="strict")
            reader = csv.reader(text)
            try:
                header = [column_key(name) for name in next(reader, [])]
                line = reader.line_num + 1
                for row in reader:
                    if any(cell.strip() for cell in row):
                        yield line, dict(zip(header, row, strict=False))
                    line = reader.line_num + 1
            except (csv.Error, UnicodeDecodeError) as error:
                raise JobFailed(
                    f"{self.source} : ligne {reader.line_num + 1} : fichier CSV illisible ({error})."
                ) from error
        elif self.fmt == "xlsx":
            from openpyxl import load_workbook

            try:
                workbook = load_workbook(self.stream, read_only=True, data_only=True)
            except Exception as error:  # noqa: BLE001 - any unreadable archive
                raise JobFailed(f"{self.source} : ce fichier n'est pas un classeur XLSX lisible.") from error
            rows = workbook.active.iter_rows(values_only=True)
            header = [column_key(name) if name is not None else None for name in next(rows, ())]
            for line, row in enumerate(rows, start=2):
                if any(cell not in (None, "") for cell in row):
                    yield line, {key: value for key, value in zip(header, row, strict=False) if key is not None}
            workbook.close()
        else:
            text = self.stream.read().decode("utf-8-sig", errors="strict")
            try:
                records = json_reader._records(text)
            except json_reader._Invalid as invalid:
                raise JobFailed(f"{self.source} : ligne {invalid.line} : {invalid.message}") from None
            for line, record, _ in records:
                if not isinstance(record, dict):
                    self.reject(line, "", "un objet JSON « { … } » est attendu")
                    continue
                yield line, record

    def reject(self, line: int, column: str, message: str):
        self.rejected.append(Problem(self.source, line, f"{column} : {message}" if column else message))
        self.rejected_rows += 1

    def sheets(self) -> Iterator[PendingSheet]:
        for line, record in self.records():
            self.rows += 1
            record = {str(key): restore_formula(value) for key, value in record.items()}
            yield PendingSheet(None, "", self._parser(line, record))

    def _parser(self, line: int, record: dict):
        def parse():
            try:
                sheet = sheet_from_record(record)
            except RecordError as error:
                for column, messages in error.errors.items():
                    for message in messages:
                        self.rejected.append(Problem(self.source, line, f"{column} : {message}"))
                self.rejected_rows += 1
                return None
            slug = str(record.get("slug") or "").strip()
            sheet.slug = (
                slug if json_reader._SLUG.fullmatch(slug or "-") and len(slug) <= json_reader.MAX_SLUG_LENGTH else ""
            )
            sheet.source = SourceRef(self.source, line)
            return sheet

        return parse


@queue.handler(HANDLER)
def import_file(context: JobContext):
    params = context.params
    fmt, name = params["format"], params["name"]
    dry_run, only_valid = bool(params.get("dry_run")), bool(params.get("only_valid"))
    user = get_user_model().objects.filter(pk=context.job.created_by_id).first()
    if not context.job.file or not default_storage.exists(context.job.file):
        raise JobFailed("Le fichier envoyé n'est plus disponible (il a expiré) : envoyez-le de nouveau.")
    loader = SheetLoader(user=user, change_reason=f"Import depuis l'administration : {name}", progress=context.advance)
    report = ImportReport(dry_run=dry_run)
    with default_storage.open(context.job.file, "rb") as stream:
        if fmt == "fiches":
            files = [SheetFile.from_bytes(stream.read(), name)]
            source = StreamedImport(files, report)
            context.progress(0, source.sheet_count)
        else:
            source = RecordsFile(stream, fmt, name)
        # A dry run counts what the valid rows would do, and lists every invalid one.
        refused = _load(source, loader, report, only_valid=only_valid or dry_run, dry_run=dry_run, context=context)
    problems = _problems(source) + list(report.problems) + list(report.warnings)
    for problem in sorted(problems, key=lambda problem: problem.line):
        column, _, message = problem.message.partition(" : ") if fmt != "fiches" else ("", "", problem.message)
        context.problem(message or problem.message, line=problem.line, column=column if message else "")
    rejected = (len(source.rejected) if fmt == "fiches" else source.rejected_rows) + len(report.problems)
    report.rejected = rejected
    refused = refused or bool(dry_run and rejected and not only_valid)
    context.result = {
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "duplicates": report.duplicates,
        "rejected": rejected,
        "dry_run": dry_run,
        "refused": refused,
    }
    verb = "seraient" if dry_run else "ont été"
    context.summary = (
        f"{report.created} fiche(s) créée(s), {report.updated} mise(s) à jour, {report.unchanged} inchangée(s), "
        f"{report.duplicates} en double, {rejected} rejetée(s)"
        + (
            f" : rien n'{'aurait' if dry_run else 'a'} été écrit (fiches invalides)."
            if refused
            else f" ({verb} écrites)."
        )
    )
    if dry_run:
        context.summary = "Vérification : " + context.summary


def _problems(source) -> list[Problem]:
    if isinstance(source, StreamedImport):
        return [problem for sheet in source.rejected for problem in sheet.problems]
    return source.rejected


def _load(source, loader: SheetLoader, report: ImportReport, *, only_valid, dry_run, context) -> bool:
    """Load the pending sheets; ``True`` when invalid ones refused the whole import (nothing written)."""

    def any_rejected():
        return bool(source.rejected)

    def until_rejected(sheets):
        for pending in sheets:
            if any_rejected():
                for rest in itertools.chain([pending], sheets):  # only checked, to list every problem
                    rest.parse()
                    context.advance()
                return
            yield pending

    try:
        with transaction.atomic():
            if isinstance(source, StreamedImport) and (dropped := source.plan()):
                context.advance(dropped)
            sheets = source.sheets()
            loader.load_deduplicated(sheets if only_valid else until_rejected(sheets), report)
            if (any_rejected() or report.problems) and not only_valid:
                raise _Rejected
    except _Rejected:
        report.created = report.updated = report.unchanged = 0
        return True
    except DatabaseError as error:
        raise JobFailed(f"L'import a échoué, rien n'a été écrit : {error}") from error
    return False
