"""Property-based tests (hypothesis) of the sheet parser and the amount parser.

- Any text, any bytes: the parser returns sheets and its own line-numbered problems, never another
  exception, and every sheet it accepts fits the database (so an import never fails on it later).
- Sheets generated from the real sheet structure parse back to what they say, whatever the line endings
  (LF, CRLF, CR), a byte-order mark or trailing whitespace.
- French amounts read back to the amount they write.
"""

import csv
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions_catalog.core.amounts import MAX_AMOUNT, parse_amount, split_leading_amount
from actions_catalog.core.choices import Dimension, Initiative, Public, Status, Territory
from actions_catalog.core.funding import extract_funding
from actions_catalog.core.models import Action, FundingLine, Keyword, Partner
from actions_catalog.core.sheet import CONTENT_FIELDS, PartnerGroup, SheetData
from actions_catalog.core.text import normalize_key, strip_invisible
from actions_catalog.core.writer import SheetLoader
from centres.models import Centre
from importers.departements import REFERENCE_CSV
from importers.parser import _CONTROL as CONTROL
from importers.parser import (
    FILE_HEADER,
    PARTNERS_HEADING,
    SECTIONS,
    SHEET_MARKER,
    ParseResult,
    Problem,
    label_indexes,
    parse_bytes,
    parse_text,
    split_lines,
)
from importers.records import RecordError, sheet_from_record
from tests.factories import render_sheet, sheet_file

LABELS = {section.label for section in SECTIONS}
#: Lines the parser reads as structure wherever they appear: generated content must not be one of them.
STRUCTURE = LABELS | {SHEET_MARKER}


def is_structure(line: str) -> bool:
    """A line the parser reads as structure: the sheet marker, or a label however written (once folded)."""
    return line == SHEET_MARKER or bool(label_indexes(line))


def read_item(value: str) -> str:
    """A list item as the parser reads it: without its invisible characters (zero-width spaces…)."""
    return strip_invisible(value).strip()


with REFERENCE_CSV.open(encoding="utf-8", newline="") as handle:
    DEPARTEMENTS = [(row["code"], row["name"]) for row in csv.DictReader(handle)]

# -- Strategies ---------------------------------------------------------------------------------------

#: Characters that have broken parsers: NUL, ligatures and compatibility forms that normalize to several
#: letters, non-Latin digits, odd spaces, a BOM, separators of the sheet format.
TRICKY = ["\x00", "ﬃ", "Ⅷ", "⑳", "﷽", "Œ", "é", "\u00a0", "\u202f", "\u3000", "\t", " ", ":", "-", "€", "٣", "𝟙"]
TRICKY += ["\ufeff", "’", ",", ".", "\x85", "\u2028", "\x1c"]
any_character = st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(TRICKY))
any_text = st.text(any_character, max_size=80)
#: Characters a clean line may hold: no line break, no NUL.
line_character = st.one_of(
    st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp")), st.sampled_from(["é", "Œ", "’", ":", "-", " "])
)


def french_amount(amount: Decimal, grouping: str, comma: str, suffix: str, cents: bool) -> str:
    units, decimals = f"{amount:.2f}".split(".")
    groups = []
    while units:
        units, groups = units[:-3], [units[-3:], *groups]
    written = grouping.join(groups)
    return written + (f"{comma}{decimals}" if cents or decimals != "00" else "") + suffix


amounts = st.decimals(min_value=0, max_value=MAX_AMOUNT, places=2)
written_amounts = st.builds(
    french_amount,
    amounts,
    grouping=st.sampled_from(["", " ", "\u00a0", "\u202f", "."]),
    comma=st.sampled_from([",", "."]),
    suffix=st.sampled_from(["", "€", " €", " euros", " euro", " EUR"]),
    cents=st.booleans(),
)

#: Lines that look like a sheet, mixed with anything: structure-aware fuzzing of the parser.
sheet_like_lines = st.one_of(
    st.sampled_from(sorted(STRUCTURE | {FILE_HEADER, "-", PARTNERS_HEADING, ""})),
    st.sampled_from(
        [f"- {label}" for choices in (Status, Dimension, Initiative, Territory, Public) for label in choices.labels]
    ),
    st.builds(lambda name, dep: f"- {name} - {dep[1]}", any_text, st.sampled_from(DEPARTEMENTS)),
    st.builds(lambda label, amount: f"- {label} : {amount}", any_text, written_amounts),
    any_text.map(lambda text: f"- {text}"),
    any_text,
)
sheet_like_text = st.lists(sheet_like_lines, max_size=60).map("\n".join)


