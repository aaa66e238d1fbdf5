"""A JSON export file read back into SheetData: valid records, and line- and record-numbered problems.

Each record is read by importers.records (tests/importers/test_records.py); these tests are about the file.
"""

import json
from decimal import Decimal

import pytest

from actions_catalog.core.export_schema import ADDED_KEYS, EXPORT_KEYS, LINK_KEYS
from actions_catalog.core.sheet import FundingLineData, SourceRef
from importers.json_reader import read_json, read_json_bytes


def record(**changes) -> dict:
    value = {
        "title": "Atelier cuisine",
        "slug": "atelier-cuisine",
        "centre": {
            "name": "Centre social Nord",
            "departement_code": "01",
            "departement": "Ain",
            "region": "Auvergne-Rhône-Alpes",
        },
        "status": "En cours",
        "end_reason": "",
        "dimension": "Services",
        "keywords": ["Cuisine", "Santé"],
        "publics": ["Tous publics", "Seniors"],
        "initiative": ["Le centre social"],
        "partners": ["CAF de l'Ain"],
        "territory": "Un quartier",
        "summary": "Cuisiner ensemble une fois par mois.",
        "context": "",
        "description": "Des habitants cuisinent.",
        "funding_text": "- CAF : 1 500 €\n- Commune : 500 €",
        "people_text": "",
        "result_territory": "",
        "result_centre": "",
        "result_residents": "",
        "limits": "",
        "outlook": "",
        "funding_lines": [{"label": "CAF", "amount": "1500.00"}, {"label": "Commune", "amount": "500.00"}],
        "funding_total": "2000.00",
    }
    value.update(changes)
    return value


def export_text(*records) -> str:
    return json.dumps(list(records), ensure_ascii=False, indent=2) + "\n"


def messages(result) -> list[str]:
    return [str(problem) for problem in result.problems]


def test_a_record_is_read_into_sheet_data():
    result = read_json(export_text(record()), "export.json")

    assert result.problems == []
    [sheet] = result.sheets
    assert (sheet.title, sheet.slug, sheet.centre_name, sheet.departement_code) == (
        "Atelier cuisine",
        "atelier-cuisine",
        "Centre social Nord",
        "01",
    )
    assert (sheet.status, sheet.dimension, sheet.territory) == ("en-cours", "services", "un-quartier")
    assert sheet.keywords == ["Cuisine", "Santé"]
    assert sheet.publics == ["tous-publics", "seniors"]
    assert sheet.initiatives == ["le-centre-social"]
    assert sheet.partners == ["CAF de l'Ain"]
    assert sheet.funding_lines == [
        FundingLineData("CAF", Decimal("1500.00")),
        FundingLineData("Commune", Decimal("500.00")),
    ]
    assert sheet.declared_total is None  # the export's total is the sum of the lines: nothing more to keep
    assert sheet.source == SourceRef("export.json", 2)
    assert json.loads(sheet.raw_text) == record()


def test_a_total_that_is_not_the_sum_of_the_lines_is_kept_as_the_declared_total():
    [sheet] = read_json(export_text(record(funding_total="2500.00"))).sheets
    [without_lines] = read_json(export_text(record(funding_lines=[], funding_total="800.00"))).sheets

    assert sheet.declared_total == Decimal("2500.00")
    assert without_lines.declared_total == Decimal("800.00")


def test_null_choices_and_amounts_are_read_as_nothing():
    [sheet] = read_json(
        export_text(
            record(
                dimension=None,
                territory=None,
                funding_lines=[{"label": "Bénévoles", "amount": None}],
                funding_total=None,
            )
        )
    ).sheets

    assert (sheet.dimension, sheet.territory, sheet.declared_total) == (None, None, None)
    assert sheet.funding_lines == [FundingLineData("Bénévoles", None)]


def test_an_empty_list_has_no_sheet_and_no_problem():
    result = read_json("[]\n")

    assert (result.sheets, result.rejected) == ([], [])


def test_problems_give_the_line_where_the_record_starts_and_its_number():
    text = export_text(record(), record(title="Jardin partagé", status="En pause"))
    second_line = text.splitlines().index("  {", 2) + 1

    result = read_json(text, "export.json")

    assert [sheet.title for sheet in result.sheets] == ["Atelier cuisine"]
    assert messages(result) == [
        f"export.json: line {second_line}: enregistrement 2 : « status » : « En pause » n'est pas un choix possible "
        "(En cours, Terminée)."
    ]
    assert result.rejected[0].title == "Jardin partagé"


@pytest.mark.parametrize(
    "text, line, message",
    [
        ('[\n  {"title": "x",\n  ', 3, "JSON invalide : Expecting property name enclosed in double quotes"),
        ("[1, 2,]", 1, "JSON invalide : Expecting value"),
        ('{"title": "x"}', 1, "le fichier doit contenir une liste JSON « [ … ] »"),
        ("", 1, "le fichier doit contenir une liste JSON « [ … ] »"),
        ("[]\n\nx", 3, "texte après la fin de la liste"),
        ("[{} {}]", 1, "« , » ou « ] » attendu après un enregistrement"),
    ],
)
def test_a_file_that_is_not_a_json_list_is_one_problem_at_its_line(text, line, message):
    result = read_json(text, "export.json")

    assert result.sheets == []
    [problem] = result.problems
    assert problem.line == line
    assert problem.message.startswith(message)


