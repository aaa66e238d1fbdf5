"""Synthetic action sheets in the scraped text format, for benchmarks and load tests. No database.

``SheetGenerator(actions=N, centres=M, seed=S).lines()`` streams the text of a sheet file (the header line,
then one sheet after another) that ``importers.parser`` reads with no problem and ``import_actions`` loads
into exactly N actions. Nothing but a few identity keys is kept per sheet, so 100,000 sheets stream in
constant memory apart from a set of (centre, title) keys.

Where the numbers come from: ``seed_profile()`` parses the seed sheets (``fixtures/``) and keeps their
distributions: status, dimension, territory, publics and initiatives frequencies, keyword popularity and
keywords per sheet, section lengths, and the lines of each free-text section (the text of a generated section
is made of seed lines up to a length drawn from the seed lengths). The seed has few keywords and partners, so
a fixed list of plausible extra ones is appended with a skewed (Zipf) popularity after the seed's own, and
titles are built from a vocabulary of activities, publics and places taken from the seed titles.

The stream holds, besides the N distinct actions:

- exact repeats (``REPEAT_RATE`` of N, about 5%): a recent sheet written again byte for byte;
- updates (``UPDATE_RATE`` of N): a recent sheet written again later with the same centre and title but a
  changed status, summary and outlook (the loader keeps the later one);

Some titles and texts carry a year (``2016``…``2024``). The same seed gives the same bytes: a single
``random.Random(seed)`` drives every draw, and no set or hash order is ever iterated.
"""

import bisect
import csv
import itertools
import random
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from actions_catalog.core.choices import Dimension, Initiative, Public, Status, Territory
from actions_catalog.core.text import normalize_key
from importers.departements import REFERENCE_CSV
from importers.parser import FILE_HEADER, PARTNERS_HEADING, SECTIONS, SHEET_MARKER, parse_text

SEED_FILE = Path(__file__).resolve().parent.parent / "fixtures" / "fiches-actions-centres-sociaux.txt"
REPEAT_RATE = 0.05
UPDATE_RATE = 0.02
#: Repeats and updates are drawn among the last sheets written (bounded memory).
RECENT_WINDOW = 500
YEARS = tuple(range(2016, 2025))
_LABELS = {section.name: section.label for section in SECTIONS}
_FORBIDDEN_LINES = {section.label for section in SECTIONS} | {SHEET_MARKER, FILE_HEADER, PARTNERS_HEADING}
_TEXT_SECTIONS = (
    "summary",
    "context",
    "description",
    "people_text",
    "result_territory",
    "result_centre",
    "result_residents",
    "limits",
    "outlook",
)

#: Keywords beyond the seed's own, less popular than them (the seed's keywords come first, by frequency).
EXTRA_KEYWORDS = (
    "Numérique",
    "Insertion professionnelle",
    "Accès aux droits",
    "Sport",
    "Environnement",
    "Alimentation",
    "Jardin partagé",
    "Logement",
    "Petite enfance",
    "Jeunesse",
    "Handicap",
    "Egalité femmes-hommes",
    "Lutte contre l'isolement",
    "Apprentissage du français",
    "Bénévolat",
    "Médiation",
    "Développement durable",
    "Animation de rue",
    "Fête de quartier",
    "Accompagnement scolaire",
    "Emploi",
    "Mobilité",
    "Théâtre",
    "Musique",
    "Lecture",
    "Cuisine",
    "Budget familial",
    "Prévention",
    "Addictions",
    "Laïcité",
    "Participation des habitants",
    "Économie sociale et solidaire",
    "Habitat",
    "Aidants",
    "Loisirs en famille",
    "Sorties culturelles",
    "Vie associative",
    "Réseaux sociaux",
    "Gestion des conflits",
    "Relations école-familles",
)
EXTRA_PARTNERS = (
    "CAF",
    "Mairie",
    "Conseil départemental",
    "CCAS",
    "Education nationale",
    "Bailleur social",
    "Mission locale",
    "Médiathèque",
    "Région",
    "CARSAT",
    "Fédération des centres sociaux",
    "Secours populaire",
    "Restos du cœur",
    "Maison de santé",
    "Club de prévention",
    "France Travail",
    "Collège du quartier",
    "Ecole élémentaire",
    "Association sportive",
    "Compagnie de théâtre",
)
FUNDERS = (
    "CAF",
    "Ville",
    "Autofinancement",
    "Participation des familles",
    "Aide du Conseil départemental",
    "Région",
    "Etat",
    "FONJEP",
    "REAAP",
    "CCAS",
    "ANCV",
    "Bons FCSF",
    "Contrat de ville",
    "Fondation de France",
    "Conférence des financeurs",
    "Aide aux séjours Caf",
    "participation du centre social",
    "Politique de la ville",
)
TOTAL_LABELS = ("Coût du séjour", "Budget total", "Coût total de l'action", "Budget de l'action", "Coût total")
FUNDING_PROSE = (
    "Le centre social a été subventionné pour cette action.",
    "Cf pièce jointe",
    "Financement sur fonds propres du centre social.",
    "Les familles participent selon leur quotient familial.",
    "Une partie des frais est prise en charge par les partenaires.",
)

