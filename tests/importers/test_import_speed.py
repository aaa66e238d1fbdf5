"""What makes imports fast keeps them right: cheap normalization and hashing, streamed files, COPY, the
search-vector trigger, and the re-import that skips known texts without parsing them."""

import dataclasses
import json
import sys
import unicodedata
from decimal import Decimal
from hashlib import sha256

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actions_catalog.core import pg_copy, search
from actions_catalog.core.export_schema import export_rows
from actions_catalog.core.models import Action, ActionAlias, FundingLine, Keyword
from actions_catalog.core.sheet import SheetData, _canonical, _collapse
from actions_catalog.core.text import COMBINING_RANGE, fold
from actions_catalog.core.writer import ImportReport, SheetLoader, action_identity
from centres.models import CentreAlias
from importers import parser
from importers.parser import parse_bytes
from importers.streaming import SheetFile, StreamedImport
from tests.factories import make_sheet, many_sheets, sheet_file, sheet_text

WRITES = ("INSERT", "UPDATE", "DELETE", "COPY")


def writes(queries) -> list[str]:
    return [query["sql"] for query in queries if query["sql"].lstrip().upper().startswith(WRITES)]


def reference_fold(text: str) -> str:
    """fold() as it was first written: one character at a time."""
    ligatures = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
    decomposed = unicodedata.normalize("NFKD", text.translate(ligatures))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def reference_hash(sheet: SheetData) -> str:
    """content_hash() as it was first written, through dataclasses.asdict."""
    content = dataclasses.asdict(sheet)
    for provenance in ("source", "field_lines", "raw_text", "slug", "omitted", "warnings", "funding_to_check"):
        content.pop(provenance)
    for name in ("years", "partner_groups"):  # sheets without them keep the fingerprint they had before them
        if not content[name]:
            content.pop(name)
    canonical = json.dumps(_collapse(content), default=_canonical, sort_keys=True, ensure_ascii=False)
    return sha256(canonical.encode()).hexdigest()


def stream(data: bytes, source: str = "f.txt", loader: SheetLoader | None = None, dry_run=False):
    streamed = StreamedImport([SheetFile.from_bytes(data, source)], ImportReport(dry_run=dry_run))
    streamed.plan()
    report = (loader or SheetLoader()).load_deduplicated(streamed.sheets(), streamed.report)
    return report, streamed.rejected


# -- Normalization and hashing (no database) ----------------------------------------------------------


def test_every_combining_character_lies_in_the_scanned_range():
    combining = [c for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c))]
    assert combining and combining[0] >= COMBINING_RANGE.start and combining[-1] < COMBINING_RANGE.stop


@pytest.mark.parametrize(
    "text",
    ["", "ascii Only", "Séjour Œuvre", "CENTRE SOCIAL D’EMPALOT", "ﬃ Ⅷ ß İstanbul", "e\u0301\u0327x", "Ａｂｃ ①"],
)
def test_fold_gives_what_the_character_loop_gave(text):
    assert fold(text) == reference_fold(text)


def test_fold_of_every_character_is_unchanged():
    for code in range(sys.maxunicode + 1):
        if not 0xD800 <= code < 0xE000:
            assert fold(chr(code)) == reference_fold(chr(code)), hex(code)


def test_content_hash_is_the_asdict_fingerprint(seed_sheets):
    sheets = [*seed_sheets, make_sheet(), make_sheet(years=[2020, 2021]), make_sheet(declared_total=Decimal("1.5"))]
    assert [sheet.content_hash() for sheet in sheets] == [reference_hash(sheet) for sheet in sheets]


# -- Files read in pieces (no database) ---------------------------------------------------------------


def test_spans_parse_to_the_sheets_of_parse_bytes(seed_bytes):
    for data in (seed_bytes, b"\xef\xbb\xbf" + seed_bytes.replace(b"\n", b"  \r\n")):
        file = SheetFile.from_bytes(data, "f.txt")
        parsed = [parser.parse_span("f.txt", file.data, span) for span in file.spans]
        assert parsed == parse_bytes(data, "f.txt").sheets


