"""Open-data files of a list of actions: JSON (the nested schema), CSV and XLSX (flat rows), written row by row.

Records come from ``core.export_schema``; the writers take them one at a time and write to a binary stream, so
that what a file holds never has to fit in memory at once. ``export_actions`` and the downloads of the list
page share them.
"""

import csv
import io
import json
from collections.abc import Iterable

from openpyxl import Workbook

from actions_catalog.core.export_schema import FLAT_COLUMNS, flat_row

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
FORMATS = tuple(CONTENT_TYPES)
FILE_NAME = "actions-centres-sociaux"


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
    """A header row of ``FLAT_COLUMNS``, then one row per record; returns how many records."""
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(FLAT_COLUMNS)
    count = 0
    for record in records:
        writer.writerow(["" if value is None else value for value in flat_row(record)])
        count += 1
    text.detach()
    return count


def write_xlsx(records: Iterable[dict], stream) -> int:
    """One worksheet with the rows of ``write_csv`` (openpyxl's write-only mode: rows are not kept)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(FLAT_COLUMNS))
    count = 0
    for record in records:
        sheet.append(["" if value is None else value for value in flat_row(record)])  # every row full width
        count += 1
    workbook.save(stream)
    return count


WRITERS = {"json": write_json, "csv": write_csv, "xlsx": write_xlsx}
