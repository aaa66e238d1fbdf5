"""The synthetic sheet generator (importers.synthetic) and its command generate_sheets."""

import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from actions_catalog.core.models import Action, ActionAlias
from actions_catalog.core.writer import action_identity
from centres.models import Centre
from importers.parser import parse_text
from importers.synthetic import REPEAT_RATE, SheetGenerator, read_departements, seed_profile


def generate(actions: int, centres: int, seed: int = 0) -> tuple[str, SheetGenerator]:
    generator = SheetGenerator(actions=actions, centres=centres, seed=seed)
    handle = io.StringIO()
    generator.write(handle)
    return handle.getvalue(), generator


@pytest.fixture(scope="module")
def big():
    """3,000 actions of 150 centres, parsed once for the module."""
    text, generator = generate(3000, 150, seed=11)
    return text, generator, parse_text(text, "generated.txt")


def test_same_seed_same_text_other_seed_other_text():
    first, _ = generate(200, 20, seed=5)
    assert generate(200, 20, seed=5)[0] == first
    assert generate(200, 20, seed=6)[0] != first


def test_generated_file_parses_with_no_problem(big):
    text, generator, result = big
    assert result.problems == []
    assert len(result.sheets) == generator.counts.sheets == text.count("\nActions\n")


def test_distinct_identities_equal_the_actions_asked(big):
    _, _, result = big
    assert len({action_identity(sheet) for sheet in result.sheets}) == 3000


def test_every_centre_has_actions_and_every_departement_a_centre(big):
    _, _, result = big
    centres = {(sheet.departement_code, sheet.centre_name) for sheet in result.sheets}
    assert len(centres) == 150
    assert {code for code, _ in centres} == {code for code, _name in read_departements()}


def test_about_five_percent_exact_repeats(big):
    _, generator, result = big
    seen, repeats = set(), 0
    for sheet in result.sheets:
        repeats += sheet.raw_text in seen
        seen.add(sheet.raw_text)
    assert repeats == generator.counts.repeats
    assert REPEAT_RATE * 0.7 < repeats / 3000 < REPEAT_RATE * 1.3


def test_updated_sheets_come_later_with_the_same_identity_and_other_content(big):
    _, generator, result = big
    first_content, updated = {}, 0
    for sheet in result.sheets:
        identity = action_identity(sheet)
        if identity in first_content and sheet.content_hash() != first_content[identity]:
            updated += 1
            assert sheet.status == "terminee"
        first_content.setdefault(identity, sheet.content_hash())
    assert updated >= generator.counts.updates > 0


def test_distributions_follow_the_seed(big):
    _, _, result = big
    sheets = result.sheets
    keywords = Counter(label for sheet in sheets for label in sheet.keywords)
    popular = seed_profile().keywords.values[:3]
    # Skewed popularity: the seed's most used keyword leads, and is far more used than the median one.
    assert keywords.most_common(1)[0][0] == popular[0]
    counts = sorted(keywords.values())
    assert counts[-1] > 5 * counts[len(counts) // 2]
    assert {sheet.status for sheet in sheets} == {"en-cours", "terminee"}
    assert len({public for sheet in sheets for public in sheet.publics}) == 6
    assert any(sheet.funding_lines and sheet.funding_lines[0].amount for sheet in sheets)
    assert any(sheet.declared_total is not None for sheet in sheets)
    assert any(re.search(r"\b20[12]\d\b", sheet.title) for sheet in sheets)
    # Varied titles: few of them repeat across centres.
    assert len({sheet.title for sheet in sheets}) > 0.5 * len(sheets)
    # Text lengths like the seed's: a sheet of a few kilobytes on average, not empty, not huge.
    average = sum(len(sheet.raw_text) for sheet in sheets) / len(sheets)
    assert 1500 < average < 8000


def test_one_centre_many_actions_keeps_titles_distinct():
    text, _ = generate(600, 1, seed=3)
    result = parse_text(text)
    assert result.problems == []
    assert len({action_identity(sheet) for sheet in result.sheets}) == 600


def test_generator_rejects_impossible_sizes():
    with pytest.raises(ValueError):
        SheetGenerator(actions=-1, centres=1)
    with pytest.raises(ValueError):
        SheetGenerator(actions=10, centres=0)


def test_command_writes_the_same_bytes_as_the_generator(tmp_path):
    path = tmp_path / "sheets.txt"
    err = io.StringIO()
    call_command("generate_sheets", actions=120, centres=12, seed=4, output=str(path), stderr=err)
    assert path.read_bytes() == generate(120, 12, seed=4)[0].encode("utf-8")
    assert re.search(r"\d+ sheets written: 120 actions of 12 centres, \d+ repeats, \d+ updates", err.getvalue())
    assert not (tmp_path / "sheets.txt.partial").exists()


def test_command_writes_to_standard_output_with_a_dash():
    out = io.StringIO()
    call_command("generate_sheets", actions=30, centres=3, seed=4, output="-", stdout=out, stderr=io.StringIO())
    assert out.getvalue() == generate(30, 3, seed=4)[0]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"actions": 0, "centres": 1}, "--actions must be between 1"),
        ({"actions": -5, "centres": 1}, "--actions must be between 1"),
        ({"actions": 10, "centres": 0}, "--centres must be at least 1"),
        ({"actions": 10, "centres": 11}, "cannot exceed --actions"),
    ],
)
def test_command_rejects_bad_options(tmp_path, options, message):
    path = tmp_path / "sheets.txt"
    with pytest.raises(CommandError, match=message):
        call_command("generate_sheets", output=str(path), **options)
    assert not path.exists()


def test_command_rejects_a_missing_directory_and_a_directory(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("generate_sheets", actions=5, centres=1, output=str(tmp_path / "nowhere" / "f.txt"))
    with pytest.raises(CommandError, match="is a directory"):
        call_command("generate_sheets", actions=5, centres=1, output=str(tmp_path))


def test_command_requires_its_options(tmp_path):
    with pytest.raises(CommandError, match="--actions"):
        call_command("generate_sheets", "--centres", "2", "--output", str(tmp_path / "f.txt"))
    with pytest.raises(CommandError, match="invalid int value"):
        call_command("generate_sheets", "--actions", "many", "--centres", "2", "--output", str(tmp_path / "f.txt"))


@pytest.mark.django_db
def test_a_generated_file_imports_into_exactly_the_actions_asked(tmp_path):
    path = tmp_path / "sheets.txt"
    call_command("generate_sheets", actions=150, centres=15, seed=2, output=str(path), stderr=io.StringIO())
    out, err = io.StringIO(), io.StringIO()
    call_command("import_actions", str(path), stdout=out, stderr=err)
    summary = out.getvalue().strip().splitlines()[-1]
    created, updated, unchanged, duplicates, rejected, _warnings = map(int, re.findall(r"\d+", summary))
    assert not [line for line in err.getvalue().splitlines() if "libellé" in line or "rubrique" in line]
    sheets = parse_text(path.read_text(encoding="utf-8")).sheets
    assert (created, updated, unchanged, rejected) == (150, 0, 0, 0)
    assert duplicates == len(sheets) - 150
    assert Action.objects.count() == 150
    assert Centre.objects.count() == 15
    assert not ActionAlias.objects.exists()
    # Importing it again writes nothing.
    out = io.StringIO()
    call_command("import_actions", str(path), stdout=out, stderr=io.StringIO())
    assert out.getvalue().strip().splitlines()[-1].startswith("created: 0, updated: 0, unchanged: 150,")