def clean_line(*, min_size=0, max_size=60):
    """A line of content: no line break, no trailing whitespace, not a line of the sheet structure."""
    return st.text(line_character, min_size=min_size, max_size=max_size).filter(
        lambda line: line == line.rstrip() and not is_structure(line)
    )


def clean_label(max_size=60):
    return (
        st.text(line_character, min_size=1, max_size=max_size)
        .map(str.strip)
        .filter(
            lambda label: (
                normalize_key(read_item(label))
                and not is_structure(f"- {label}")
                and not normalize_key(read_item(label)).startswith("partenaires")
            )  # a partners' sub-heading, maybe
        )
    )


def labels_list():
    return st.lists(clean_label(), max_size=4, unique_by=lambda label: normalize_key(read_item(label)))


text_blocks = st.lists(clean_line(), max_size=4).map(lambda lines: "\n".join(lines).strip("\n"))
funding_lines = st.one_of(
    st.builds(lambda label, amount: f"- {label} : {amount}", clean_label(40), written_amounts),
    st.builds(lambda label, amount: f"- {label} : -{amount}", clean_label(40), written_amounts),  # a refund
    st.builds(lambda amount: f"Coût total : {amount}", written_amounts),
    clean_label(40).map(lambda label: f"- {label} :"),
    clean_line(),
)
funding_blocks = st.lists(funding_lines, max_size=5).map(lambda lines: "\n".join(lines).strip("\n"))
titles = clean_label(80).filter(lambda title: not is_structure(title))


@dataclass
class SheetSpec:
    """What a generated sheet says; ``lines()`` writes it in the scraped format."""

    title: str
    centre_name: str
    departement: tuple[str, str]
    status: str
    files: str | None = None  # None: no "Fichier(s) associé(s)" section
    end_reason: str = ""
    dimension: str | None = None
    keywords: list[str] = field(default_factory=list)
    summary: str = ""
    initiatives: list[str] = field(default_factory=list)
    territory: str | None = None
    territory_places: tuple[bool, bool] = (True, False)
    context: str = ""
    publics: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    empty_sections: bool = False

    def lines(self) -> list[str]:
        out = [SHEET_MARKER, self.title]
        label = {section.name: section.label for section in SECTIONS}

        def text(name, value):
            if value or self.empty_sections:
                out.extend([label[name], *value.split("\n")] if value else [label[name]])

        def items(name, values, separator=True):
            if values or self.empty_sections:
                out.extend([label[name], *(["-"] if separator else []), *(f"- {value}" for value in values)])

        out += [label["centre"], f"- {self.centre_name} - {self.departement[1]}"]
        if self.files is not None:
            out.extend([label["files_text"], *self.files.split("\n")] if self.files else [label["files_text"]])
        items("status", [self.status], separator=False)
        text("end_reason", self.end_reason)
        items("dimension", [self.dimension] if self.dimension else [], separator=False)
        items("keywords", self.keywords)
        text("summary", self.summary)
        items("initiatives", self.initiatives)
        if self.territory_places[0]:
            items("territory", [self.territory] if self.territory else [], separator=False)
        text("context", self.context)
        items("publics", self.publics, separator=False)
        if self.partners or self.empty_sections:
            out += [label["partners"], "-", PARTNERS_HEADING, *(f"- {partner}" for partner in self.partners)]
        if self.territory_places[1]:
            items("territory_again", [self.territory] if self.territory else [], separator=False)
        for name in ("description", "funding_text", "people_text", "result_territory", "result_centre"):
            text(name, self.texts.get(name, ""))
        for name in ("result_residents", "limits", "outlook"):
            text(name, self.texts.get(name, ""))
        return out


