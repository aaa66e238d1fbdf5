"""Uploaded files: checks before any parser sees them, and the import of an uploaded sheet file.

- A size limit (``CATALOGUE_MAX_UPLOAD_SIZE``, 10 MB).
- For XLSX (a zip archive): the number of entries and the declared uncompressed size, so that a "zip bomb"
  is refused before openpyxl opens it. Python's ``zipfile`` stops reading an entry at its declared size,
  so the declared sizes bound what can actually be inflated.
- ``import_sheet_file``: the foundation importer (parser, then loader) on the bytes of an uploaded file.
"""

import io
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from actions_catalog.core.writer import ImportReport, SheetLoader
from importers.parser import ParseResult, Problem, parse_bytes


def check_size(size: int) -> None:
    limit = settings.CATALOGUE_MAX_UPLOAD_SIZE
    if size > limit:
        raise ValidationError(
            f"Le fichier est trop gros ({filesizeformat(size)}) : la limite est de {filesizeformat(limit)}.",
            code="too_big",
        )


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def check_xlsx(data: bytes) -> None:
    """Refuse an XLSX whose archive is unreadable, has too many entries or inflates beyond the limit."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
        raise ValidationError("Ce fichier n'est pas un classeur XLSX lisible.", code="bad_xlsx") from error
    if len(entries) > settings.CATALOGUE_XLSX_MAX_ENTRIES:
        raise ValidationError(
            f"Ce classeur XLSX contient trop d'éléments ({len(entries)}, au plus "
            f"{settings.CATALOGUE_XLSX_MAX_ENTRIES}) : il est refusé sans être ouvert.",
            code="xlsx_entries",
        )
    declared = sum(entry.file_size for entry in entries)
    if declared > settings.CATALOGUE_XLSX_MAX_UNCOMPRESSED_SIZE:
        raise ValidationError(
            f"Ce classeur XLSX occuperait {filesizeformat(declared)} une fois décompressé (au plus "
            f"{filesizeformat(settings.CATALOGUE_XLSX_MAX_UNCOMPRESSED_SIZE)}) : il est refusé sans être ouvert.",
            code="xlsx_too_big",
        )


def read_upload(upload) -> bytes:
    """The bytes of an uploaded file, after the size check (the declared size, then the bytes read)."""
    check_size(upload.size or 0)
    upload.seek(0)
    data = upload.read(settings.CATALOGUE_MAX_UPLOAD_SIZE + 1)
    check_size(len(data))
    upload.seek(0)
    return data


@dataclass
class SheetFileImport:
    """What importing an uploaded sheet file did (or, in a dry run, would do)."""

    parsed: ParseResult
    report: ImportReport
    #: Invalid sheets were found and only valid ones were not asked for: nothing was written.
    refused: bool = False

    @property
    def problems(self) -> list[Problem]:
        return sorted(self.parsed.problems + self.report.warnings, key=lambda problem: problem.line)


def import_sheet_file(data: bytes, name: str, *, only_valid: bool, dry_run: bool, user=None) -> SheetFileImport:
    """Parse a sheet file and load it: all or nothing unless ``only_valid`` (like ``import_actions``)."""
    parsed = parse_bytes(data, name)
    rejected = len(parsed.rejected)
    if rejected and not only_valid and not dry_run:
        return SheetFileImport(parsed, ImportReport(rejected=rejected), refused=True)
    loader = SheetLoader(user=user, change_reason=f"Import depuis l'administration : {name}")
    report = loader.load(parsed.sheets, dry_run=dry_run)
    report.rejected = rejected
    return SheetFileImport(parsed, report)
