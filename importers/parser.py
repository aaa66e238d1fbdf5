"""The parser of scraped action sheets: text in, SheetData and line-numbered problems out. No database.

A file holds a header line, then sheets. Each sheet starts with a line ``Actions``, then its title, then
fields: a label line (``- Résumé``) followed by its content. Labels are recognized after folding
(``core.text.fold_label``: Unicode forms, no-break and zero-width spaces, typographic apostrophes, case, spaces
around ``:`` and ``?``) and only in the order of the original form, so a line of text such as
``- Public visé : les jeunes`` or even ``- Dimension`` inside a later free-text section stays text.

A line that looks like a label but is none is never merged silently into the field before it: it stays there,
with a warning (``libellé inconnu, rattaché à « … »``) when it is close to a known label (edit distance, accents
and punctuation aside), is a known label out of its place, or is shaped like a label (a list item ending with
``:`` or ``?``) in a section of lists. ``import_actions --strict`` makes these warnings problems.
"""

import enum
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from actions_catalog.core.choices import Dimension, Initiative, Public, Status, Territory
from actions_catalog.core.funding import read_funding
from actions_catalog.core.limits import MAX_CENTRE_NAME_LENGTH, MAX_LABEL_LENGTH, MAX_TITLE_LENGTH, sheet_problems
from actions_catalog.core.problems import Problem
from actions_catalog.core.sheet import GENERIC_PARTNER_ROLE, PartnerGroup, SheetData, SourceRef, canonical_partners
from actions_catalog.core.text import fold_label, normalize_key, strip_invisible
from importers.departements import resolve_departement

FILE_HEADER = "Les actions des centres sociaux"
SHEET_MARKER = "Actions"
PARTNERS_HEADING = f"{GENERIC_PARTNER_ROLE}:"
#: How a partner sub-heading starts once folded (« Partenaires financiers : », « Partenaires d'action: »).
_PARTNERS_HEADING_START = "partenaires"
_STANDARD_HEADING = fold_label(PARTNERS_HEADING)
BOM = "\ufeff"
UNREADABLE = "octets illisibles : le texte n'est pas en UTF-8"
#: C0 control characters but tab (line endings are split first): PostgreSQL refuses NUL, XLSX all of them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Kind(enum.Enum):
    TEXT = "text"  # free text, kept as written
    CHOICE = "choice"  # one value among a TextChoices
    CHOICES = "choices"  # several values among a TextChoices
    LABELS = "labels"  # a list of free labels (keywords)
    PARTNERS = "partners"  # a list of partners under a heading
    CENTRE = "centre"  # "- Name of the centre - Département"


@dataclass(frozen=True)
class Section:
    name: str
    label: str
    kind: Kind
    choices: type | None = None

    @property
    def title(self) -> str:
        return self.label.removeprefix("- ")