TEXT_NAMES = (
    "description",
    "people_text",
    "result_territory",
    "result_centre",
    "result_residents",
    "limits",
    "outlook",
)
sheet_specs = st.builds(
    SheetSpec,
    title=titles,
    centre_name=clean_label(60),
    departement=st.sampled_from(DEPARTEMENTS),
    status=st.sampled_from(Status.labels),
    files=st.one_of(st.none(), text_blocks),
    end_reason=text_blocks,
    dimension=st.one_of(st.none(), st.sampled_from(Dimension.labels)),
    keywords=labels_list(),
    summary=text_blocks,
    initiatives=st.lists(st.sampled_from(Initiative.labels), unique=True),
    territory=st.one_of(st.none(), st.sampled_from(Territory.labels)),
    territory_places=st.sampled_from([(True, False), (False, True), (True, True)]),
    context=text_blocks,
    publics=st.lists(st.sampled_from(Public.labels), unique=True),
    partners=labels_list(),
    texts=st.fixed_dictionaries({"funding_text": funding_blocks}, optional={name: text_blocks for name in TEXT_NAMES}),
    empty_sections=st.booleans(),
)
#: Sheets of the real structure whose values are anything: NUL, expanding characters, line breaks,
#: values around the length limits. The parser may reject them, but what it accepts must fit the database.
wild_texts = st.text(any_character, max_size=40)
wild_specs = st.builds(
    SheetSpec,
    title=st.one_of(st.text(any_character, min_size=1, max_size=310), st.text(st.sampled_from(TRICKY), max_size=120)),
    centre_name=st.one_of(st.text(any_character, min_size=1, max_size=260), st.text(st.sampled_from(TRICKY))),
    departement=st.sampled_from(DEPARTEMENTS),
    status=st.sampled_from(Status.labels),
    files=st.one_of(st.none(), wild_texts),
    end_reason=wild_texts,
    dimension=st.one_of(st.none(), st.sampled_from(Dimension.labels)),
    keywords=st.lists(st.one_of(st.text(any_character, max_size=210), st.text(st.sampled_from(TRICKY))), max_size=3),
    summary=wild_texts,
    partners=st.lists(st.one_of(st.text(any_character, max_size=210), st.text(st.sampled_from(TRICKY))), max_size=3),
    texts=st.fixed_dictionaries(
        {"funding_text": st.lists(st.one_of(funding_lines, any_text), max_size=4).map("\n".join)},
        optional={name: wild_texts for name in TEXT_NAMES},
    ),
)

#: Files of one to three sheets with distinct titles.
sheet_files = st.lists(sheet_specs, min_size=1, max_size=3, unique_by=lambda spec: normalize_key(spec.title))


def file_text(specs: list[SheetSpec]) -> list[str]:
    return [FILE_HEADER, *(line for spec in specs for line in spec.lines())]


@st.composite
def layouts(draw, lines: list[str]) -> str:
    """The same lines written with one line ending, maybe a BOM, maybe trailing whitespace on lines."""
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    padded = [line + draw(st.text(" \t\u00a0\u3000", max_size=3)) for line in lines]
    bom = draw(st.sampled_from(["", "\ufeff"]))
    final = draw(st.sampled_from(["", ending]))
    return bom + ending.join(padded) + final


# -- What every parse result must satisfy ---------------------------------------------------------------


