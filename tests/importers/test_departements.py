"""Matching the département written on a sheet, and the reference data it is matched against."""

import csv
from pathlib import Path

import pytest

from centres.models import Departement, Region
from importers.departements import REFERENCE_CSV, departement_key, departement_name, resolve_departement

DATA = Path(__file__).resolve().parents[2] / "centres" / "data"


def read_csv(name):
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    "text, code",
    [
        ("Haute-Savoie", "74"),
        ("haute savoie", "74"),
        ("HAUTE-SAVOIE", "74"),
        ("Côtes-d'Armor", "22"),
        ("Cotes d'Armor", "22"),
        ("Côtes d’Armor", "22"),  # typographic apostrophe
        ("cotes darmor", "22"),
        ("Val dOise", "95"),
        ("Seine Saint-Denis", "93"),
        ("Seine-Saint-Denis", "93"),
        ("Seine St Denis", "93"),
        ("Seine-St-Denis", "93"),
        ("Val-d'Oise", "95"),
        ("Val d Oise", "95"),
        ("Puy-de-Dôme", "63"),
        ("Bouches du Rhone", "13"),
        ("Rhône", "69"),
        ("La Réunion", "974"),
        ("Réunion", "974"),
        ("Ile de la Réunion", "974"),
        ("Paris", "75"),
        ("Ville de Paris", "75"),
        ("Territoire de Belfort", "90"),
        ("Belfort", "90"),
        ("Corse-du-Sud", "2A"),
        ("Corse Sud", "2A"),
        ("Haute-Corse", "2B"),
        ("Guyane", "973"),
        ("Guyane française", "973"),
        ("Côtes-du-Nord", "22"),
        ("Ste Hélène", None),
        ("  Nord  ", "59"),
        ("Alpes-Maritimes", "06"),
    ],
)
def test_departement_names_and_variants(text, code):
    assert resolve_departement(text) == code


@pytest.mark.parametrize(
    "text, code",
    [
        ("69", "69"),
        ("06", "06"),
        ("2A", "2A"),
        ("2b", "2B"),
        ("974", "974"),
        ("Rhône (69)", "69"),
        ("Rhone(69)", "69"),
        ("Corse-du-Sud (2a)", "2A"),
        ("(974)", "974"),
        ("Rhône (75)", None),  # name and code disagree
        ("Atlantide (99)", None),
        ("20", None),  # Corsica has had two départements since 1976
        ("96", None),
        ("975", None),  # Saint-Pierre-et-Miquelon is a collectivité, not a département
    ],
)
def test_departement_codes(text, code):
    assert resolve_departement(text) == code


@pytest.mark.parametrize("text", ["", "   ", "Atlantide", "Île-de-France", "Bretagne", "France", "Corse", "-"])
def test_unknown_departements(text):
    assert resolve_departement(text) is None


def test_departement_key_ignores_accents_case_hyphens_and_apostrophes():
    assert departement_key("Côtes-d’Armor") == departement_key("COTES D'ARMOR") == "cotesdarmor"
    assert departement_key("Seine-St-Denis") == "seinesaintdenis"
    assert departement_key("Ste-Foy") == "saintefoy"


def test_departement_keys_do_not_collide():
    names = [row["name"] for row in read_csv("departements.csv")]
    assert len({departement_key(name) for name in names}) == len(names)


def test_departement_name():
    assert departement_name("22") == "Côtes-d'Armor"
    assert departement_name("2A") == "Corse-du-Sud"


def test_matcher_reads_the_reference_csv():
    assert REFERENCE_CSV == DATA / "departements.csv"
    assert all(resolve_departement(row["name"]) == row["code"] for row in read_csv("departements.csv"))
    assert all(resolve_departement(row["code"]) == row["code"] for row in read_csv("departements.csv"))


# -- Reference data -------------------------------------------------------------------------------------


def test_reference_csv_has_101_departements_with_unique_codes_and_names():
    rows = read_csv("departements.csv")
    assert len(rows) == 101
    assert len({row["code"] for row in rows}) == 101
    assert len({row["name"] for row in rows}) == 101
    codes = {row["code"] for row in rows}
    assert {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B", "971", "972", "973", "974", "976"} == codes


def test_reference_csv_has_the_18_current_regions():
    rows = {row["code"]: row["name"] for row in read_csv("regions.csv")}
    assert rows == {
        "01": "Guadeloupe",
        "02": "Martinique",
        "03": "Guyane",
        "04": "La Réunion",
        "06": "Mayotte",
        "11": "Île-de-France",
        "24": "Centre-Val de Loire",
        "27": "Bourgogne-Franche-Comté",
        "28": "Normandie",
        "32": "Hauts-de-France",
        "44": "Grand Est",
        "52": "Pays de la Loire",
        "53": "Bretagne",
        "75": "Nouvelle-Aquitaine",
        "76": "Occitanie",
        "84": "Auvergne-Rhône-Alpes",
        "93": "Provence-Alpes-Côte d'Azur",
        "94": "Corse",
    }


def test_every_departement_belongs_to_an_existing_region():
    regions = {row["code"] for row in read_csv("regions.csv")}
    departements = read_csv("departements.csv")
    assert {row["region_code"] for row in departements} == regions  # and every région has a département
    by_code = {row["code"]: row for row in departements}
    assert by_code["75"]["region_code"] == "11"
    assert by_code["69"]["region_code"] == "84"
    assert by_code["21"]["region_code"] == "27"
    assert by_code["29"]["region_code"] == "53"
    assert by_code["2A"]["region_code"] == "94"
    assert by_code["974"]["region_code"] == "04"


@pytest.mark.django_db
def test_data_migration_loaded_the_reference_data():
    assert Region.objects.count() == 18
    assert Departement.objects.count() == 101
    expected = {(row["code"], row["name"], row["region_code"]) for row in read_csv("departements.csv")}
    assert set(Departement.objects.values_list("code", "name", "region_id")) == expected
    assert set(Region.objects.values_list("code", "name")) == {
        (row["code"], row["name"]) for row in read_csv("regions.csv")
    }
    assert Region.objects.get(code="11").name == "Île-de-France"
    assert Departement.objects.get(code="22").slug == "cotes-darmor"
    assert Departement.objects.get(code="2A").region.name == "Corse"
    assert str(Departement.objects.get(code="974")) == "La Réunion (974)"
