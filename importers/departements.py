"""Match the département written on a sheet against the INSEE reference data (no database needed)."""

import csv
import re
from functools import cache
from pathlib import Path

from actions_catalog.core.text import normalize_key

REFERENCE_CSV = Path(__file__).resolve().parent.parent / "centres" / "data" / "departements.csv"

#: Spellings seen in the wild that the reference names do not cover, by normalized key.
VARIANTS = {
    "reunion": "974",
    "ile de la reunion": "974",
    "ville de paris": "75",
    "belfort": "90",
    "corse sud": "2A",
    "haute corse": "2B",
    "cotes du nord": "22",
    "guyane francaise": "973",
}
_ABBREVIATIONS = {"st": "saint", "ste": "sainte"}
_WITH_CODE = re.compile(r"^(?P<name>.*?)\s*\(\s*(?P<code>\d[0-9ab]\d?)\s*\)$", re.IGNORECASE)


def departement_key(text: str) -> str:
    """Accents, case, hyphens, apostrophes and spaces ignored; ``St``/``Ste`` spelt out.

    ``Seine St Denis`` → ``seinesaintdenis``; ``Cotes d'Armor`` and ``Côtes darmor`` → ``cotesdarmor``.
    """
    return "".join(_ABBREVIATIONS.get(word, word) for word in normalize_key(text).split())


@cache
def _reference() -> tuple[dict[str, str], dict[str, str]]:
    """(code → name, key → code) read from the reference CSV."""
    names, keys = {}, {}
    with REFERENCE_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            names[row["code"]] = row["name"]
            keys[departement_key(row["name"])] = row["code"]
    keys.update({departement_key(variant): code for variant, code in VARIANTS.items()})
    return names, keys


def resolve_departement(text: str) -> str | None:
    """The INSEE code of the département named by ``text`` (a name, a variant, a code, or "Name (code)")."""
    names, keys = _reference()
    text = text.strip()
    if (code := text.upper()) in names:
        return code
    if match := _WITH_CODE.match(text):
        code = match["code"].upper()
        if code in names and (not match["name"] or keys.get(departement_key(match["name"])) == code):
            return code
        return None
    return keys.get(departement_key(text))


def departement_name(code: str) -> str:
    return _reference()[0][code]