def max_length(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def assert_fits_the_database(sheet: SheetData):
    """Everything the loader writes from this sheet satisfies the columns and constraints of the models."""
    texts = [
        sheet.title,
        sheet.centre_name,
        *sheet.keywords,
        *sheet.partners,
        *(line.label for line in sheet.funding_lines),
    ]
    texts += [getattr(sheet, name) for name in ("end_reason", "summary", "context", "description", "funding_text")]
    texts += [getattr(sheet, name) for name in ("people_text", "limits", "outlook", "files_text", "raw_text")]
    for text in texts:
        assert not CONTROL.search(text)  # PostgreSQL refuses NUL, XLSX every C0 control character
        text.encode("utf-8")  # and a lone surrogate cannot be encoded at all
    assert 0 < len(sheet.title) <= max_length(Action, "title")
    assert 0 < len(normalize_key(sheet.title)) <= max_length(Action, "normalized_title")
    assert 0 < len(sheet.centre_name) <= max_length(Centre, "name")
    assert 0 < len(normalize_key(sheet.centre_name)) <= max_length(Centre, "normalized_name")
    assert sheet.departement_code in {code for code, _ in DEPARTEMENTS}
    assert sheet.status in Status.values
    assert sheet.dimension is None or sheet.dimension in Dimension.values
    assert sheet.territory is None or sheet.territory in Territory.values
    assert set(sheet.publics) <= set(Public.values) and len(set(sheet.publics)) == len(sheet.publics)
    assert set(sheet.initiatives) <= set(Initiative.values) and len(set(sheet.initiatives)) == len(sheet.initiatives)
    for model, labels in ((Keyword, sheet.keywords), (Partner, sheet.partners)):
        for label in labels:
            assert 0 < len(label) <= max_length(model, "label")
            assert 0 < len(normalize_key(label)) <= max_length(model, "normalized_label")
        assert len({normalize_key(label) for label in labels}) == len(labels)
    for line in sheet.funding_lines:
        assert 0 < len(line.label.strip()) <= max_length(FundingLine, "label")
        assert line.amount is None or is_storable_amount(line.amount, signed=True)
    assert sheet.declared_total is None or is_storable_amount(sheet.declared_total)


def is_storable_amount(amount: Decimal, *, signed: bool = False) -> bool:
    """Fits ``DecimalField(max_digits=12, decimal_places=2)``; negative only where allowed (a funding line: a refund
    or an expense; never a total)."""
    low = -MAX_AMOUNT if signed else Decimal(0)
    return low <= amount <= MAX_AMOUNT and amount.as_tuple().exponent == -2


def assert_well_formed(result: ParseResult, line_count: int):
    assert isinstance(result, ParseResult)
    for rejected in result.rejected:
        assert rejected.problems, "a rejected sheet says why"
    for problem in result.problems:
        assert isinstance(problem, Problem)
        assert 1 <= problem.line <= line_count
        assert problem.message and f"line {problem.line}: " in str(problem)
    for sheet in result.sheets:
        assert_fits_the_database(sheet)
        assert sheet.source.line >= 1


# -- Any input ------------------------------------------------------------------------------------------


@given(any_text)
def test_any_text_gives_sheets_or_line_numbered_problems(text):
    assert_well_formed(parse_text(text, "fuzz.txt"), len(split_lines(text)))


@given(sheet_like_text)
def test_any_sheet_like_text_gives_sheets_or_line_numbered_problems(text):
    assert_well_formed(parse_text(text, "fuzz.txt"), len(split_lines(text)))


@given(st.lists(wild_specs, min_size=1, max_size=2))
def test_any_values_in_real_sheets_give_sheets_that_fit_the_database_or_problems(specs):
    text = "\n".join(file_text(specs))
    assert_well_formed(parse_text(text, "fuzz.txt"), len(split_lines(text)))


@given(st.binary(max_size=400))
def test_any_bytes_give_sheets_or_line_numbered_problems(data):
    lines = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    assert_well_formed(parse_bytes(data, "fuzz.txt"), len(lines))


@given(sheet_like_text)
def test_any_sheet_like_bytes_give_sheets_or_line_numbered_problems(text):
    data = text.encode("utf-8", errors="surrogatepass")
    lines = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
    assert_well_formed(parse_bytes(data, "fuzz.txt"), len(lines))


@given(any_text)
def test_any_text_is_an_amount_or_not_never_an_error(text):
    value = parse_amount(text)
    assert value is None or is_storable_amount(value)
    value, rest = split_leading_amount(text)
    assert (value is None and rest == text) or is_storable_amount(value)
    signed = parse_amount(text, signed=True)
    assert signed is None or (is_storable_amount(signed, signed=True) and str(signed) != "-0.00")


@given(amounts)
def test_signed_amounts_read_back_to_their_value(amount):
    assert parse_amount(f"-{amount}", signed=True) == -amount
    assert parse_amount(f"-{amount}") is None  # a sign is read only where it may be


@given(st.lists(st.one_of(any_text, funding_lines, st.builds(lambda a: f"- x : {a}", written_amounts))).map("\n".join))
def test_any_text_gives_storable_funding_lines(text):
    lines, declared_total = extract_funding(text)
    for line in lines:
        assert 0 < len(line.label.strip()) <= max_length(FundingLine, "label")
        assert line.amount is None or is_storable_amount(line.amount, signed=True)
    assert declared_total is None or is_storable_amount(declared_total)


@given(amounts)
def test_french_amounts_read_back_to_their_value(amount):
    for grouping in ("", " ", "\u00a0", "\u202f", "."):
        for suffix in ("", " €", "€", " euros"):
            assert parse_amount(french_amount(amount, grouping, ",", suffix, cents=True)) == amount
            assert parse_amount(french_amount(amount, grouping, ",", suffix, cents=False)) == amount


@given(written_amounts)
def test_funding_line_amounts_are_read_from_the_line(written):
    amount = parse_amount(written)

    lines, _ = extract_funding(f"- Caisse d'allocations familiales : {written}")

    assert amount is not None
    assert [(line.label, line.amount) for line in lines] == [("Caisse d'allocations familiales", amount)]


#: Any JSON value, and values shaped like the export's: what a JSON file (or an admin upload) can hold.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(any_text, children, max_size=3),
    max_leaves=6,
)
long_texts = st.one_of(
    st.text(any_character, min_size=1, max_size=310),
    st.text(st.sampled_from(TRICKY), min_size=1, max_size=120),
    st.text(st.characters(categories=("Cs",)), min_size=1, max_size=2),  # JSON's "\ud800" escapes
)
export_records = st.fixed_dictionaries(
    {
        "title": st.one_of(long_texts, json_values),
        "centre": st.one_of(
            st.fixed_dictionaries(
                {
                    "name": st.one_of(long_texts, json_values),
                    "departement_code": st.one_of(st.sampled_from([code for code, _ in DEPARTEMENTS]), json_values),
                }
            ),
            json_values,
        ),
        "status": st.one_of(st.sampled_from(Status.labels), json_values),
        "dimension": st.one_of(st.none(), st.sampled_from(Dimension.labels), json_values),
        "keywords": st.one_of(st.lists(st.one_of(long_texts, json_values), max_size=3), json_values),
        "partners": st.one_of(st.lists(st.one_of(long_texts, json_values), max_size=3), json_values),
        "publics": st.one_of(st.lists(st.sampled_from(Public.labels), max_size=3), json_values),
        "summary": st.one_of(long_texts, json_values),
        "funding_lines": st.one_of(
            st.lists(
                st.fixed_dictionaries(
                    {"label": st.one_of(long_texts, json_values), "amount": st.one_of(written_amounts, json_values)}
                ),
                max_size=3,
            ),
            json_values,
        ),
        "funding_total": st.one_of(st.none(), amounts.map(str), json_values),
    }
)


