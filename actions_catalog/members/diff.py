"""What a submission changes, field by field: the published sheet against the proposed one."""

from dataclasses import dataclass

from actions_catalog.core.choices import Dimension, Initiative, Public, Status, Territory
from actions_catalog.core.sheet import SheetData
from actions_catalog.core.text import normalize_key

#: (SheetData field, French label), in the order of the sheet.
FIELDS = (
    ("title", "Titre"),
    ("centre_name", "Structure organisatrice"),
    ("years", "Année(s)"),
    ("status", "Statut de l'action"),
    ("end_reason", "Raisons pour lesquelles l'action est terminée"),
    ("dimension", "Dimension"),
    ("keywords", "Mots clés"),
    ("summary", "Résumé"),
    ("initiatives", "Qui est à l'initiative de l'action ?"),
    ("territory", "Territoire concerné"),
    ("context", "Description de l'expérience"),
    ("publics", "Public"),
    ("partners", "Partenaires"),
    ("description", "Description générale"),
    ("funding_lines", "Lignes de financement"),
    ("declared_total", "Budget total déclaré"),
    ("funding_text", "Ressources financières : précisions"),
    ("people_text", "Personnes mobilisées"),
    ("result_territory", "Résultat sur le territoire"),
    ("result_centre", "Résultat pour le centre social"),
    ("result_residents", "Résultat pour les habitants"),
    ("limits", "Suite de l'action : limites"),
    ("outlook", "Suite de l'action : perspectives"),
)
CHOICES = {"status": Status, "dimension": Dimension, "territory": Territory}
CHOICE_LISTS = {"initiatives": Initiative, "publics": Public}
#: Lists whose order carries no meaning: reordering them is not a change.
UNORDERED = {"initiatives", "publics", "years"}
#: Labels compared by their identity key, in the sheet's order (issue 14: reordering them is a change).
ORDERED_LABELS = {"keywords", "partners"}


@dataclass
class DiffRow:
    label: str
    old: str
    new: str
    changed: bool


def display(name: str, value) -> str:
    """A field's value as a moderator reads it (labels, not slugs; one list item per line)."""
    if value is None or value == "" or value == []:
        return ""
    if name in CHOICES:
        return CHOICES[name](value).label
    if name in CHOICE_LISTS:
        return "\n".join(CHOICE_LISTS[name](v).label for v in value)
    if name == "funding_lines":
        return "\n".join(
            line.label if line.amount is None else f"{line.label} : {_euros(line.amount)}" for line in value
        )
    if name == "declared_total":
        return _euros(value)
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def _euros(amount) -> str:
    return f"{amount:,.2f} €".replace(",", "\u202f").replace(".", ",")


def _comparable(name: str, value):
    if name in UNORDERED:
        return sorted(normalize_key(str(v)) for v in value)
    if name in ORDERED_LABELS:
        return [normalize_key(str(v)) for v in value]
    if isinstance(value, str):
        return " ".join(value.split())
    return value


def sheet_diff(old: SheetData | None, new: SheetData) -> list[DiffRow]:
    """One row per field; ``old`` is ``None`` for a new action (then every filled field counts as changed)."""
    rows = []
    for name, label in FIELDS:
        new_value = getattr(new, name)
        old_value = getattr(old, name) if old is not None else None
        if old is None:
            changed = bool(display(name, new_value))
        else:
            changed = _comparable(name, old_value) != _comparable(name, new_value)
        rows.append(
            DiffRow(label, display(name, old_value) if old is not None else "", display(name, new_value), changed)
        )
    return rows