#: The fields of a sheet, in the order of the original form ("Territoire concerné" appears twice).
SECTIONS = (
    Section("centre", "- Structure organisatrice", Kind.CENTRE),
    Section("files_text", "- Fichier(s) associé(s)", Kind.TEXT),
    Section("status", "- Statut de l'action", Kind.CHOICE, Status),
    Section("end_reason", "- Raisons pour lesquelles l'action est terminée", Kind.TEXT),
    Section("dimension", "- Dimension", Kind.CHOICE, Dimension),
    Section("keywords", "- Mots clés associés à l'action", Kind.LABELS),
    Section("summary", "- Résumé", Kind.TEXT),
    Section("initiatives", "- Qui est à l'initiative de l'action ?", Kind.CHOICES, Initiative),
    Section("territory", "- Territoire concerné", Kind.CHOICE, Territory),
    Section(
        "context", "- Description de l'expérience, ses objectifs, ses acteurs et ses différentes phases.", Kind.TEXT
    ),
    Section("publics", "- Public", Kind.CHOICES, Public),
    Section("partners", "- Avec qui cette action a-t-elle été menée ?", Kind.PARTNERS),
    Section("territory_again", "- Territoire concerné", Kind.CHOICE, Territory),
    Section("description", "- Description générale", Kind.TEXT),
    Section("funding_text", "- Ressources financières mobilisées pour cette action", Kind.TEXT),
    Section("people_text", "- Nombre de personnes mobilisés pour cette action", Kind.TEXT),
    Section("result_territory", "- Résultat sur le territoire", Kind.TEXT),
    Section("result_centre", "- Résultat pour le centre social", Kind.TEXT),
    Section("result_residents", "- Résultat pour les habitants", Kind.TEXT),
    Section("limits", "- Suite de l'action : Limites", Kind.TEXT),
    Section("outlook", "- Suite de l'action : Perspectives", Kind.TEXT),
)
REQUIRED = ("centre", "status")
#: The indexes in SECTIONS of each label, ascending (a label may appear twice).
_LABEL_INDEXES: dict[str, tuple[int, ...]] = {
    label: tuple(index for index, section in enumerate(SECTIONS) if section.label == label)
    for label in {section.label for section in SECTIONS}
}
#: The same, by folded label (``fold_label``): how a label line is recognized when it is not written exactly.
_FOLDED_INDEXES: dict[str, tuple[int, ...]] = {fold_label(label): indexes for label, indexes in _LABEL_INDEXES.items()}
#: The labels that the federation's form itself writes twice on a sheet: a repeat of them is no news.
_REPEATED_BY_THE_FORM = frozenset(label for label, indexes in _LABEL_INDEXES.items() if len(indexes) > 1)
#: Each label by its identity key (accents, case and punctuation aside), and the labels by the first and the last
#: word of their key: for the lines close to a label (``near_label``).
_LABEL_BY_KEY = {normalize_key(label): label for label in _LABEL_INDEXES}
_LABELS_BY_WORD: dict[str, tuple[tuple[str, str], ...]] = {}
for _key, _label in _LABEL_BY_KEY.items():
    for _word in {_key.split()[0], _key.split()[-1]}:
        _LABELS_BY_WORD[_word] = (*_LABELS_BY_WORD.get(_word, ()), (_key, _label))
#: Lines longer than this are no label, however folded (the longest label is 86 characters).
_MAX_LABEL_LINE = max(len(label) for label in _LABEL_INDEXES) + 24


@dataclass
class RejectedSheet:
    line: int
    title: str
    problems: list[Problem]


@dataclass
class ParseResult:
    source: str
    sheets: list[SheetData] = field(default_factory=list)
    rejected: list[RejectedSheet] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return [problem for rejected in self.rejected for problem in rejected.problems]


@dataclass(slots=True)
class _Line:
    number: int
    text: str


