"""Export everything to JSON, import that into an empty database: the new export is the same, byte for byte."""

import json
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from actions_catalog.core.models import Action, FundingLine, Keyword, Partner
from actions_catalog.core.writer import SheetLoader
from centres.models import Centre


def export(path) -> bytes:
    call_command("export_actions", "--format", "json", "--output", str(path))
    return path.read_bytes()


def import_json(path, capsys) -> str:
    call_command("import_actions", "--format", "json", str(path))
    return capsys.readouterr().out


def empty_the_catalogue():
    Action.objects.all().delete()
    Centre.objects.all().delete()
    Keyword.objects.all().delete()
    Partner.objects.all().delete()


@pytest.fixture
def curated(seeded, seed_sheets):
    """The seed actions after some curation the scraped sheets cannot express."""
    ski = Action.objects.get(title="Mise en place séjour au ski interquartier")
    ski.slug = "ski-interquartier"  # a slug that is not its title's
    ski.declared_total = Decimal("25000.00")  # more than the sum of its lines
    ski.save()
    barcelona = Action.objects.get(title="Séjour Autofinancé Barcelone")
    FundingLine.objects.create(action=barcelona, label="Bénévolat", amount=None, position=99)
    # The same title in another centre: its slug takes a suffix.
    SheetLoader().load([replace(seed_sheets[0], centre_name="Centre social du Lac", departement_code="74")])
    assert Action.objects.filter(title=seed_sheets[0].title).count() == 2


@pytest.mark.django_db
def test_exporting_and_importing_into_an_empty_database_reproduces_the_export(curated, tmp_path, capsys):
    first = export(tmp_path / "first.json")
    empty_the_catalogue()
    assert Action.objects.count() == 0

    summary = import_json(tmp_path / "first.json", capsys)

    assert "created: 23, updated: 0, unchanged: 0, duplicates: 0, rejected: 0" in summary
    assert export(tmp_path / "second.json") == first
    assert len(json.loads(first)) == 23
    assert Action.objects.filter(slug="ski-interquartier").exists()


@pytest.mark.django_db
def test_importing_the_same_export_twice_changes_nothing_the_second_time(curated, tmp_path, capsys):
    export(tmp_path / "export.json")
    empty_the_catalogue()
    import_json(tmp_path / "export.json", capsys)

    summary = import_json(tmp_path / "export.json", capsys)

    assert "created: 0, updated: 0, unchanged: 23" in summary


@pytest.mark.django_db
def test_a_bad_record_rejects_the_json_import_with_its_line_and_writes_nothing(seeded, tmp_path, capsys):
    path = tmp_path / "export.json"
    records = json.loads(export(path))
    records[1]["status"] = "En pause"
    path.write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")
    empty_the_catalogue()

    with pytest.raises(CommandError, match=r"1 invalid sheet\(s\), nothing was written") as failure:
        call_command("import_actions", "--format", "json", str(path))

    assert failure.value.returncode == 1
    starts = [number for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text == "  {"]
    line = starts[1]
    assert f"export.json: line {line}: enregistrement 2 : « status » : « En pause » n'est pas un choix" in (
        capsys.readouterr().err
    )
    assert Action.objects.count() == 0


@pytest.mark.django_db
def test_the_default_format_is_still_the_scraped_text(reference_data, seed_path, capsys):
    call_command("import_actions", str(seed_path))

    assert "created: 22" in capsys.readouterr().out
