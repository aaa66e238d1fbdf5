"""What the open-data page (``/donnees/``) says about the data: the dictionary of the columns, the files, the API.

The dictionary is generated from the export schema (``core.export_schema``: its keys and flat columns) and the
registry of a sheet's fields (``core.sheet.FIELDS``: labels, kinds, choices), so that a column added to the
export appears here; ``NOTES`` describes the columns that are not a field of the sheet, and a test checks that
every column has a description.
"""

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from actions_catalog.catalogue import downloads, tasks
from actions_catalog.core.export_schema import CENTRE_COLUMNS, FLAT_COLUMNS, LIST_SEPARATOR
from actions_catalog.core.sheet import FIELDS_BY_NAME, Kind

LICENCE = "Licence Ouverte / Open Licence version 2.0"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
#: The key of each flat centre column inside the JSON record's ``centre`` object.
CENTRE_KEYS = dict(zip(CENTRE_COLUMNS, ("name", "departement_code", "departement", "region"), strict=True))
#: Export keys named differently from the field of the sheet they carry.
FIELD_OF_KEY = {"initiative": "initiatives"}
#: (type, description) of the columns that are not a field of the sheet.
NOTES = {
    "title": ("texte", "Titre de l'action, tel que le centre l'a écrit."),
    "slug": ("texte", "Identifiant stable de l'action : sa page est à l'adresse /actions/<slug>/."),
    "centre": ("texte", "Nom du centre social qui mène l'action (la structure organisatrice)."),
    "departement_code": ("texte", "Code INSEE du département du centre (« 69 », « 2A », « 974 »)."),
    "departement": ("texte", "Nom du département du centre."),
    "region": ("texte", "Nom de la région du centre."),
    "funding_total": (
        "nombre décimal",
        "Total du financement : le budget total que déclare la fiche, sinon la somme des montants des lignes de "
        "financement ; vide quand aucun n'est connu.",
    ),
    "funding_declared_total": (
        "nombre décimal",
        "Le budget total que déclare la fiche (« Coût du séjour : … », « Budget global : … ») ; vide quand elle "
        "n'en déclare pas.",
    ),
    "funding_consistent": (
        "booléen",
        "Si la somme des lignes de financement égale le budget total déclaré (« oui » ou « non » en CSV) ; vide "
        "quand la fiche ne déclare pas de total ou qu'une ligne n'a pas de montant.",
    ),
    "files": (
        "liste de textes",
        f"Les noms des fichiers associés à la fiche, séparés par « {LIST_SEPARATOR.strip()} » en CSV (les fichiers "
        "se téléchargent depuis la page de l'action) ; ignorés à l'import.",
    ),
    "inspired_by": (
        "texte",
        "Identifiant (slug) de l'action publiée dont celle-ci est la reprise (« Reprendre cette action ») ; vide "
        "quand elle n'en reprend aucune, ou que l'action reprise n'est pas publiée.",
    ),
}
KIND_TYPES = {
    Kind.IDENTITY: "texte",
    Kind.TEXT: "texte",
    Kind.CHOICE: "texte",
    Kind.CHOICES: "liste de textes",
    Kind.LABELS: "liste de textes",
    Kind.PARTNER_GROUPS: "liste de groupes",
    Kind.FUNDING_LINES: "liste de lignes",
    Kind.AMOUNT: "nombre décimal",
    Kind.YEARS: "liste d'années",
    Kind.FLAG: "booléen",
}
DOWNLOAD_LABELS = {"csv": "CSV", "xlsx": "Excel (XLSX)", "json": "JSON"}


@dataclass
class Column:
    name: str  # the CSV/XLSX column
    json_key: str  # where the JSON record holds it
    type: str
    description: str


def dictionary() -> list[Column]:
    """Every column of the flat export (CSV, XLSX), with its JSON key, its type and what it holds."""
    return [_column(name) for name in FLAT_COLUMNS]


def _column(name: str) -> Column:
    json_key = f"centre.{CENTRE_KEYS[name]}" if name in CENTRE_KEYS else name
    if name in NOTES:
        kind, description = NOTES[name]
        return Column(name, json_key, kind, description)
    field = FIELDS_BY_NAME.get(FIELD_OF_KEY.get(name, name))
    if field is None:
        return Column(name, json_key, "", "")
    return Column(name, json_key, KIND_TYPES[field.kind], _describe(field))