class _SheetParser:
    """Reads the lines of one sheet (from its ``Actions`` marker to the next) into a SheetData."""

    def __init__(self, source: str, lines: list[_Line], unreadable: set[int], *, strict: bool = False):
        self.source = source
        #: Label warnings are problems (``import_actions --strict``).
        self.strict = strict
        self.lines = lines
        self.unreadable = unreadable
        self.problems: list[Problem] = []
        #: What does not reject the sheet but deserves a look (carried by ``SheetData.warnings``).
        self.warnings: list[Problem] = []

    def problem(self, line: int, message: str):
        self.problems.append(Problem(self.source, line, message))

    def parse(self) -> SheetData | None:
        marker, *body = self.lines
        text = raw_text(self.lines)
        if self.unreadable or _CONTROL.search(text):  # one look at the whole sheet, then line by line
            for line in self.lines:
                if line.number in self.unreadable:
                    self.problem(line.number, UNREADABLE)
                elif control := _control_character(line.text):
                    self.problem(line.number, control)
        title = ""
        if body and self._label_index(body[0].text, -1) is None:
            title = body.pop(0).text.strip()
        if not title:
            self.problem(marker.number, "la fiche n'a pas de titre (la ligne après « Actions »)")
        elif too_long := length_problem(title, MAX_TITLE_LENGTH):
            self.problem(marker.number + 1, f"titre {too_long}")
        elif not normalize_key(title):
            self.problem(marker.number + 1, f"titre sans lettre ni chiffre : « {title} »")
        sections = self._split_sections(body)
        for name in REQUIRED:
            if name not in sections:
                label = next(s.title for s in SECTIONS if s.name == name)
                self.problem(marker.number, f"rubrique obligatoire absente : « {label} »")
        values = {
            name: self._read(section, label_line, content) for name, (section, label_line, content) in sections.items()
        }
        if self.strict:
            self.problems += [warning.as_problem() for warning in self.warnings if warning.label]
            self.warnings = [warning for warning in self.warnings if not warning.label]
        if self.problems:
            return None
        territory = values.get("territory")
        territory_again = values.get("territory_again")
        if territory and territory_again and territory != territory_again:
            self.problem(
                sections["territory_again"][1],
                "« Territoire concerné » a deux valeurs différentes sur la même fiche",
            )
            return None
        centre_name, departement_code = values["centre"]
        funding_text = values.get("funding_text", "")
        funding = read_funding(funding_text)
        partners, partner_groups = values.get("partners", ([], []))
        sheet = SheetData(
            title=title,
            centre_name=centre_name,
            departement_code=departement_code,
            status=values["status"],
            end_reason=values.get("end_reason", ""),
            dimension=values.get("dimension"),
            keywords=values.get("keywords", []),
            summary=values.get("summary", ""),
            initiatives=values.get("initiatives", []),
            territory=territory or territory_again,
            context=values.get("context", ""),
            publics=values.get("publics", []),
            partners=partners,
            partner_groups=partner_groups,
            description=values.get("description", ""),
            funding_text=funding_text,
            funding_lines=funding.lines,
            declared_total=funding.declared_total,
            funding_to_check=bool(funding.unread),
            people_text=values.get("people_text", ""),
            result_territory=values.get("result_territory", ""),
            result_centre=values.get("result_centre", ""),
            result_residents=values.get("result_residents", ""),
            limits=values.get("limits", ""),
            outlook=values.get("outlook", ""),
            declares_files="files_text" in sections,
            files_text=values.get("files_text", ""),
            source=SourceRef(self.source, marker.number),
            field_lines={"title": marker.number + 1} | {name: line for name, (_, line, _) in sections.items()},
            # Blank lines after a sheet (before the next one, or a final line ending) are not part of it.
            raw_text=text,
            warnings=self.warnings,
        )
        for name, message in sheet_problems(sheet):
            self.problem(sheet.field_lines.get(name, sheet.field_lines.get("funding_text", marker.number)), message)
        return None if self.problems else sheet

    @staticmethod
    def _label_index(text: str, after: int) -> int | None:
        """The index of the first section after ``after`` whose label is ``text``, once folded."""
        for index in label_indexes(text):
            if index > after:
                return index
        return None

    def _split_sections(self, body: list[_Line]) -> dict[str, tuple[Section, int, list[_Line]]]:
        sections: dict[str, tuple[Section, int, list[_Line]]] = {}
        current: list[_Line] | None = None
        section: Section | None = None
        position = -1
        repeats: dict[str, list[int]] = {}
        seen: set[str] = set()
        exact = _LABEL_INDEXES.get
        for line in body:
            # Most lines are no label: one look-up, and one more (cached) for a line that starts with a dash.
            text = line.text
            known, near = exact(text), None
            if known is None:
                known, near = _dash_line(text) if text[:1] == "-" or text[:1].isspace() else _NOT_A_LABEL
            index = None
            if known:
                for candidate in known:
                    if candidate > position:
                        index = candidate
                        break
            if index is not None:
                position, section = index, SECTIONS[index]
                seen.add(section.label)
                current = []
                sections[section.name] = (section, line.number, current)
            elif current is not None:
                if known:
                    label = SECTIONS[known[0]].label
                    if label in seen:
                        if label not in _REPEATED_BY_THE_FORM:
                            repeats.setdefault(label, []).append(line.number)
                    else:
                        self._unknown_label(
                            line, section, f"« {label.removeprefix('- ')} » vient plus haut dans la fiche"
                        )
                elif near:
                    self._unknown_label(line, section, f"proche de « {near.removeprefix('- ')} »")
                elif section.kind is not Kind.TEXT and _label_shaped(text) and not _partners_heading(text):
                    self._unknown_label(line, section)
                current.append(line)
            elif line.text.strip():
                self.problem(line.number, "ligne inattendue entre le titre et « Structure organisatrice »")
        for label, lines in repeats.items():
            times = f"{len(lines)} fois de plus" if len(lines) > 1 else "une fois de plus"
            self.warnings.append(
                Problem(
                    self.source,
                    lines[0],
                    f"la rubrique « {label.removeprefix('- ')} » est répétée dans la fiche ({times}) : "
                    "seule la première compte comme rubrique, les répétitions sont lues comme du texte",
                    warning=True,
                    label=True,
                )
            )
        return sections

    def _unknown_label(self, line: _Line, section: Section, detail: str = ""):
        """Warn that a line looking like a label is kept as the text of ``section``."""
        text = _shorten(line.text.strip())
        self.warnings.append(
            Problem(
                self.source,
                line.number,
                f"libellé inconnu, rattaché à « {section.title} » : « {text} »" + (f" ({detail})" if detail else ""),
                warning=True,
                label=True,
            )
        )

    def _read(self, section: Section, label_line: int, content: list[_Line]):
        if section.kind is Kind.TEXT:
            return _join_text(content)
        if section.kind is Kind.CENTRE:
            return self._read_centre(section, label_line, content)
        if section.kind is Kind.PARTNERS:
            return self._read_partners(section, content)
        items = self._list_items(section, content)
        if section.kind is Kind.LABELS:
            return self._labels(section, items)
        values = []
        for line, text in items:
            value = _choice_value(section.choices, text)
            if value is None:
                allowed = ", ".join(f"« {label} »" for label in section.choices.labels)
                self.problem(line, f"« {section.title} » : valeur inconnue « {text} » (valeurs possibles : {allowed})")
            elif value not in values:
                values.append(value)
        if section.kind is Kind.CHOICE:
            if not items and section.name in REQUIRED:
                self.problem(label_line, f"« {section.title} » : aucune valeur")
            if len(values) > 1:
                self.problem(
                    label_line, f"« {section.title} » n'accepte qu'une valeur, la fiche en donne {len(values)}"
                )
            return values[0] if values else None
        return values

    def _list_items(self, section: Section, content: list[_Line]) -> list[tuple[int, str]]:
        """The ``- value`` lines of a list; a bare ``-`` is a separator. Anything else is a problem."""
        items = []
        for line in content:
            text = strip_invisible(line.text).strip()
            if text in ("", "-"):
                continue
            if text.startswith("- "):
                if value := text[2:].strip():
                    items.append((line.number, value))
            else:
                self.problem(
                    line.number,
                    f"« {section.title} » : ligne inattendue « {_shorten(text)} » (attendu : une liste « - valeur »)",
                )
        return items

    def _labels(self, section: Section, items: list[tuple[int, str]]) -> list[str]:
        labels, keys = [], set()
        for line, text in items:
            key = normalize_key(text)
            if too_long := length_problem(text, MAX_LABEL_LENGTH, key):
                self.problem(line, f"« {section.title} » : libellé {too_long}")
            elif not key:
                self.problem(line, f"« {section.title} » : libellé sans lettre ni chiffre « {text} »")
            elif key not in keys:
                keys.add(key)
                labels.append(text)
        return labels

    def _read_partners(self, section: Section, content: list[_Line]) -> tuple[list[str], list[PartnerGroup]]:
        """The partners, flat and by role: each heading « Partenaires … : » starts a group."""
        groups: list[PartnerGroup] = []
        role, kept = "", []
        for line in content:
            text = strip_invisible(line.text).strip()
            if _partners_heading(text):
                if kept and (items := self._list_items(section, kept)):
                    groups.append(PartnerGroup(role, self._labels(section, items)))
                role, kept = _heading_role(text), []
                continue
            if text.endswith(":") and not text.startswith("-"):
                self.problem(
                    line.number,
                    f"« {section.title} » : rubrique inconnue « {_shorten(text)} » "
                    "(connue : « Partenaires … : », comme « Partenaires d'action: »)",
                )
                continue
            kept.append(line)
        if kept:
            groups.append(PartnerGroup(role, self._labels(section, self._list_items(section, kept))))
        if len(groups) == 1:  # the usual sheet: one heading, whose partners ``_labels`` made unique already
            only = groups[0]
            return only.partners, [only] if only.role and only.partners else []
        return canonical_partners(groups)

    def _read_centre(self, section: Section, label_line: int, content: list[_Line]) -> tuple[str, str] | None:
        items = self._list_items(section, content)
        if len(items) != 1:
            self.problem(
                label_line, "« Structure organisatrice » doit donner une ligne « - Nom du centre - Département »"
            )
            return None
        line, text = items[0]
        name, separator, departement = text.rpartition(" - ")
        name = name.strip()
        if not separator or not name:
            self.problem(
                line, f"structure sans département : « {_shorten(text)} » (attendu « Nom du centre - Département »)"
            )
            return None
        if too_long := length_problem(name, MAX_CENTRE_NAME_LENGTH):
            self.problem(line, f"nom de centre {too_long}")
            return None
        if not normalize_key(name):
            self.problem(line, f"nom de centre sans lettre ni chiffre : « {name} »")
            return None
        code = resolve_departement(departement)
        if code is None:
            self.problem(line, f"département inconnu : « {_shorten(departement.strip())} »")
            return None
        return name, code