@given(export_records)
def test_any_export_record_gives_a_sheet_that_fits_the_database_or_its_problems(record):
    try:
        sheet = sheet_from_record(record)
    except RecordError as error:
        assert error.errors and all(error.errors.values())
        return
    assert_fits_the_database(sheet)


# -- Generated sheets -----------------------------------------------------------------------------------


def expected_fields(spec: SheetSpec) -> dict:
    funding_text = spec.texts.get("funding_text", "")
    funding_lines, declared_total = extract_funding(funding_text)
    return {
        "title": spec.title,
        "centre_name": read_item(spec.centre_name),
        "departement_code": spec.departement[0],
        "status": Status(next(v for v, label in Status.choices if label == spec.status)).value,
        "end_reason": spec.end_reason,
        "dimension": next((v for v, label in Dimension.choices if label == spec.dimension), None),
        "keywords": [read_item(keyword) for keyword in spec.keywords],
        "summary": spec.summary,
        "initiatives": [v for label in spec.initiatives for v, lab in Initiative.choices if lab == label],
        "territory": next((v for v, label in Territory.choices if label == spec.territory), None),
        "context": spec.context,
        "publics": [v for label in spec.publics for v, lab in Public.choices if lab == label],
        "partners": [read_item(partner) for partner in spec.partners],
        "partner_groups": (
            [PartnerGroup("Partenaires d'action", [read_item(partner) for partner in spec.partners])]
            if spec.partners
            else []
        ),
        "funding_text": funding_text,
        "funding_lines": funding_lines,
        "declared_total": declared_total,
        "declares_files": spec.files is not None,
        "files_text": spec.files or "",
        **{name: spec.texts.get(name, "") for name in TEXT_NAMES},
    }


@given(sheet_files)
def test_generated_sheets_parse_back_to_what_they_say(specs):
    text = "\n".join(file_text(specs))
    result = parse_text(text, "generated.txt")

    assert result.problems == [], (text, result.problems)
    assert len(result.sheets) == len(specs)
    for sheet, spec in zip(result.sheets, specs, strict=True):
        assert {name: getattr(sheet, name) for name in expected_fields(spec)} == expected_fields(spec)
        assert_fits_the_database(sheet)


@given(sheet_files, st.data())
def test_parsing_ignores_line_endings_bom_and_trailing_whitespace(specs, data):
    lines = file_text(specs)
    reference = parse_text("\n".join(lines), "generated.txt")
    text = data.draw(layouts(lines))

    assert parse_text(text, "generated.txt") == reference
    assert parse_bytes(text.encode(), "generated.txt") == reference


#: What a copy from a web page, another keyboard or a hurried hand does to a label line.
ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
SPACES = [" ", "\u00a0", "\u202f", "  "]
APOSTROPHES = ["'", "\u2019", "\u2018", "\u02bc"]


