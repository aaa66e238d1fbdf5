"""What a submission changes, field by field and word by word: the published sheet against the proposed one.

Free texts are compared word by word (``core.word_diff``), keeping their line breaks; lists item by item (the
order of keywords, partners, publics, initiatives and years carries no meaning, that of funding lines does);
a choice or an amount is replaced whole. A new sheet is compared with nothing: every filled field is new.
"""

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from actions_catalog.core.amounts import euros
from actions_catalog.core.choices import Dimension, Initiative, Public, Status, Territory
from actions_catalog.core.sheet import SheetData
from actions_catalog.core.text import normalize_key
from actions_catalog.core.word_diff import DELETE, EQUAL, INSERT, Segment
from actions_catalog.core.word_diff import diff as word_diff

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
#: Lists compared item by item, in their order: the funding lines, and the labels, which keep the sheet's order
#: (issue 14: reordering keywords or partners is a change).
ORDERED = {"funding_lines", "keywords", "partners"}
#: Labels compared by their identity key.
ORDERED_LABELS = {"keywords", "partners"}


@dataclass
class DiffRow:
    name: str
    label: str
    old: str
    new: str
    changed: bool
    #: The old value, its removed parts marked (``DELETE``); the new value, its added parts marked (``INSERT``).
    old_segments: list[Segment] = field(default_factory=list)
    new_segments: list[Segment] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.old and not self.new


def display(name: str, value) -> str:
    """A field's value as a moderator reads it (labels, not slugs; one list item per line)."""
    return "\n".join(_items(name, value))


def _items(name: str, value) -> list[str]:
    if value is None or value == "" or value == []:
        return []
    if name in CHOICES:
        return [CHOICES[name](value).label]
    if name in CHOICE_LISTS:
        return [CHOICE_LISTS[name](v).label for v in value]
    if name == "funding_lines":
        return [line.label if line.amount is None else f"{line.label} : {euros(line.amount)}" for line in value]
    if name == "declared_total":
        return [euros(value)]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _comparable(name: str, value):
    if name in UNORDERED:
        return sorted(normalize_key(str(v)) for v in value)
    if name in ORDERED_LABELS:
        return [normalize_key(str(v)) for v in value]
    if isinstance(value, str):
        return " ".join(value.split())
    return value


def _lines(items: list[str], marked: set[int], op: str) -> list[Segment]:
    """Items one per line, those at the ``marked`` positions as ``op`` segments."""
    segments: list[Segment] = []
    for position, item in enumerate(items):
        if position:
            segments.append(Segment(EQUAL, "\n"))
        segments.append(Segment(op if position in marked else EQUAL, item))
    return segments


def _list_segments(name: str, old: list[str], new: list[str]) -> tuple[list[Segment], list[Segment]]:
    if name in UNORDERED:
        old_keys, new_keys = [normalize_key(item) for item in old], [normalize_key(item) for item in new]
        removed = {i for i, key in enumerate(old_keys) if key not in set(new_keys)}
        added = {i for i, key in enumerate(new_keys) if key not in set(old_keys)}
        return _lines(old, removed, DELETE), _lines(new, added, INSERT)
    removed, added = set(), set()
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            removed.update(range(i1, i2))
            added.update(range(j1, j2))
    return _lines(old, removed, DELETE), _lines(new, added, INSERT)


def _segments(name: str, old_value, new_value) -> tuple[list[Segment], list[Segment]]:
    old_items, new_items = _items(name, old_value), _items(name, new_value)
    if name in UNORDERED or name in ORDERED or name in CHOICE_LISTS:
        return _list_segments(name, old_items, new_items)
    old_text, new_text = "\n".join(old_items), "\n".join(new_items)
    if name in CHOICES or name == "declared_total":  # a value replaced whole
        if old_text == new_text:
            return _lines(old_items, set(), EQUAL), _lines(new_items, set(), EQUAL)
        return _lines(old_items, {0}, DELETE), _lines(new_items, {0}, INSERT)
    text = word_diff(old_text, new_text)
    return text.old, text.new


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
        if changed:
            old_segments, new_segments = _segments(name, old_value, new_value)
        else:  # unchanged (whitespace aside): shown as it is
            old_segments = [Segment(EQUAL, display(name, old_value))] if old is not None else []
            new_segments = [Segment(EQUAL, display(name, new_value))]
        rows.append(
            DiffRow(
                name=name,
                label=label,
                old=display(name, old_value) if old is not None else "",
                new=display(name, new_value),
                changed=changed,
                old_segments=old_segments,
                new_segments=new_segments,
            )
        )
    return rows