def length_problem(text: str, max_length: int, key: str | None = None) -> str | None:
    """Why a title, centre name or label is too long to store, or ``None``.

    Names are stored with their identity key (``normalize_key``), which can be longer than the name:
    ligatures and symbols spell out (``ﬃ`` → ``ffi``, ``Ⅷ`` → ``viii``). Both must fit.
    """
    if len(text) > max_length:
        return f"trop long ({len(text)} caractères, {max_length} au plus)"
    if len(key := normalize_key(text) if key is None else key) > max_length:
        return f"trop long ({len(key)} caractères une fois les ligatures et symboles développés, {max_length} au plus)"
    return None


def label_indexes(text: str) -> tuple[int, ...]:
    """The indexes in ``SECTIONS`` of the label ``text`` is, once folded (none for a line of text)."""
    found = _LABEL_INDEXES.get(text)
    if found is not None:
        return found
    if len(text) > _MAX_LABEL_LINE or (text[:1] != "-" and text.lstrip()[:1] != "-"):
        return ()
    return _FOLDED_INDEXES.get(_fold(text), ())


@functools.lru_cache(maxsize=1 << 16)
def _fold(text: str) -> str:
    return fold_label(text)


_NOT_A_LABEL: tuple[tuple[int, ...], str | None] = ((), None)