def test_span_identity_is_the_identity_of_each_valid_sheet(seed_bytes):
    data = seed_bytes + b"\n" + many_sheets(40).encode().split(b"\n", 1)[1]
    file = SheetFile.from_bytes(data, "f.txt")
    sheets = [parser.parse_span("f.txt", file.data, span) for span in file.spans]
    assert len(sheets) == 65
    assert [parser.span_identity(file.data, span) for span in file.spans] == [action_identity(s) for s in sheets]


def test_problems_are_listed_as_parse_bytes_lists_them():
    data = ("Intro perdue\n" + sheet_text("Sans département", departement="Atlantide") + sheet_text("Bonne")).encode()
    file = SheetFile.from_bytes(data, "f.txt")
    streamed = StreamedImport([file], ImportReport())
    streamed.plan()
    for pending in streamed.sheets():
        pending.parse()
    assert streamed.rejected == parse_bytes(data, "f.txt").rejected
    assert len(streamed.rejected) == 2


# -- Streamed imports ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_streamed_import_keeps_the_later_sheet_of_a_repeated_identity():
    data = sheet_file(
        sheet_text("Atelier", summary="Première version"),
        sheet_text("Autre atelier"),
        sheet_text("ATELIER !", summary="Seconde version"),
        sheet_text("Autre atelier"),
    ).encode()
    report, rejected = stream(data)
    assert (report.created, report.duplicates, rejected) == (2, 2, [])
    atelier = Action.objects.get(normalized_title="atelier")
    assert (atelier.summary, atelier.title, atelier.source_line) == ("Seconde version", "ATELIER !", 34)
    assert [str(warning) for warning in report.warnings] == [
        "f.txt: line 2: avertissement : « Atelier » est remplacée par une fiche plus récente de même titre et même "
        "centre (ligne 34)"
    ]
    assert Action.objects.get(normalized_title="autre atelier").source_line == 18  # an identical repeat: the first


@pytest.mark.django_db
def test_streamed_import_reports_and_writes_what_load_does(seed_bytes, seed_sheets):
    report, _ = stream(seed_bytes, "fiches-actions-centres-sociaux.txt")
    streamed = {row["slug"]: row for row in export_rows(Action.objects.all())}
    Action.objects.all().delete()
    expected = SheetLoader().load(seed_sheets)
    assert report.summary_line() == expected.summary_line()
    assert {row["slug"]: row for row in export_rows(Action.objects.all())} == streamed


@pytest.mark.django_db
def test_streamed_reimport_writes_nothing_and_no_history(seed_bytes):
    stream(seed_bytes)
    history = Action.history.count()
    with CaptureQueriesContext(connection) as queries:
        report, _ = stream(seed_bytes)
    assert (report.created, report.updated, report.unchanged, report.duplicates) == (0, 0, 22, 3)
    assert writes(queries.captured_queries) == []
    assert Action.history.count() == history


@pytest.mark.django_db
def test_streamed_reimport_updates_the_changed_sheets_only():
    stream(many_sheets(12).encode())
    changed = many_sheets(12).replace("Action 3\n", "Action 3\n- Structure organisatrice\n", 0)
    changed = changed.replace("Un atelier chaque semaine.", "Un atelier chaque mois.", 1)  # the first sheet
    report, _ = stream(changed.encode())
    assert (report.created, report.updated, report.unchanged) == (0, 1, 11)
    assert Action.objects.get(title="Action 0").summary == "Un atelier chaque mois."
    assert Action.objects.get(title="Action 0").history.count() == 2