#: Title vocabulary, after the seed titles: an activity, then sometimes a public, a theme or a place.
TITLE_HEADS = (
    "Séjour",
    "Sortie",
    "Atelier",
    "Café",
    "Forum",
    "Fête",
    "Accompagnement",
    "Départ en vacances",
    "Permanence",
    "Club",
    "Rencontres",
    "Balade",
    "Chantier",
    "Jardin",
    "Soirée",
    "Week-end",
    "Projet",
    "Semaine",
    "Journée",
    "Espace",
    "Repas partagé",
    "Exposition",
    "Stage",
    "Groupe de parole",
    "Ciné-débat",
    "Marché",
    "Tournoi",
    "Animation",
    "Collectif",
    "Point info",
)
TITLE_PUBLICS = (
    "familles",
    "seniors",
    "jeunes",
    "ados",
    "parents",
    "enfants",
    "habitants",
    "intergénérationnel",
    "parents-enfants",
    "femmes",
    "bénévoles",
    "tous publics",
)
TITLE_THEMES = (
    "culturel",
    "solidaire",
    "numérique",
    "sportif",
    "citoyen",
    "autofinancé",
    "collectif",
    "découverte",
    "nature",
    "santé",
    "cuisine",
    "lecture",
    "musique",
    "théâtre",
    "jardinage",
    "bien vieillir",
    "parentalité",
    "scolarité",
    "mobilité",
    "zéro déchet",
)
TITLE_PLACES = (
    "à la mer",
    "à la montagne",
    "au ski",
    "en Espagne",
    "à Barcelone",
    "en Bretagne",
    "à Paris",
    "au quartier",
    "en pied d'immeuble",
    "à la ferme",
    "au bord du lac",
    "en forêt",
    "à la médiathèque",
    "au centre social",
    "dans le parc",
    "en Auvergne",
    "en Italie",
    "à Marseille",
    "sur la plage",
    "en camping",
)
CENTRE_PREFIXES = (
    "CENTRE SOCIAL",
    "CENTRE SOCIOCULTUREL",
    "CENTRE SOCIAL ET CULTUREL",
    "MAISON DE QUARTIER",
    "MJC CENTRE SOCIAL",
    "ESPACE SOCIAL",
    "CS",
    "MAISON POUR TOUS",
    "CENTRE SOCIAL MUNICIPAL",
    "Centre Socioculturel et Familial",
)
CENTRE_NAMES = (
    "VICTOR HUGO",
    "JEAN JAURES",
    "LOUISE MICHEL",
    "AMBROISE CROIZAT",
    "ROMAIN ROLLAND",
    "LAVOISIER",
    "LES HUTTES",
    "LES PASSERELLES",
    "L'ABEILLE",
    "DU PAYS CORBIGEOIS",
    "DES CHAILLOTS",
    "PABLO PICASSO",
    "JACQUES PREVERT",
    "GEORGES BRASSENS",
    "SIMONE VEIL",
    "NELSON MANDELA",
    "LES TILLEULS",
    "LES ACACIAS",
    "LA ROSERAIE",
    "LE PHARE",
    "LA PASSERELLE",
    "L'ESCALE",
    "LE LIEN",
    "LA MOSAIQUE",
    "LES COQUELICOTS",
    "DU VAL FLEURI",
    "DES CHAMPS",
    "DU PLATEAU",
    "DE LA GARE",
    "DU CENTRE VILLE",
    "ALBERT CAMUS",
    "MARIE CURIE",
    "JULES VERNE",
    "ANNE FRANK",
    "COLUCHE",
    "LEO LAGRANGE",
    "LES MINIMES",
    "SAINT-EXUPERY",
    "LA SOURCE",
    "L'ARC-EN-CIEL",
)
CENTRE_AREAS = (
    "",
    "NORD",
    "SUD",
    "EST",
    "OUEST",
    "CENTRE",
    "LES HAUTS",
    "BELLEVUE",
    "LE BOURG",
    "LA VALLEE",
    "LES PRES",
    "LE MOULIN",
)


