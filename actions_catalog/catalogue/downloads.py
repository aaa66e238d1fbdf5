"""Open-data files of a list of actions: JSON (the nested schema), CSV and XLSX (flat rows), written row by row,
and where a request finds them.

Writers: records come from ``core.export_schema``; they are taken one at a time and written to a binary stream,
so that what a file holds never has to fit in memory. CSV is UTF-8 with a BOM (so that spreadsheets read the
accents), XLSX one sheet named « Actions » (openpyxl's write-only mode: rows are not kept); both have French
headers, and every cell a spreadsheet could run is neutralized (``export_schema.spreadsheet_cell``). JSON keeps
the schema's keys. ``export_actions`` and the downloads of the list page share them.

Files of the downloads (``/actions/export.{csv,xlsx,json}``) are built by jobs (``catalogue.tasks``) into the
``default`` storage, never inside a request beyond ``INLINE_LIMIT`` actions:

- the whole catalogue (no filter, the default order): the three files of the newest catalogue version, built
  once per version by one job at a time (``full_downloads``); a request serves the newest finished ones;
- a filtered list of more than ``INLINE_LIMIT`` actions: one job per format and query (``filtered_download``),
  whose file expires after ``FILTERED_LIFETIME``; meanwhile the request answers 202 (scripts) or a French page
  that refreshes itself (browsers);
- a smaller filtered list is written by the request itself, to a temporary file.

A finished file is served as a file (``serve``): by default ``FileResponse`` (gunicorn sends it with
``sendfile``); with ``DOWNLOADS_SERVE=redirect``, a redirection to the storage's URL (S3: a signed URL); with
``DOWNLOADS_SERVE=accel``, an ``X-Accel-Redirect`` to ``DOWNLOADS_ACCEL_PREFIX`` that nginx serves from the
media folder. Either way no worker is held for the whole transfer.
"""

import csv
import hashlib
import io
import json
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from datetime import timedelta

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from openpyxl import Workbook

from actions_catalog.core.export_schema import flat_headers, flat_row

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
FORMATS = tuple(CONTENT_TYPES)
FILE_NAME = "actions-centres-sociaux"
#: The name of the XLSX worksheet.
SHEET_NAME = "Actions"
#: An XLSX cell holds at most this many characters (Excel refuses the file otherwise).
XLSX_CELL_LIMIT = 32_767
#: A filtered list of at most this many actions is written by the request; a larger one by a job. The issue
#: suggested 2,000; the load test measured a 300-row XLSX at 7 s of a gunicorn worker on a busy 2-core machine
#: (a worker held that long delays visitors, and 2,000 rows could pass gunicorn's 30 s timeout): 200.
INLINE_LIMIT = 200
#: How long a filtered download's file is kept.
FILTERED_LIFETIME = timedelta(days=1)
#: How long the files of a replaced full download stay (downloads under way finish).
REPLACED_LIFETIME = timedelta(hours=1)
#: The rows read from the database at a time.
CHUNK = 1_000
#: Rows read at a time by a job's build, which calls ``pause`` after each chunk (short bursts of work).
PACED_CHUNK = 250
#: Folder of the files in the ``default`` storage.
FOLDER = "telechargements"


def write_json(records: Iterable[dict], stream) -> int:
    """A JSON list of records, one indented object after the other; returns how many."""
    count = 0
    stream.write(b"[")
    for record in records:
        stream.write(b"," if count else b"")
        stream.write(b"\n" + _indent(json.dumps(record, ensure_ascii=False, indent=2)).encode())
        count += 1
    stream.write(b"\n]\n" if count else b"]\n")
    return count


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.split("\n"))


def write_csv(records: Iterable[dict], stream) -> int:
    """A BOM, the French header row, then one row per record; returns how many records."""
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(flat_headers())
    count = 0
    for record in records:
        writer.writerow(["" if value is None else value for value in flat_row(record)])
        count += 1
    text.detach()
    return count


