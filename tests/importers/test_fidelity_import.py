"""Issue 14, importer fidelity, through the command, the writer and the export: warnings and ``--strict``, the
sheet's order of keywords and partners, partners by role, the seed's funding, the added export keys read back,
and the first re-import after the upgrade."""

import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from actions_catalog.core.export_schema import ADDED_KEYS, export_rows, flat_row
from actions_catalog.core.mapper import sheet_from_action
from actions_catalog.core.models import Action, ActionKeyword, ActionPartner
from actions_catalog.core.sheet import GENERIC_PARTNER_ROLE, PartnerGroup
from actions_catalog.core.writer import SheetLoader
from importers.json_reader import read_json
from importers.records import sheet_from_record
from tests.factories import make_sheet, sheet_file, sheet_text

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_actions", *[str(arg) for arg in args], stdout=out, stderr=err)
    except CommandError as failure:
        return failure.returncode, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def near_miss_sheet(title: str = "Atelier cuisine") -> str:
    return sheet_text(title).replace(
        "- Ressources financières mobilisées pour cette action\n",
        "- Ressources financières mobilisées pour cette action\n"
        "- Résultat pour les habitants\nDes liens.\n- Suite de l'action - Limite\nLe manque de bénévoles.\n",
    )


@pytest.fixture
def warned_file(tmp_path):
    """Two sheets; the first holds a line close to a label (line 20)."""
    path = tmp_path / "fiches.txt"
    path.write_text(sheet_file(near_miss_sheet(), sheet_text("Jardin partagé")), encoding="utf-8")
    return path


WARNING = (
    "line 20: avertissement : libellé inconnu, rattaché à « Résultat pour les habitants » : "
    "« - Suite de l'action - Limite » (proche de « Suite de l'action : Limites »)"
)


def test_warnings_go_to_stderr_with_their_line_and_the_summary_counts_them(warned_file):
    status, out, err = run(warned_file)
    assert status == 0
    assert out == "created: 2, updated: 0, unchanged: 0, duplicates: 0, rejected: 0, warnings: 1\n"
    assert err == f"{warned_file}: {WARNING}\n"
    atelier = Action.objects.get(title="Atelier cuisine")
    assert atelier.result_residents == "Des liens.\n- Suite de l'action - Limite\nLe manque de bénévoles."
    assert atelier.limits == ""


def test_strict_makes_label_warnings_problems_and_writes_nothing(warned_file):
    status, out, err = run(warned_file, "--strict")
    assert status == 1
    assert out == "created: 0, updated: 0, unchanged: 0, duplicates: 0, rejected: 1, warnings: 0\n"
    assert f"{warned_file}: {WARNING.replace('avertissement : ', '')}" in err.splitlines()
    assert not Action.objects.exists()


def test_strict_with_skip_invalid_writes_the_other_sheets(warned_file):
    status, out, _ = run(warned_file, "--strict", "--skip-invalid")
    assert (status, out) == (2, "created: 1, updated: 0, unchanged: 0, duplicates: 0, rejected: 1, warnings: 0\n")
    assert list(Action.objects.values_list("title", flat=True)) == ["Jardin partagé"]


def test_strict_checks_a_sheet_already_imported_too(warned_file):
    run(warned_file)
    status, _, err = run(warned_file, "--strict")
    assert status == 1 and "libellé inconnu" in err  # not skipped as a known text


def test_strict_does_not_cover_the_later_sheet_wins_note(tmp_path):
    path = tmp_path / "deux.txt"
    path.write_text(sheet_file(sheet_text(summary="Ancienne"), sheet_text(summary="Nouvelle")), encoding="utf-8")
    status, out, err = run(path, "--strict")
    assert (status, out) == (0, "created: 1, updated: 0, unchanged: 0, duplicates: 1, rejected: 0, warnings: 1\n")
    assert "avertissement : « Atelier cuisine » est remplacée" in err


def test_the_seed_imports_without_warning_also_strictly(seed_path):
    status, out, err = run(seed_path, "--strict")
    assert (status, err) == (0, "")
    assert out == "created: 22, updated: 0, unchanged: 0, duplicates: 3, rejected: 0, warnings: 0\n"


# -- The seed, as the export gives it ------------------------------------------------------------------------