@dataclass(frozen=True)
class Weighted:
    """A discrete distribution: values and cumulative weights, drawn with ``bisect``."""

    values: tuple
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, weights: dict) -> "Weighted":
        values = tuple(value for value, weight in weights.items() if weight > 0)
        return cls(values, tuple(itertools.accumulate(weights[value] for value in values)))

    def draw(self, rng: random.Random):
        return self.values[bisect.bisect_right(self.cumulative, rng.random() * self.cumulative[-1])]


@dataclass(frozen=True)
class SeedProfile:
    """The distributions of the seed sheets that the generated sheets follow."""

    status: Weighted
    dimension: Weighted  # None: no dimension
    territory: Weighted
    publics: Weighted
    publics_per_sheet: Weighted
    initiatives: Weighted
    initiatives_per_sheet: Weighted
    keywords: Weighted
    keywords_per_sheet: Weighted
    partners: Weighted
    declares_files: float
    section_lengths: dict[str, tuple[int, ...]]
    section_lines: dict[str, tuple[str, ...]]
    end_reasons: tuple[str, ...]
    funding_kind: Weighted
    titles: tuple[str, ...]


def _zipf(labels: list[str], exponent: float = 1.1) -> dict[str, float]:
    return {label: 1 / (rank**exponent) for rank, label in enumerate(labels, start=1)}


@cache
def seed_profile(path: Path = SEED_FILE) -> SeedProfile:
    """Read the distributions of the seed sheets (the parser only; no database)."""
    sheets = parse_text(path.read_text(encoding="utf-8"), path.name).sheets
    if not sheets:
        raise ValueError(f"{path}: no seed sheet")

    def counts(values) -> dict:
        return dict(Counter(values))

    seed_keywords = [label for label, _ in Counter(k for s in sheets for k in s.keywords).most_common()]
    known = {normalize_key(label) for label in seed_keywords}
    keywords = seed_keywords + [label for label in EXTRA_KEYWORDS if normalize_key(label) not in known]
    seed_partners = [label for label, _ in Counter(p for s in sheets for p in s.partners).most_common()]
    known = {normalize_key(label) for label in seed_partners}
    partners = seed_partners + [label for label in EXTRA_PARTNERS if normalize_key(label) not in known]

    def kind(sheet) -> str:
        amounts = [line for line in sheet.funding_lines if line.amount is not None]
        if sheet.funding_lines and amounts:
            return "amounts+total" if sheet.declared_total is not None else "amounts"
        if sheet.funding_lines:
            return "funders"
        if sheet.declared_total is not None:
            return "total"
        return "prose" if sheet.funding_text else "none"

    section_lines = {}
    for name in _TEXT_SECTIONS:
        lines = [
            line.strip()
            for sheet in sheets
            for line in getattr(sheet, name).splitlines()
            if line.strip() and line.strip() not in _FORBIDDEN_LINES
        ]
        section_lines[name] = tuple(dict.fromkeys(lines)) or ("Action menée avec les habitants du quartier.",)
    return SeedProfile(
        status=Weighted.of(counts(s.status for s in sheets)),
        dimension=Weighted.of(counts(s.dimension for s in sheets)),
        territory=Weighted.of(counts(s.territory for s in sheets)),
        publics=Weighted.of(counts(p for s in sheets for p in s.publics)),
        publics_per_sheet=Weighted.of(counts(len(s.publics) for s in sheets)),
        initiatives=Weighted.of(counts(i for s in sheets for i in s.initiatives)),
        initiatives_per_sheet=Weighted.of(counts(len(s.initiatives) for s in sheets)),
        keywords=Weighted.of(_zipf(keywords)),
        keywords_per_sheet=Weighted.of(counts(len(s.keywords) for s in sheets)),
        partners=Weighted.of(_zipf(partners, 1.3)),
        declares_files=sum(s.declares_files for s in sheets) / len(sheets),
        section_lengths={name: tuple(sorted(len(getattr(s, name)) for s in sheets)) for name in _TEXT_SECTIONS},
        section_lines=section_lines,
        end_reasons=tuple(dict.fromkeys(s.end_reason for s in sheets if s.end_reason)) or ("Action terminée.",),
        funding_kind=Weighted.of(counts(kind(s) for s in sheets)),
        titles=tuple(dict.fromkeys(s.title for s in sheets)),
    )