@functools.lru_cache(maxsize=1 << 16)
def _dash_line(text: str) -> tuple[tuple[int, ...], str | None]:
    """``(label_indexes, near_label)`` of a line that starts with a dash, computed once per text."""
    known = label_indexes(text)
    return known, None if known else near_label(text)


@functools.lru_cache(maxsize=1 << 16)
def near_label(text: str) -> str | None:
    """The label a list line is close to without being it (``- Suite de l'action - Limites``), or ``None``.

    Close: the same identity key (accents, case and punctuation aside), or an edit distance of the keys of at most
    one per ten characters of the label (four at most; none for labels shorter than ten characters), for a line
    whose key starts or ends with the same word as the label's (a cheap look-up first: a line is rarely close).
    """
    if text.lstrip()[:1] != "-" or len(text) > _MAX_LABEL_LINE:
        return None
    key = normalize_key(text)
    if not key:
        return None
    if (same := _LABEL_BY_KEY.get(key)) is not None:
        return same
    first, _, rest = key.partition(" ")
    last = rest.rpartition(" ")[2] or first
    for label_key, label in _LABELS_BY_WORD.get(first, ()) + _LABELS_BY_WORD.get(last, ()):
        limit = min(4, len(label_key) // 10)
        if limit and abs(len(key) - len(label_key)) <= limit and _edit_distance(key, label_key, limit) <= limit:
            return label
    return None


def _edit_distance(a: str, b: str, limit: int) -> int:
    """The Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it is known to exceed ``limit``."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        row = [i]
        for j, other in enumerate(b, start=1):
            row.append(min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (char != other)))
        if min(row) > limit:
            return limit + 1
        previous = row
    return previous[-1]


def _label_shaped(text: str) -> bool:
    """A list item ending with ``:`` or ``?``: how the labels of a sheet look."""
    last = text[-1:]
    if last not in (":", "?"):
        if not last or last < "\u00ad":  # no invisible character can end it (they all come later)
            return False
        text = strip_invisible(text).rstrip()
        if not text.endswith((":", "?")):
            return False
    text = text.lstrip()
    return text.startswith("-") and len(text) > 2


def _partners_heading(text: str) -> bool:
    """``Partenaires … :`` (or ``- Partenaires … :``): a sub-heading of the partners, naming their role."""
    if not text.rstrip().endswith(":") and text[-1:] < "\u00ad":  # (no invisible character can end it)
        return False
    folded = _fold(text) if len(text) <= _MAX_LABEL_LINE else ""
    return folded.removeprefix("-").startswith(_PARTNERS_HEADING_START) and folded.endswith(":")


def _heading_role(text: str) -> str:
    """The role a partners' sub-heading names: its text without list dash nor colon; the form's own heading
    however written (« PARTENAIRES D’ACTION : ») is « Partenaires d'action »."""
    if _fold(text).removeprefix("-") == _STANDARD_HEADING:
        return GENERIC_PARTNER_ROLE
    return " ".join(text.removeprefix("-").strip().removesuffix(":").split())


def _choice_value(choices, text: str) -> str | None:
    return _choice_keys(choices).get(normalize_key(text))


@functools.cache
def _choice_keys(choices) -> dict[str, str]:
    """The values of a TextChoices by the identity key of their label (the first value wins on a tie)."""
    keys: dict[str, str] = {}
    for value, label in choices.choices:
        keys.setdefault(normalize_key(label), value)
    return keys


def _control_character(text: str) -> str | None:
    """A problem message when ``text`` holds a control character (neither text nor storable everywhere)."""
    if match := _CONTROL.search(text):
        return f"caractère de contrôle U+{ord(match[0]):04X} : le fichier n'est pas du texte brut"
    return None


def _join_text(content: list[_Line]) -> str:
    return "\n".join(line.text for line in content).strip("\n")


def _shorten(text: str, length: int = 80) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def split_lines(text: str) -> list[str]:
    """Lines without their ending (LF, CRLF or CR) and without trailing whitespace; a leading BOM dropped."""
    text = text.removeprefix(BOM).replace("\r\n", "\n").replace("\r", "\n")
    return [line.rstrip() for line in text.split("\n")]


def parse_text(
    text: str, source: str = "<texte>", *, unreadable: Iterable[int] = (), strict: bool = False
) -> ParseResult:
    """Parse the text of a sheet file. ``unreadable`` lists line numbers whose bytes could not be decoded;
    ``strict``: the warnings about label lines are problems."""
    result = ParseResult(source)
    unreadable = set(unreadable)
    lines = [_Line(number, line) for number, line in enumerate(split_lines(text), start=1)]
    chunks: list[list[_Line]] = []
    preamble: list[_Line] = []
    for line in lines:
        if line.text == SHEET_MARKER:
            chunks.append([line])
        elif chunks:
            chunks[-1].append(line)
        else:
            preamble.append(line)
    if rejected := _preamble_problem(source, preamble, unreadable, has_sheets=bool(chunks)):
        result.rejected.append(rejected)
    for chunk in chunks:
        sheet = parse_sheet_lines(source, chunk, unreadable, strict=strict)
        (result.rejected if isinstance(sheet, RejectedSheet) else result.sheets).append(sheet)
    return result


def _preamble_problem(source: str, preamble: list[_Line], unreadable: set[int], *, has_sheets: bool):
    """The problem of the lines before the first sheet (anything but the header line), if any."""
    stray = [line for line in preamble if line.text.strip() and line.text.strip() != FILE_HEADER]
    if stray or unreadable & {line.number for line in preamble}:
        first = (stray or preamble)[0]
        message = "texte hors d'une fiche (chaque fiche commence par une ligne « Actions »)"
        if not has_sheets:
            message = "aucune fiche trouvée : chaque fiche commence par une ligne « Actions »"
        if first.number in unreadable:
            message = UNREADABLE
        elif control := _control_character(first.text):
            message = control
        return RejectedSheet(first.number, "", [Problem(source, first.number, message)])
    if not has_sheets:
        return RejectedSheet(
            1, "", [Problem(source, 1, "aucune fiche trouvée : chaque fiche commence par une ligne « Actions »")]
        )
    return None


def parse_sheet_lines(
    source: str, lines: list[_Line], unreadable: set[int], *, strict: bool = False
) -> SheetData | RejectedSheet:
    """One sheet, from its ``Actions`` line to the line before the next one (``strict``: see ``parse_text``)."""
    parser = _SheetParser(source, lines, unreadable, strict=strict)
    sheet = parser.parse()
    if sheet is None:
        title = lines[1].text.strip() if len(lines) > 1 else ""
        return RejectedSheet(lines[0].number, title, parser.problems)
    return sheet


def parse_bytes(data: bytes, source: str = "<fichier>", *, strict: bool = False) -> ParseResult:
    """Parse a sheet file as bytes: UTF-8 with or without BOM; undecodable lines are reported, not guessed."""
    data = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    try:
        return parse_text(data.decode("utf-8"), source, strict=strict)
    except UnicodeDecodeError:
        pass  # find the unreadable lines, one by one
    lines, unreadable = [], []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(raw.decode("utf-8", errors="replace"))
            unreadable.append(number)
    return parse_text("\n".join(lines), source, unreadable=unreadable, strict=strict)


# -- Files read in pieces -------------------------------------------------------------------------------
# A large file is read sheet by sheet (importers/streaming.py): its bytes are split at the ``Actions`` lines
# without decoding the whole file, and each sheet is decoded and parsed on its own. The result is the same
# as ``parse_bytes``'s, sheet for sheet.

_MARKER_CANDIDATE = re.compile(rb"^Actions[^\n]*", re.MULTILINE)


@dataclass(frozen=True)
class Span:
    """Where a sheet (or the preamble before the first sheet) lies in a file's bytes, and its first line."""

    start: int
    end: int
    line: int


def normalize_newlines(data: bytes) -> bytes:
    """The bytes of a file without its BOM, with LF line endings only (as ``parse_bytes`` reads them)."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data


def sheet_spans(data: bytes) -> tuple[Span, list[Span]]:
    """The preamble and the sheets of a file's bytes (from ``normalize_newlines``)."""
    starts: list[tuple[int, int]] = []
    position, line = 0, 1
    for match in _MARKER_CANDIDATE.finditer(data):
        try:
            is_marker = match[0].decode("utf-8").rstrip() == SHEET_MARKER
        except UnicodeDecodeError:
            is_marker = False
        if is_marker:
            line += data.count(b"\n", position, match.start())
            position = match.start()
            starts.append((position, line))
    preamble_end = starts[0][0] - 1 if starts else len(data)
    spans = [
        Span(start, starts[index + 1][0] - 1 if index + 1 < len(starts) else len(data), first_line)
        for index, (start, first_line) in enumerate(starts)
    ]
    return Span(0, max(preamble_end, 0), 1), spans


def span_lines(data: bytes, span: Span) -> tuple[list[_Line], set[int]]:
    """The lines of a span, numbered in the file, and the numbers of those that are not UTF-8."""
    piece = data[span.start : span.end]
    unreadable: set[int] = set()
    try:
        texts = piece.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        texts = []
        for number, raw in enumerate(piece.split(b"\n"), start=span.line):
            try:
                texts.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                texts.append(raw.decode("utf-8", errors="replace"))
                unreadable.add(number)
    return [_Line(number, text.rstrip()) for number, text in enumerate(texts, start=span.line)], unreadable


def preamble_problem(source: str, data: bytes, preamble: Span, *, has_sheets: bool) -> RejectedSheet | None:
    lines, unreadable = span_lines(data, preamble)
    if lines and lines[0].text.startswith(BOM):
        lines[0].text = lines[0].text.removeprefix(BOM)
    return _preamble_problem(source, lines, unreadable, has_sheets=has_sheets)


def raw_text(lines: list[_Line]) -> str:
    """A sheet's text as ``SheetData.raw_text`` keeps it."""
    return "\n".join(line.text for line in lines).rstrip("\n")


def parse_span(source: str, data: bytes, span: Span, *, strict: bool = False) -> SheetData | RejectedSheet:
    lines, unreadable = span_lines(data, span)
    return parse_sheet_lines(source, lines, unreadable, strict=strict)


def span_identity(data: bytes, span: Span) -> tuple[str, str, str] | None:
    """The identity of the action a sheet describes (``loader.action_identity``), read without parsing the
    whole sheet: its title and its centre's line. Exact for every valid sheet; for an invalid one, any value
    (the sheet is rejected when it is parsed).

    The centre's line comes right after the title: the first lines are read first, the whole sheet only when
    they do not hold it (the first item after the centre's label is the same in both).
    """
    head = data[span.start : span.end].split(b"\n", _IDENTITY_LINES)
    if len(head) > _IDENTITY_LINES:
        lines = [_Line(span.line + n, raw.decode("utf-8", "replace").rstrip()) for n, raw in enumerate(head[:-1])]
        if (identity := lines_identity(lines)) is not None:
            return identity
    return lines_identity(span_lines(data, span)[0])


#: How many lines of a sheet ``span_identity`` reads first.
_IDENTITY_LINES = 12


def lines_identity(lines: list[_Line]) -> tuple[str, str, str] | None:
    """``span_identity`` of a sheet's lines."""
    body = lines[1:]
    title = ""
    if body and _SheetParser._label_index(body[0].text, -1) is None:
        title = body.pop(0).text.strip()
    for position, line in enumerate(body):
        index = _SheetParser._label_index(line.text, -1)
        if index is None:
            continue
        if SECTIONS[index].name != "centre":
            return None
        for content in body[position + 1 :]:
            if _SheetParser._label_index(content.text, index) is not None:
                return None
            text = content.text.strip()
            if text in ("", "-"):
                continue
            if not text.startswith("- "):
                return None
            name, separator, departement = text[2:].strip().rpartition(" - ")
            code = resolve_departement(departement)
            if not separator or not name.strip() or code is None:
                return None
            return code, normalize_key(name.strip()), normalize_key(title)
        return None
    return None