@pytest.mark.django_db
def test_an_action_written_since_its_import_is_compared_by_content(seed_bytes):
    """The form or the admin may have changed an action: its text alone no longer tells it is unchanged."""
    stream(seed_bytes)
    festive = Action.objects.get(title="SAMEDIS FESTIFS")
    SheetLoader().save_sheet(
        dataclasses.replace(parse_bytes(seed_bytes).sheets[0], summary="Réécrit dans le formulaire"),
        action=festive,
        state=festive.state,
    )
    report, _ = stream(seed_bytes)
    assert (report.updated, report.unchanged) == (1, 21)
    festive.refresh_from_db()
    assert festive.summary.startswith("4 samedis de l’été")


@pytest.mark.django_db
def test_an_action_with_another_title_takes_the_usual_path(seed_bytes):
    stream(seed_bytes)
    festive = Action.objects.get(title="SAMEDIS FESTIFS")
    ActionAlias.objects.create(action=festive, centre=festive.centre, title="Samedis en fête")
    renamed = seed_bytes.replace(b"SAMEDIS FESTIFS", b"Samedis en f\xc3\xaate", 1)
    report, _ = stream(seed_bytes + b"\n" + renamed.split(b"\n", 1)[1])
    assert (report.created, report.updated, report.unchanged, report.duplicates) == (0, 0, 22, 28)


@pytest.mark.django_db
def test_the_later_of_two_names_of_one_action_wins_across_batches():
    """A batch is read, and its known texts set aside, before the previous batch is written: a sheet naming an
    action through its centre's other name, then a sheet naming it by its own name, unchanged since its
    import, in the next batch: the later one still wins."""
    original = sheet_text("Atelier", "Centre Nord", summary="Texte importé")
    stream(sheet_file(original).encode())
    atelier = Action.objects.get()
    CentreAlias.objects.create(centre=atelier.centre, name="Centre du Nord", departement=atelier.centre.departement)
    by_alias = sheet_text("Atelier", "Centre du Nord", summary="Texte sous l'autre nom")
    report, _ = stream(sheet_file(by_alias, original).encode(), loader=SheetLoader(batch_size=1))
    assert (report.created, report.updated + report.unchanged, report.duplicates) == (0, 2, 0)
    atelier.refresh_from_db()
    assert atelier.summary == "Texte importé"


@pytest.mark.django_db
def test_each_batch_is_parsed_once_whatever_the_order_of_reading(monkeypatch):
    parsed = []
    original = parser.parse_sheet_lines
    monkeypatch.setattr("importers.streaming.parse_sheet_lines", lambda *a, **k: parsed.append(1) or original(*a, **k))
    report, _ = stream(many_sheets(7).encode(), loader=SheetLoader(batch_size=3))
    assert (report.created, len(parsed)) == (7, 7)
    assert Action.objects.count() == 7


@pytest.mark.django_db
def test_dry_run_of_a_streamed_import_writes_nothing(seed_bytes):
    report, _ = stream(seed_bytes, dry_run=True)
    assert report.created == 22
    assert not Action.objects.exists()


# -- PostgreSQL: COPY and the search-vector trigger ---------------------------------------------------


def action_rows() -> dict:
    """Every imported action as the export and the history see it, with its relations, by slug."""
    rows = {}
    for action in Action.objects.all():
        [row] = export_rows(Action.objects.filter(pk=action.pk))
        history = action.history.values("history_type", "history_change_reason", "title", "raw_text", "state")
        rows[action.slug] = row | {
            "history": list(history),
            "keyword_labels": action.keyword_labels,
            "search_vector": str(Action.objects.filter(pk=action.pk).values_list("search_vector", flat=True)[0]),
            "keyword_ids": list(action.keywords.through.objects.filter(action=action).values_list("keyword__label")),
            "funding": list(FundingLine.objects.filter(action=action).values_list("label", "amount", "position")),
            "dates": (action.created_at is not None, action.updated_at == action.last_imported_at),
        }
    return rows