def _describe(field) -> str:
    text = f"« {field.label} »"
    if field.sheet_label and field.sheet_label != field.label:
        text += f" (sur la fiche : « {field.sheet_label} »)"
    if field.kind is Kind.TEXT:
        return text + ", tel que la fiche l'écrit ; vide quand la fiche ne dit rien."
    if field.kind is Kind.CHOICE:
        values = ", ".join(f"« {label} »" for label in field.choices.labels)
        return f"{text}. Une valeur parmi {values} ; vide quand la fiche ne le précise pas."
    if field.kind is Kind.CHOICES:
        values = ", ".join(f"« {label} »" for label in field.choices.labels)
        return f"{text}. Une ou plusieurs valeurs parmi {values}, séparées par « {LIST_SEPARATOR.strip()} » en CSV."
    if field.kind is Kind.LABELS:
        separator = LIST_SEPARATOR.strip()
        return f"{text} : une liste de libellés dans l'ordre de la fiche, séparés par « {separator} » en CSV."
    if field.kind is Kind.FUNDING_LINES:
        return (
            f"{text} : financeurs ou postes de dépense et leurs montants (négatif : un remboursement ou une "
            f"dépense). En JSON, une liste de {{label, amount}} ; en CSV, « libellé : montant » séparés par "
            f"« {LIST_SEPARATOR.strip()} »."
        )
    if field.kind is Kind.PARTNER_GROUPS:
        return (
            f"{text} : les partenaires sous chaque intitulé de la fiche (« Partenaires financiers : »…), dans "
            "son ordre. Une liste de {role, partners} (en CSV, la même liste écrite en JSON) ; role est vide "
            "pour des partenaires sans intitulé."
        )
    if field.kind is Kind.YEARS:
        return f"{text} : les années où l'action a eu lieu, séparées par « {LIST_SEPARATOR.strip()} » en CSV."
    return text + "."


# -- The files -------------------------------------------------------------------------------------------


@dataclass
class Download:
    fmt: str
    label: str
    url: str
    size: int | None

    @property
    def size_label(self) -> str:
        return filesizeformat(self.size) if self.size is not None else ""


@dataclass
class CompleteFiles:
    """The complete files, and when and of how many actions the newest were built (``None`` before the first)."""

    downloads: list[Download]
    built_at: datetime | None
    count: int | None


def complete_files() -> CompleteFiles:
    """The complete files (every published action), with their size once a worker has built them."""
    built = tasks.newest_full_downloads()
    names = built.result["files"] if built is not None else {}
    return CompleteFiles(
        [
            Download(fmt, DOWNLOAD_LABELS[fmt], reverse("action_download", args=[fmt]), _size(names.get(fmt)))
            for fmt in downloads.FORMATS
        ],
        built.finished_at if built is not None else None,
        built.result.get("count") if built is not None else None,
    )


def _size(name: str | None) -> int | None:
    try:
        return default_storage.size(name) if name else None
    except OSError:  # expired meanwhile: the page says the size is not known yet
        return None


# -- The API -----------------------------------------------------------------------------------------------


@dataclass
class Example:
    description: str
    url: str


def api_examples(base_url: str, keyword: str | None) -> list[Example]:
    """Requests to show, as absolute URLs on this site (``base_url`` is the API's own address)."""
    examples = [Example("Toutes les actions publiées, 20 par page", base_url)]
    if keyword:
        examples.append(
            Example(
                "Un mot clé, pour les familles, en Île-de-France, triées par titre, 50 par page",
                f"{base_url}?{urlencode({'keyword': keyword, 'public': 'familles', 'region': '11'})}"
                "&sort=title&page_size=50",
            )
        )
    examples += [
        Example("Une recherche (accents et majuscules ignorés), deuxième page", f"{base_url}?q=s%C3%A9jour&page=2"),
        Example("Seulement les nombres d'actions par valeur de chaque filtre", f"{base_url}?page_size=1"),
    ]
    return examples