def test_the_seed_keeps_the_order_of_keywords_and_partners_of_its_sheets(seeded, seed_sheets):
    rows = {row["title"]: row for row in export_rows()}
    for sheet in seed_sheets:
        assert rows[sheet.title]["keywords"] == sheet.keywords, sheet.title
        assert rows[sheet.title]["partners"] == sheet.partners == ["ANCV"]
        assert rows[sheet.title]["partner_groups"] == [{"role": GENERIC_PARTNER_ROLE, "partners": ["ANCV"]}]
    assert rows["SAMEDIS FESTIFS"]["keywords"] == ["Culture", "vacances / loisirs", "Mixité sociale"]


def test_the_seeds_funding_as_a_careful_person_reads_it(seeded):
    rows = {row["title"]: row for row in export_rows()}
    agantic = rows["Actions d'accompagnement et de soutien à la parentalité"]
    assert [line["label"] for line in agantic["funding_lines"]] == [
        "CAF (ACF)",
        "REAAP",
        "Mairie de Ganges",
        "CD34",
        "FONJEP",
        "ANCV",
    ]
    assert agantic["funding_declared_total"] == agantic["funding_total"] == "62000.00"
    for title, total in (
        ("Séjour collectif famille sénior", "24800.00"),
        ("Les petites vadrouilles : sorties intergénérationnelles", "15000.00"),
    ):
        assert (rows[title]["funding_total"], rows[title]["funding_declared_total"]) == (total, total)
        assert rows[title]["funding_consistent"] is None  # no line
    ski = rows["Mise en place séjour au ski interquartier"]
    assert (ski["funding_declared_total"], ski["funding_consistent"]) == ("21280.00", True)
    # The only seed sheet whose funding text cites amounts that no line took.
    flagged = Action.objects.filter(funding_to_check=True).values_list("title", flat=True)
    assert list(flagged) == ["Départ en vacances pour tous"]


# -- Order and roles through the writer ----------------------------------------------------------------------


def roles_sheet(**overrides):
    values = {
        "keywords": ["Zèbre", "abeille", "Culture"],
        "partners": ["Mairie de Lyon", "ANCV", "CAF du Rhône"],
        "partner_groups": [
            PartnerGroup("Partenaires techniques", ["Mairie de Lyon", "ANCV"]),
            PartnerGroup("Partenaires financiers", ["CAF du Rhône", "ANCV"]),
        ],
    }
    return make_sheet(**values | overrides)


def test_the_writer_keeps_the_sheets_order_and_a_partner_once_per_role(reference_data):
    action = SheetLoader().save_sheet(roles_sheet(), action=None, state="published")
    keywords = ActionKeyword.objects.filter(action=action).order_by("position")
    assert [(link.position, link.keyword.label) for link in keywords] == [(1, "Zèbre"), (2, "abeille"), (3, "Culture")]
    partners = ActionPartner.objects.filter(action=action).order_by("position")
    assert [(link.position, link.partner.label, link.role) for link in partners] == [
        (1, "Mairie de Lyon", "Partenaires techniques"),
        (2, "ANCV", "Partenaires techniques"),
        (3, "CAF du Rhône", "Partenaires financiers"),
        (4, "ANCV", "Partenaires financiers"),
    ]
    read = sheet_from_action(Action.objects.with_sheet_relations().get(pk=action.pk))
    assert read.keywords == ["Zèbre", "abeille", "Culture"]
    assert read.partners == ["Mairie de Lyon", "ANCV", "CAF du Rhône"]
    assert read.partner_groups == roles_sheet().partner_groups
    assert action.keyword_labels == "Zèbre abeille Culture"


def test_a_changed_order_is_an_update(reference_data):
    action = SheetLoader().save_sheet(roles_sheet(), action=None, state="published")
    report = SheetLoader().load([roles_sheet(keywords=["Culture", "Zèbre", "abeille"])])
    assert (report.updated, report.unchanged) == (1, 0)
    assert sheet_from_action(Action.objects.with_sheet_relations().get(pk=action.pk)).keywords == [
        "Culture",
        "Zèbre",
        "abeille",
    ]