@pytest.mark.django_db
def test_copy_calls_before_finish_once_every_row_is_sent():
    sent, calls = [], []

    def rows():
        for n in range(3):
            sent.append(n)
            yield (f"Mot {n}", f"mot {n}", f"mot-{n}", timezone.now())

    pg_copy.copy_rows(
        Keyword,
        ["label", "normalized_label", "slug", "created_at"],
        rows(),
        before_finish=lambda: calls.append(len(sent)),
    )
    assert calls == [3]
    assert sorted(Keyword.objects.values_list("slug", flat=True)) == ["mot-0", "mot-1", "mot-2"]


def old_vector_sql(action_ids) -> dict[int, str]:
    """The vector as the loader's second UPDATE used to compute it (the keywords read by a join)."""
    other = ", ".join(f"a.{name}" for name in search.WEIGHTS["C"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT a.id, (setweight(to_tsvector('french_unaccent', a.title), 'A')
                || setweight(to_tsvector('french_unaccent', concat_ws(' ', a.summary, (
                    SELECT string_agg(k.label, ' ' ORDER BY ak.id) FROM actions_catalog_action_keywords AS ak
                    JOIN actions_catalog_keyword AS k ON k.id = ak.keyword_id WHERE ak.action_id = a.id))), 'B')
                || setweight(to_tsvector('french_unaccent', concat_ws(' ', {other})), 'C'))::text
            FROM actions_catalog_action AS a WHERE a.id = ANY(%s)
            """,
            [list(action_ids)],
        )
        return dict(cursor.fetchall())


def vectors() -> dict[int, str]:
    return {pk: str(vector) for pk, vector in Action.objects.values_list("pk", "search_vector")}


def test_the_trigger_writes_the_vector_the_update_used_to_write(seeded):
    assert vectors() == old_vector_sql(Action.objects.values_list("pk", flat=True))
    assert "'samed':1A" in vectors()[Action.objects.get(title="SAMEDIS FESTIFS").pk]


def test_the_trigger_follows_updates_of_the_text_and_of_the_keywords(seeded):
    festive = Action.objects.get(title="SAMEDIS FESTIFS")
    festive.title = "Soirées zanzibaroises"
    festive.save()
    assert Action.objects.filter(search.condition("zanzibaroises"), pk=festive.pk).exists()
    keyword = Keyword.objects.get(label="Culture")
    keyword.label = "Ethnographie"
    keyword.save()  # the signal refreshes the keyword labels of its actions
    festive.refresh_from_db()
    assert "Ethnographie" in festive.keyword_labels
    assert Action.objects.filter(search.condition("ethnographie"), pk=festive.pk).exists()
    ids = list(Action.objects.values_list("pk", flat=True))
    assert vectors() == old_vector_sql(ids)


def test_an_update_of_other_columns_leaves_the_vector(seeded):
    festive = Action.objects.get(title="SAMEDIS FESTIFS")
    Action.objects.filter(pk=festive.pk).update(search_vector=None, state="draft")
    assert Action.objects.get(pk=festive.pk).search_vector is None  # the trigger fires on the text columns only


def test_imported_long_texts_are_compressed_with_lz4_where_the_server_has_it(seeded):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        expected = "lz4" if cursor.fetchone()[0] else "pglz"  # the embedded server is built without lz4
        cursor.execute(
            "SELECT DISTINCT pg_column_compression(raw_text) FROM actions_catalog_action WHERE length(raw_text) > 4000"
        )
        assert cursor.fetchall() == [(expected,)]


def test_span_identity_reads_on_when_the_centre_comes_late():
    late = sheet_text("Tardive").replace("Tardive\n", "Tardive\n" + "\n" * 20, 1)
    file = SheetFile.from_bytes(sheet_file(late, sheet_text("Pressée")).encode(), "f.txt")
    sheets = [parser.parse_span("f.txt", file.data, span) for span in file.spans]
    assert [parser.span_identity(file.data, span) for span in file.spans] == [action_identity(s) for s in sheets]
    assert action_identity(sheets[0]) == ("69", "centre social des tilleuls", "tardive")
