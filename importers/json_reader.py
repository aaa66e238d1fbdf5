"""Read a JSON export file (``export_actions --format json``) back into SheetData. No database.

The file is a JSON list of records with the keys of ``actions_catalog.core.export_schema.EXPORT_KEYS`` (those added
since the first schema, ``ADDED_KEYS``, may be missing: an older export). Each record is
read by ``importers.records.sheet_from_record``, the same reader as the admin's import of the export schema;
this module adds what a file needs: problems numbered by the line where the record starts and by the
record's number, the file's own errors (not JSON, not a list), the export's keys, and the export's ``slug``,
kept for the new actions it creates. The keys naming other actions (``LINK_KEYS``: ``inspired_by``) may be
missing and are not read.
"""

import json
import re

from actions_catalog.core.export_schema import ADDED_KEYS, EXPORT_KEYS, NOT_EXPORTED
from actions_catalog.core.sheet import SheetData, SourceRef
from importers.parser import ParseResult, Problem, RejectedSheet
from importers.records import RecordError, sheet_from_record

MAX_SLUG_LENGTH = 320
#: SheetData fields an export file does not carry (the export schema's own list).
NOT_READ = NOT_EXPORTED
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")
_WHITESPACE = " \t\n\r"


class _Invalid(Exception):
    """The file is not a JSON list: one problem, at a line."""

    def __init__(self, line: int, message: str):
        self.line, self.message = line, message


def read_json_bytes(data: bytes, source: str = "<fichier>") -> ParseResult:
    """Read an export file as bytes: UTF-8, with or without BOM."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return _rejected_file(source, line, "octets illisibles : le fichier n'est pas en UTF-8")
    return read_json(text, source)


def read_json(text: str, source: str = "<texte>") -> ParseResult:
    """Read the text of an export file: one SheetData per valid record, the others rejected with their problems."""
    result = ParseResult(source)
    try:
        records = _records(text.removeprefix("\ufeff"))
    except _Invalid as invalid:
        return _rejected_file(source, invalid.line, invalid.message)
    for number, (line, record, raw) in enumerate(records, start=1):
        messages, sheet = _read_record(record)
        if messages:
            title = record.get("title") if isinstance(record, dict) and isinstance(record.get("title"), str) else ""
            problems = [Problem(source, line, f"enregistrement {number} : {message}") for message in messages]
            result.rejected.append(RejectedSheet(line, title, problems))
        else:
            sheet.source, sheet.raw_text = SourceRef(source, line), raw
            result.sheets.append(sheet)
    return result


def _read_record(record) -> tuple[list[str], SheetData | None]:
    """The problems of one record (in French), or its sheet."""
    if not isinstance(record, dict):
        return ["un objet JSON « { … } » est attendu"], None
    messages = []
    if missing := [key for key in EXPORT_KEYS if key not in record and key not in ADDED_KEYS]:
        messages.append("clé(s) manquante(s) : " + ", ".join(f"« {key} »" for key in missing))
    if unknown := [key for key in record if key not in EXPORT_KEYS]:
        messages.append("clé(s) inconnue(s) : " + ", ".join(f"« {key} »" for key in unknown))
    slug = record.get("slug")
    if not isinstance(slug, str) or (slug and (len(slug) > MAX_SLUG_LENGTH or not _SLUG.fullmatch(slug))):
        messages.append(f"« slug » : « {str(slug)[:80]} » n'est pas un slug (lettres, chiffres, « - » et « _ »)")
    if messages:
        return messages, None
    try:
        sheet = sheet_from_record(record)
    except RecordError as error:
        return [f"« {column} » : {message}" for column, texts in error.errors.items() for message in texts], None
    sheet.slug = slug
    return [], sheet


def _rejected_file(source: str, line: int, message: str) -> ParseResult:
    return ParseResult(source, rejected=[RejectedSheet(line, "", [Problem(source, line, message)])])


def _records(text: str) -> list[tuple[int, object, str]]:
    """The records of a JSON list, each with the line where it starts and its text."""
    decoder = json.JSONDecoder()
    line, counted = 1, 0

    def line_at(index: int) -> int:
        nonlocal line, counted
        line += text.count("\n", counted, index)
        counted = index
        return line

    def skip(index: int) -> int:
        while index < len(text) and text[index] in _WHITESPACE:
            index += 1
        return index

    def decode(index: int) -> tuple[object, int]:
        try:
            return decoder.raw_decode(text, index)
        except json.JSONDecodeError as error:
            raise _Invalid(error.lineno, f"JSON invalide : {error.msg} (colonne {error.colno})") from error
        except RecursionError:
            raise _Invalid(
                line_at(index), "JSON trop imbriqué : des listes ou objets les uns dans les autres sans fin"
            ) from None

    index = skip(0)
    if index == len(text) or text[index] != "[":
        if index < len(text):
            decode(index)  # a JSON error in a value that is not a list reports its own position
        raise _Invalid(line_at(index) if index < len(text) else 1, "le fichier doit contenir une liste JSON « [ … ] »")
    records = []
    index = skip(index + 1)
    if index < len(text) and text[index] == "]":
        index = skip(index + 1)
    else:
        while True:
            start = index
            value, index = decode(index)
            records.append((line_at(start), value, text[start:index]))
            index = skip(index)
            if index < len(text) and text[index] == ",":
                index = skip(index + 1)
                continue
            if index < len(text) and text[index] == "]":
                index = skip(index + 1)
                break
            raise _Invalid(line_at(min(index, len(text))), "« , » ou « ] » attendu après un enregistrement")
    if index != len(text):
        raise _Invalid(line_at(index), "texte après la fin de la liste")
    return records