@dataclass(frozen=True)
class Centre:
    name: str
    departement: str  # the name as written on a sheet


@dataclass(frozen=True)
class Sheet:
    """The content of one generated sheet, before rendering (labels as written on sheets)."""

    title: str
    centre: Centre
    status: str
    end_reason: str
    dimension: str | None
    keywords: tuple[str, ...]
    summary: str
    initiatives: tuple[str, ...]
    territory: str
    context: str
    publics: tuple[str, ...]
    partners: tuple[str, ...]
    description: str
    funding_text: str
    people_text: str
    result_territory: str
    result_centre: str
    result_residents: str
    limits: str
    outlook: str
    declares_files: bool


def read_departements() -> list[tuple[str, str]]:
    """(INSEE code, name) of the 101 départements of the reference CSV, in its order."""
    with REFERENCE_CSV.open(encoding="utf-8", newline="") as handle:
        return [(row["code"], row["name"]) for row in csv.DictReader(handle)]


@dataclass
class GeneratorCounts:
    """What a generator wrote so far (filled while it streams)."""

    actions: int = 0
    repeats: int = 0
    updates: int = 0

    @property
    def sheets(self) -> int:
        return self.actions + self.repeats + self.updates


@dataclass
class SheetGenerator:
    """Streams N distinct actions of M centres, plus repeats and updates; see the module docstring."""

    actions: int
    centres: int
    seed: int = 0
    profile: SeedProfile = field(default_factory=seed_profile)
    counts: GeneratorCounts = field(default_factory=GeneratorCounts)

    def __post_init__(self):
        if self.actions < 0:
            raise ValueError("actions must be zero or more")
        if self.centres < 1:
            raise ValueError("centres must be at least 1")
        self.rng = random.Random(self.seed)
        self.centre_list = self._make_centres()
        # A skewed number of actions per centre: a few big centres, many small ones.
        self.centre_pick = Weighted.of({index: 1 / (index + 1) ** 0.7 for index in range(self.centres)})
        self.labels = {
            "status": dict(Status.choices),
            "dimension": dict(Dimension.choices),
            "territory": dict(Territory.choices),
            "publics": dict(Public.choices),
            "initiatives": dict(Initiative.choices),
        }

    def lines(self) -> Iterator[str]:
        """The file, a chunk of lines at a time (the header, then one string per sheet, each ending in a newline)."""
        yield FILE_HEADER + "\n"
        for sheet in self.sheets():
            yield render(sheet)

    def write(self, handle) -> GeneratorCounts:
        """Write the whole file to a text handle (opened with ``newline="\\n"``, UTF-8)."""
        for chunk in self.lines():
            handle.write(chunk)
        return self.counts

    def sheets(self) -> Iterator[Sheet]:
        rng = self.rng
        recent: deque[Sheet] = deque(maxlen=RECENT_WINDOW)
        used: set[tuple[int, str]] = set()
        for index in range(self.actions):
            centre_index = index if index < self.centres else self.centre_pick.draw(rng)
            sheet = self._new_sheet(centre_index, used)
            self.counts.actions += 1
            yield sheet
            recent.append(sheet)
            draw = rng.random()
            if draw < REPEAT_RATE:
                self.counts.repeats += 1
                yield recent[rng.randrange(len(recent))]
            elif draw < REPEAT_RATE + UPDATE_RATE:
                position = rng.randrange(len(recent))
                updated = self._updated(recent[position])
                recent[position] = updated  # later repeats repeat the new version, which stays the latest
                self.counts.updates += 1
                yield updated

    # -- building blocks -------------------------------------------------------------------------------

    def _make_centres(self) -> list[Centre]:
        rng = self.rng
        departements = [name for _code, name in read_departements()]
        centres, seen = [], set()
        for index in range(self.centres):
            # The first 101 centres cover every département once; the others go anywhere.
            departement = departements[index] if index < len(departements) else rng.choice(departements)
            name = " ".join(
                part
                for part in (rng.choice(CENTRE_PREFIXES), rng.choice(CENTRE_NAMES), rng.choice(CENTRE_AREAS))
                if part
            )
            key = (departement, normalize_key(name))
            number = 1
            while key in seen:
                number += 1
                key = (departement, normalize_key(f"{name} {number}"))
            seen.add(key)
            centres.append(Centre(name if number == 1 else f"{name} {number}", departement))
        return centres

    def _title(self) -> str:
        rng = self.rng
        draw = rng.random()
        if draw < 0.05:
            return rng.choice(self.profile.titles)
        parts = [rng.choice(TITLE_HEADS)]
        if rng.random() < 0.7:
            parts.append(rng.choice(TITLE_PUBLICS))
        if rng.random() < 0.5:
            parts.append(rng.choice(TITLE_THEMES))
        if rng.random() < 0.4:
            parts.append(rng.choice(TITLE_PLACES))
        if rng.random() < 0.2:
            parts.append(str(rng.choice(YEARS)))
        return " ".join(parts)

    def _unique_title(self, centre_index: int, used: set[tuple[int, str]]) -> str:
        title = self._title()
        key = (centre_index, normalize_key(title))
        number = 1
        while key in used:
            number += 1
            key = (centre_index, normalize_key(f"{title} n°{number}"))
        used.add(key)
        return title if number == 1 else f"{title} n°{number}"

    def _text(self, section: str) -> str:
        """Seed lines of that section up to a length drawn among the seed's lengths (with some jitter)."""
        rng = self.rng
        target = int(rng.choice(self.profile.section_lengths[section]) * rng.uniform(0.7, 1.3))
        lines, size = [], 0
        pool = self.profile.section_lines[section]
        while size < target:
            line = rng.choice(pool)
            if size + len(line) > target:  # cut the last line at a word, so lengths follow the seed's
                cut = line[: max(target - size, 1)].rsplit(" ", 1)[0].strip()
                # A cut line must not become a sheet marker or a section label ("Actions", "- Public").
                if cut and cut not in _FORBIDDEN_LINES:
                    line = cut
            lines.append(line)
            size += len(line) + 1
        if lines and rng.random() < 0.15:
            lines.append(f"Action menée en {rng.choice(YEARS)}.")
        return "\n".join(lines)

    def _choices(self, distribution: Weighted, count: int) -> tuple[str, ...]:
        values = []
        for _ in range(count * 3):
            if len(values) == count:
                break
            value = distribution.draw(self.rng)
            if value not in values:
                values.append(value)
        return tuple(values)

    def _funding(self) -> str:
        rng = self.rng
        kind = self.profile.funding_kind.draw(rng)
        if kind == "none":
            return ""
        if kind == "prose":
            return rng.choice(FUNDING_PROSE)
        if kind == "total":
            text = _amount(rng, rng.randrange(300, 60000))
            return text + ("\n" + rng.choice(FUNDING_PROSE) if rng.random() < 0.5 else "")
        funders = rng.sample(FUNDERS, rng.randint(1, 6))
        if kind == "funders":
            return "\n".join(f"- {label} :" for label in funders)
        amounts = [rng.randrange(200, 30000) for _ in funders]
        lines = [f"{label} : {_amount(rng, amount)}" for label, amount in zip(funders, amounts, strict=True)]
        if kind == "amounts+total":
            lines.insert(0, f"{rng.choice(TOTAL_LABELS)} : {_amount(rng, sum(amounts))}")
        return "\n".join(lines)

    def _new_sheet(self, centre_index: int, used: set[tuple[int, str]]) -> Sheet:
        rng, profile, labels = self.rng, self.profile, self.labels
        status = profile.status.draw(rng)
        dimension = profile.dimension.draw(rng)
        return Sheet(
            title=self._unique_title(centre_index, used),
            centre=self.centre_list[centre_index],
            status=labels["status"][status],
            end_reason=rng.choice(profile.end_reasons) if status == Status.FINISHED else "",
            dimension=labels["dimension"][dimension] if dimension else None,
            keywords=self._choices(profile.keywords, profile.keywords_per_sheet.draw(rng)),
            summary=self._text("summary"),
            initiatives=tuple(
                labels["initiatives"][value]
                for value in self._choices(profile.initiatives, profile.initiatives_per_sheet.draw(rng))
            ),
            territory=labels["territory"][profile.territory.draw(rng)],
            context=self._text("context"),
            publics=tuple(
                labels["publics"][value]
                for value in self._choices(profile.publics, profile.publics_per_sheet.draw(rng))
            ),
            partners=self._choices(profile.partners, rng.choice((1, 1, 1, 2, 3))),
            description=self._text("description"),
            funding_text=self._funding(),
            people_text=self._text("people_text"),
            result_territory=self._text("result_territory"),
            result_centre=self._text("result_centre"),
            result_residents=self._text("result_residents"),
            limits=self._text("limits"),
            outlook=self._text("outlook"),
            declares_files=rng.random() < profile.declares_files,
        )

    def _updated(self, sheet: Sheet) -> Sheet:
        """The same action (centre and title) later, finished, with a new summary and outlook."""
        rng = self.rng
        year = rng.choice(YEARS)
        return replace(
            sheet,
            status=self.labels["status"][Status.FINISHED],
            end_reason=f"Action terminée en {year}.",
            summary=f"{self._text('summary')}\nMise à jour {year}.",
            outlook=self._text("outlook"),
        )