def test_the_export_carries_the_added_keys_and_reads_them_back(reference_data):
    sheet = roles_sheet(years=[2022, 2023], declared_total=Decimal("9000.00"))
    SheetLoader().save_sheet(sheet, action=None, state="published")
    [record] = export_rows()
    assert record["partners"] == ["Mairie de Lyon", "ANCV", "CAF du Rhône"]
    assert record["partner_groups"] == [
        {"role": "Partenaires techniques", "partners": ["Mairie de Lyon", "ANCV"]},
        {"role": "Partenaires financiers", "partners": ["CAF du Rhône", "ANCV"]},
    ]
    assert (record["years"], record["files"]) == ([2022, 2023], [])
    assert (record["funding_declared_total"], record["funding_consistent"]) == ("9000.00", True)
    read = sheet_from_record(record)
    assert (read.partners, read.partner_groups, read.years) == (sheet.partners, sheet.partner_groups, sheet.years)
    assert read.declared_total == Decimal("9000.00")
    assert read.omitted == {"declares_files", "files_text"}  # the files only are the action's


def test_the_groups_win_over_the_flat_partners_when_they_disagree(reference_data):
    SheetLoader().save_sheet(roles_sheet(), action=None, state="published")
    [record] = export_rows()
    record["partners"] = ["Quelqu'un d'autre"]
    read = sheet_from_record(record)
    assert read.partners == ["Mairie de Lyon", "ANCV", "CAF du Rhône"]


def test_a_flat_row_carries_the_groups_as_json_and_reads_back(reference_data):
    from actions_catalog.core.export_schema import FLAT_COLUMNS, restore_formula

    SheetLoader().save_sheet(roles_sheet(years=[2021]), action=None, state="published")
    [record] = export_rows()
    row = dict(zip(FLAT_COLUMNS, flat_row(record), strict=True))
    assert json.loads(row["partner_groups"]) == record["partner_groups"]
    assert (row["years"], row["funding_consistent"]) == ("2021", "oui")
    read = sheet_from_record({key: restore_formula(value) for key, value in row.items()})
    assert (read.partner_groups, read.years) == (roles_sheet().partner_groups, [2021])


def test_bad_added_keys_are_problems_of_their_column():
    from importers.records import RecordError

    record = {"title": "T", "centre": "C", "departement_code": "31", "status": "En cours"}
    for column, value in (("partner_groups", "pas du JSON"), ("partner_groups", [{"role": 3}]), ("years", ["1789"])):
        with pytest.raises(RecordError) as caught:
            sheet_from_record(record | {column: value})
        assert list(caught.value.errors) == [column]


def test_an_export_older_than_the_added_keys_keeps_the_actions_roles_and_years(reference_data):
    action = SheetLoader().save_sheet(roles_sheet(years=[2020]), action=None, state="published")
    [record] = export_rows()
    for key in ADDED_KEYS:
        record.pop(key)
    record["summary"] = "Un autre résumé."
    [sheet] = read_json(json.dumps([record]), "ancien.json").sheets
    assert SheetLoader().load([sheet]).updated == 1
    read = sheet_from_action(Action.objects.with_sheet_relations().get(pk=action.pk))
    assert (read.summary, read.years, read.partner_groups) == ("Un autre résumé.", [2020], roles_sheet().partner_groups)


def test_a_json_export_imported_into_an_empty_database_gives_the_same_export(reference_data, tmp_path):
    SheetLoader().save_sheet(roles_sheet(years=[2021, 2022]), action=None, state="published")
    first = tmp_path / "first.json"
    call_command("export_actions", "--output", str(first))
    Action.objects.all().delete()
    run("--format", "json", first)
    second = tmp_path / "second.json"
    call_command("export_actions", "--output", str(second))
    assert second.read_bytes() == first.read_bytes()


# -- The first re-import after the upgrade -------------------------------------------------------------------


def test_after_the_upgrade_the_next_import_reads_the_sheets_again_then_nothing(seed_path):
    run(seed_path)
    # What migration 0011 does to imported actions: their content hash is emptied.
    Action.objects.update(content_hash="")
    status, out, _ = run(seed_path)
    assert (status, out) == (0, "created: 0, updated: 22, unchanged: 0, duplicates: 3, rejected: 0, warnings: 0\n")
    assert run(seed_path)[1] == "created: 0, updated: 0, unchanged: 22, duplicates: 3, rejected: 0, warnings: 0\n"