def test_missing_and_unknown_keys_are_named():
    bad = record(identifiant=12)
    del bad["summary"], bad["funding_total"]

    assert messages(read_json(export_text(bad), "f.json")) == [
        "f.json: line 2: enregistrement 1 : clé(s) manquante(s) : « summary », « funding_total »",
        "f.json: line 2: enregistrement 1 : clé(s) inconnue(s) : « identifiant »",
    ]


def test_a_record_that_is_not_an_object_is_a_problem():
    assert messages(read_json('[\n  "Atelier"\n]', "f.json")) == [
        "f.json: line 2: enregistrement 1 : un objet JSON « { … } » est attendu"
    ]


@pytest.mark.parametrize(
    "changes, column, message",
    [
        ({"publics": ["Ados"]}, "publics", "« Ados » n'est pas un choix possible"),
        ({"initiative": ["La mairie"]}, "initiative", "« La mairie » n'est pas un choix possible"),
        ({"dimension": "Loisirs"}, "dimension", "« Loisirs » n'est pas un choix possible"),
        ({"status": None}, "status", "Ce champ est obligatoire."),
        ({"title": "« … »"}, "title", "Le titre est obligatoire."),
        ({"title": "Ⅷ" * 100}, "title", "Le titre est trop long (400 caractères une fois les ligatures"),
        ({"keywords": ["ok", "Ⅷ" * 60]}, "keywords", "est trop long (240 caractères une fois les ligatures"),
        ({"summary": "un\x00nul"}, "summary", "Caractère interdit U+0000"),
        ({"summary": "moitié \ud800"}, "summary", "Caractère interdit U+D800"),
        ({"centre": {**record()["centre"], "departement_code": "999"}}, "centre", "Département inconnu : « 999 »"),
        ({"funding_lines": [{"label": " ", "amount": None}]}, "funding_lines", "n'a pas de libellé"),
        ({"funding_lines": [""]}, "funding_lines", "n'a pas de libellé"),
        ({"funding_lines": [{"label": "CAF", "amount": "douze"}]}, "funding_lines", "« douze » n'est pas un montant"),
        ({"funding_total": "-3.00"}, "funding_total", "« -3.00 » n'est pas un montant possible"),
        ({"funding_total": "99999999999.00"}, "funding_total", "n'est pas un montant possible"),
    ],
)
def test_bad_values_are_problems_naming_their_key(changes, column, message):
    [problem] = read_json(export_text(record(**changes))).problems

    assert problem.message.startswith(f"enregistrement 1 : « {column} » : ")
    assert message in problem.message


@pytest.mark.parametrize("slug", ["atelier cuisine", "atelier/cuisine", 12, None, "a" * 321])
def test_a_slug_that_is_not_one_is_a_problem(slug):
    [problem] = read_json(export_text(record(slug=slug))).problems

    assert problem.message.startswith("enregistrement 1 : « slug » : ")


def test_an_empty_slug_lets_the_loader_make_one():
    [sheet] = read_json(export_text(record(slug=""))).sheets

    assert sheet.slug == ""


def test_bytes_with_a_bom_are_read_and_undecodable_bytes_are_a_problem_at_their_line():
    text = export_text(record())
    latin1_line = next(number for number, line in enumerate(text.splitlines(), start=1) if "Santé" in line)

    assert len(read_json_bytes(b"\xef\xbb\xbf" + text.encode()).sheets) == 1
    [problem] = read_json_bytes(text.encode().replace("Santé".encode(), b"Sant\xe9"), "f.json").problems
    assert str(problem) == f"f.json: line {latin1_line}: octets illisibles : le fichier n'est pas en UTF-8"


def test_the_reader_expects_the_export_keys_of_the_first_schema_at_least():
    # The sample record is an export of the first schema: the keys added since (issue 14) may be missing.
    assert set(record()) == set(EXPORT_KEYS) - ADDED_KEYS
    assert ADDED_KEYS < set(EXPORT_KEYS)


def test_the_keys_naming_other_actions_may_be_missing_and_are_not_read():
    older = record()  # an export made before reprises existed
    assert "inspired_by" not in older
    [read_older] = read_json(export_text(older)).sheets
    [read_linked] = read_json(export_text(record(inspired_by="une-autre-action"))).sheets

    assert LINK_KEYS == ("inspired_by",)
    assert read_older.content_hash() == read_linked.content_hash()  # the source of a reprise is the site's only
    [problem] = read_json(export_text(record(inspired_by=None, inspire_de="x"))).problems
    assert "clé(s) inconnue(s) : « inspire_de »" in problem.message  # other keys are still refused
