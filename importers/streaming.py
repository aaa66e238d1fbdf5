"""Import large sheet files without holding all their sheets: two passes over the files' bytes.

``parse_bytes`` turns a whole file into SheetData at once: for 100,000 sheets, gigabytes. Here the files
stay as bytes, split at their ``Actions`` lines (``parser.sheet_spans``), and the loader gets their sheets
one batch at a time, with the same result and report as ``SheetLoader.load(parse_bytes(…).sheets)``:

1. *Plan.* The file-wide rule "a later sheet with the same identity wins" needs the whole input before
   anything is written. The first pass reads only each sheet's identity (its title and its centre's line,
   ``parser.span_identity``); the few sheets whose identity repeats are parsed and deduplicated by the
   loader's own rule (``loader.keep_latest``), which counts the duplicates and writes the warnings.
2. *Load.* The second pass parses every sheet but the dropped repeats, in file order, and hands them lazily
   to ``SheetLoader.load_deduplicated``; invalid sheets are collected as they are met.

The caller decides what rejected sheets mean (the command rolls the import back unless ``--skip-invalid``).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from actions_catalog.core.sheet import SheetData
from actions_catalog.core.writer import ImportReport, PendingSheet, SheetItem, action_identity, keep_latest
from importers.parser import (
    RejectedSheet,
    Span,
    lines_identity,
    normalize_newlines,
    parse_sheet_lines,
    parse_span,
    preamble_problem,
    raw_text,
    sheet_spans,
    span_identity,
    span_lines,
)


@dataclass
class SheetFile:
    """The bytes of one sheet file and where its sheets lie."""

    source: str
    data: bytes
    preamble: Span
    spans: list[Span]

    @classmethod
    def from_bytes(cls, data: bytes, source: str) -> "SheetFile":
        data = normalize_newlines(data)
        preamble, spans = sheet_spans(data)
        return cls(source, data, preamble, spans)

    @classmethod
    def read(cls, path: Path) -> "SheetFile":
        """Raises OSError when the file cannot be read."""
        return cls.from_bytes(path.read_bytes(), str(path))


@dataclass
class StreamedImport:
    """The sheets of several files, deduplicated across all of them (``plan``), then read (``sheets``)."""

    files: list[SheetFile]
    report: ImportReport
    #: Label warnings are problems (``import_actions --strict``); every sheet is then parsed, a known one too.
    strict: bool = False
    #: (file index, sheet index) of the repeats that ``plan`` dropped.
    dropped: set[tuple[int, int]] = field(default_factory=set)
    #: Sheets and file preambles found invalid so far, by (file index, sheet index; -1 for the preamble).
    _rejected: dict[tuple[int, int], RejectedSheet] = field(default_factory=dict)

    @property
    def rejected(self) -> list[RejectedSheet]:
        """The invalid sheets found so far, in the order ``parse_bytes`` lists them."""
        return [self._rejected[key] for key in sorted(self._rejected)]

    @property
    def sheet_count(self) -> int:
        return sum(len(file.spans) for file in self.files)

    def plan(self) -> int:
        """First pass: find the repeats of each identity and keep the one the loader's rule keeps.

        Returns the number of sheets dropped as duplicates (counted in the report, with their warnings).
        """
        positions: dict[tuple, list[tuple[int, int]]] = {}
        for file_index, file in enumerate(self.files):
            for sheet_index, span in enumerate(file.spans):
                identity = span_identity(file.data, span)
                if identity is not None:  # None: an invalid sheet, rejected in the second pass
                    positions.setdefault(identity, []).append((file_index, sheet_index))
        repeated = sorted(position for group in positions.values() if len(group) > 1 for position in group)
        items, position_of = [], {}
        for file_index, sheet_index in repeated:
            file = self.files[file_index]
            sheet = parse_span(file.source, file.data, file.spans[sheet_index], strict=self.strict)
            if isinstance(sheet, SheetData):
                item = SheetItem(sheet=sheet, content_hash=sheet.content_hash())
                items.append(item)
                position_of[id(item)] = (file_index, sheet_index)
        kept = {position_of[id(item)] for item in keep_latest(items, lambda i: action_identity(i.sheet), self.report)}
        self.dropped = set(position_of.values()) - kept
        return len(self.dropped)

    def sheets(self) -> Iterator[PendingSheet]:
        """Second pass: the sheets to load, in file order, each parsed when the loader asks (an invalid one
        then goes to ``rejected``)."""
        for file_index, file in enumerate(self.files):
            if problem := preamble_problem(file.source, file.data, file.preamble, has_sheets=bool(file.spans)):
                self._rejected[(file_index, -1)] = problem
            for sheet_index, span in enumerate(file.spans):
                if (file_index, sheet_index) not in self.dropped:
                    yield self._pending(file.source, (file_index, sheet_index), *span_lines(file.data, span))

    def _pending(self, source: str, position: tuple[int, int], lines: list, unreadable: set[int]) -> PendingSheet:
        def parse() -> SheetData | None:
            sheet = parse_sheet_lines(source, lines, unreadable, strict=self.strict)
            if isinstance(sheet, RejectedSheet):
                self._rejected[position] = sheet
                return None
            return sheet

        # A sheet with unreadable bytes is never taken for the text of an imported one: it must be parsed; and so is
        # every sheet of a strict import, whose label warnings must be found.
        identity = None if unreadable or self.strict else lines_identity(lines)
        return PendingSheet(identity, raw_text(lines), parse)