def write_xlsx(records: Iterable[dict], stream) -> int:
    """One worksheet « Actions » with the rows of ``write_csv`` (openpyxl's write-only mode)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_NAME)
    sheet.append(flat_headers())
    count = 0
    for record in records:
        sheet.append([_xlsx_cell(value) for value in flat_row(record)])  # every row full width
        count += 1
    workbook.save(stream)
    return count


def _xlsx_cell(value):
    if value is None:
        return ""
    if isinstance(value, str) and len(value) > XLSX_CELL_LIMIT:
        return value[: XLSX_CELL_LIMIT - 1] + "…"
    return value


WRITERS = {"json": write_json, "csv": write_csv, "xlsx": write_xlsx}


# -- Records of a list of actions, read a chunk at a time -----------------------------------------------------


def records_of(ids: Iterable[int], *, pause=None) -> Iterator[dict]:
    """The export records of the published actions ``ids``, in that order, ``CHUNK`` rows at a time; with
    ``pause`` (a background build), ``PACED_CHUNK`` rows at a time, calling ``pause()`` after each chunk."""
    from actions_catalog.catalogue.listing import HEAVY_COLUMNS
    from actions_catalog.core.export_schema import export_record
    from actions_catalog.core.models import Action

    ids = [int(pk) for pk in ids]
    size = CHUNK if pause is None else PACED_CHUNK
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        rows = Action.objects.published().filter(pk__in=chunk).with_sheet_relations().defer(*HEAVY_COLUMNS)
        by_id = {action.pk: action for action in rows.order_by()}
        for pk in chunk:
            if pk in by_id:
                yield export_record(by_id[pk])
        if pause is not None:
            pause()


def write_file(fmt: str, ids, name: str, *, progress=None, pause=None) -> tuple[str, int]:
    """Write the file of ``ids`` in ``fmt`` to a temporary file, then to the ``default`` storage as ``name``
    (copied in chunks). Returns the stored name and the number of actions. ``pause``: see ``records_of``."""
    return _store(fmt, _counted(records_of(ids, pause=pause), progress), name)


def write_files(names: dict[str, str], ids, *, progress=None, pause=None) -> tuple[dict[str, str], int]:
    """The files of ``ids`` in several formats (``names``: the stored name of each), reading the records once.

    Reading them (the database, then ``export_record``) costs more than writing any format but XLSX: they are read
    once, kept in a temporary file (pickled, one after the other: memory stays bounded), then written in each
    format from there. Returns the stored names by format and the number of actions. ``progress(done)`` counts
    the records read, then those written in each format; ``pause``: after each chunk read (see ``records_of``),
    then every ``PACED_CHUNK`` records written."""
    stored = {}
    with tempfile.TemporaryFile() as spool:
        count = 0
        for record in _counted(records_of(ids, pause=pause), progress):
            pickle.dump(record, spool, protocol=pickle.HIGHEST_PROTOCOL)
            count += 1
        for step, (fmt, name) in enumerate(names.items(), start=1):
            spool.seek(0)
            records = _counted(_spooled(spool, count), progress, start=step * count, pause=pause)
            stored[fmt], _ = _store(fmt, records, name)
    return stored, count


def _store(fmt: str, records: Iterable[dict], name: str) -> tuple[str, int]:
    """``records`` written in ``fmt`` to a temporary file, then saved to the ``default`` storage as ``name``."""
    with tempfile.TemporaryFile() as temporary:
        count = WRITERS[fmt](records, temporary)
        temporary.seek(0)
        return default_storage.save(name, File(temporary, name=name)), count


def _counted(records: Iterable[dict], progress, *, start: int = 0, pause=None) -> Iterator[dict]:
    """``records``, calling ``progress(start + n)`` every 500 and, with ``pause``, ``pause()`` every ``PACED_CHUNK``."""
    for number, record in enumerate(records, start=1):
        if progress is not None and number % 500 == 0:
            progress(start + number)
        if pause is not None and number % PACED_CHUNK == 0:
            pause()
        yield record


def _spooled(spool, count: int) -> Iterator[dict]:
    """The ``count`` records ``write_files`` pickled into ``spool`` (its own temporary file, never another input)."""
    for _ in range(count):
        yield pickle.load(spool)


def file_name(fmt: str, key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"{FOLDER}/{FILE_NAME}-{digest}.{fmt}"


# -- Serving --------------------------------------------------------------------------------------------------


def serve(name: str, fmt: str):
    """A stored file, as a download, without holding a worker for the transfer (see the module docstring)."""
    mode = getattr(settings, "DOWNLOADS_SERVE", "file")
    attachment = f'attachment; filename="{FILE_NAME}.{fmt}"'
    if mode == "redirect":
        return HttpResponseRedirect(default_storage.url(name))
    if mode == "accel":
        response = HttpResponse(content_type=CONTENT_TYPES[fmt])
        response["X-Accel-Redirect"] = settings.DOWNLOADS_ACCEL_PREFIX.rstrip("/") + "/" + name
        response["Content-Disposition"] = attachment
        return response
    response = FileResponse(default_storage.open(name, "rb"), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = attachment
    return response


def serve_inline(fmt: str, ids) -> FileResponse:
    """A small list, written by the request to a temporary file, then served from it."""
    temporary = tempfile.TemporaryFile()
    WRITERS[fmt](records_of(ids), temporary)
    temporary.seek(0)
    response = FileResponse(temporary, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{FILE_NAME}.{fmt}"'
    return response