@st.composite
def label_variant(draw, label: str) -> str:
    """``label`` with random case, spaces (no-break, narrow no-break, doubled, none around ``:`` and ``?``),
    zero-width characters and typographic apostrophes: a line the parser must still read as that label."""
    case = draw(st.sampled_from([str, str.upper, str.lower, str.capitalize, str.swapcase]))
    text = case(label)
    out = []
    for char in text:
        if char == " ":
            out.append(draw(st.sampled_from(SPACES)))
        elif char == "'":
            out.append(draw(st.sampled_from(APOSTROPHES)))
        elif char in ":?":
            out.append(draw(st.sampled_from(["", " ", "\u00a0"])) + char)
        else:
            out.append(char)
        if draw(st.integers(0, 9)) == 0:
            out.append(draw(st.sampled_from(ZERO_WIDTH)))
    text = "".join(out).rstrip()
    if draw(st.booleans()) and text.startswith("- "):
        text = "-" + text[2:]  # no space after the dash
    return text


@given(sheet_files, st.data())
def test_sheets_with_labels_written_any_way_parse_to_the_same_data(specs, data):
    """Each label line written with another case, other spaces, zero-width characters or other apostrophes
    (the partners' heading too) gives the very sheet its exact labels give, and no warning."""
    lines = file_text(specs)
    reference = parse_text("\n".join(lines), "generated.txt")
    varied = [data.draw(label_variant(line)) if line in LABELS or line == PARTNERS_HEADING else line for line in lines]

    result = parse_text("\n".join(varied), "generated.txt")

    assert result.problems == [], (varied, result.problems)
    assert len(result.sheets) == len(reference.sheets)
    for sheet, expected in zip(result.sheets, reference.sheets, strict=True):
        assert content(sheet) == content(expected)
        assert sheet.field_lines == expected.field_lines
        assert [w for w in sheet.warnings if w.label] == [w for w in expected.warnings if w.label]
        # Nothing lost: written back from what it says (the labels written another way again) and read again.
        labels = {section.name: data.draw(label_variant(section.label)) for section in SECTIONS}
        [again] = parse_text(sheet_file(render_sheet(sheet, labels)), "rendu.txt").sheets
        assert content(again) == content(sheet)


def content(sheet: SheetData) -> dict:
    return {name: getattr(sheet, name) for name in CONTENT_FIELDS}


# -- Through the loader ---------------------------------------------------------------------------------


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(wild_specs, min_size=1, max_size=2))
def test_every_sheet_the_parser_accepts_is_loaded_without_a_database_error(reference_data, specs):
    """On PostgreSQL, a NUL or an over-long identity key would fail here: the parser must reject it first."""
    sheets = parse_text("\n".join(file_text(specs)), "fuzz.txt").sheets

    with transaction.atomic():
        report = SheetLoader().load(sheets)
        transaction.set_rollback(True)

    assert report.created + report.duplicates == len(sheets)


# -- Regressions the properties found -------------------------------------------------------------------


def one_sheet(title="Atelier cuisine", centre="Centre social Nord", keyword="Cuisine", summary="Une fois par mois."):
    return "\n".join(
        [
            SHEET_MARKER,
            title,
            "- Structure organisatrice",
            f"- {centre} - Ain",
            "- Statut de l'action",
            "- En cours",
            "- Mots clés associés à l'action",
            f"- {keyword}",
            "- Résumé",
            summary,
        ]
    )


def test_the_sample_sheet_is_accepted():
    assert parse_text(one_sheet()).problems == []


@pytest.mark.parametrize(
    "field, line, message",
    [
        ("title", 2, "titre trop long (400 caractères une fois les ligatures et symboles développés, 300 au plus)"),
        (
            "centre",
            4,
            "nom de centre trop long (400 caractères une fois les ligatures et symboles développés, 255 au plus)",
        ),
        ("keyword", 8, "« Mots clés associés à l'action » : libellé trop long (400 caractères une fois les ligatures"),
    ],
)
def test_a_name_whose_identity_key_is_too_long_is_a_problem(field, line, message):
    """One character "Ⅷ" is "viii" once normalized: 100 of them make a 400-character key."""
    result = parse_text(one_sheet(**{field: "Ⅷ" * 100}))

    assert len(result.problems) == 1
    assert result.problems[0].line == line
    assert result.problems[0].message.startswith(message)


def test_blank_lines_after_a_sheet_are_not_part_of_its_raw_text():
    sheets = parse_text(f"{FILE_HEADER}\n{one_sheet()}\n\n{one_sheet(title='Autre')}\n\n").sheets

    assert [sheet.raw_text.endswith("Une fois par mois.") for sheet in sheets] == [True, True]