def _amount(rng: random.Random, value: int) -> str:
    """An amount as the seed sheets write them: ``13 500 €``, ``13500``, ``13 500€``, ``13500 euros``."""
    grouped = f"{value:,}".replace(",", " ")
    return rng.choice((f"{grouped} €", str(value), f"{grouped}€", f"{value} euros", f"{grouped}.00€"))


def render(sheet: Sheet) -> str:
    """The text of one sheet, as scraped (each line ends with a newline)."""
    out = [SHEET_MARKER, sheet.title, _LABELS["centre"], f"- {sheet.centre.name} - {sheet.centre.departement}"]
    if sheet.declares_files:
        out.append(_LABELS["files_text"])
    out += [_LABELS["status"], f"- {sheet.status}"]
    if sheet.end_reason:
        out += [_LABELS["end_reason"], sheet.end_reason]
    out.append(_LABELS["dimension"])
    if sheet.dimension:
        out.append(f"- {sheet.dimension}")
    out += [_LABELS["keywords"], "-", *(f"- {label}" for label in sheet.keywords)]
    out += _text_section("summary", sheet.summary)
    out += [_LABELS["initiatives"], "-", *(f"- {label}" for label in sheet.initiatives)]
    out += [_LABELS["territory"], f"- {sheet.territory}"]
    out += _text_section("context", sheet.context)
    out += [_LABELS["publics"], *(f"- {label}" for label in sheet.publics)]
    out += [_LABELS["partners"], "-", PARTNERS_HEADING, *(f"- {label}" for label in sheet.partners)]
    out += [_LABELS["territory_again"], f"- {sheet.territory}"]
    for name in (
        "description",
        "funding_text",
        "people_text",
        "result_territory",
        "result_centre",
        "result_residents",
        "limits",
        "outlook",
    ):
        out += _text_section(name, getattr(sheet, name))
    return "\n".join(out) + "\n"


def _text_section(name: str, text: str) -> list[str]:
    return [_LABELS[name], text] if text else [_LABELS[name]]
