"""The directory of centres (``/centres/``) and the page of one centre, with their filters, counts and pages.

A centre is public through its published actions only. Counts of actions come from the catalogue index (its
``centre_ids`` by position), never from a ``COUNT`` over the actions. A centre's page takes the positions of
its actions from the index, counts its mini facets there (dimension and keyword, each ignoring its own
selection, as on the list), sorts them (most recent first, the index's order) and reads only the page's rows.

Bad parameters raise ``listing.InvalidParameter`` (400), a page past the last one ``listing.PageNotFound`` (404).
"""

from dataclasses import dataclass, field

import numpy as np
from django import forms
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import QueryDict

from actions_catalog.catalogue import french
from actions_catalog.catalogue.listing import InvalidParameter, PageNotFound, pagination
from actions_catalog.core.choices import Dimension
from actions_catalog.core.models import Action
from actions_catalog.core.relations import attach_keyword_rows
from actions_catalog.core.text import normalize_key
from centres.models import Centre

CENTRES_PER_PAGE = 24
ACTIONS_PER_PAGE = 20
#: Keywords of a centre shown before "Voir les N autres mots clés".
TOP_KEYWORDS = 10


class PageField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(
            min_value=1,
            required=False,
            error_messages={
                "invalid": "Le numéro de page doit être un nombre entier.",
                "min_value": "Le numéro de page commence à 1.",
            },
            **kwargs,
        )


def _check(form: forms.Form) -> dict:
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        raise InvalidParameter(name, errors[0])
    return form.cleaned_data


def _page(paginator: Paginator, number: int):
    if number > paginator.num_pages:
        pages = paginator.num_pages
        raise PageNotFound(
            "page", f"La page {number} n'existe pas : cette liste a {pages} page{'s' if pages > 1 else ''}."
        )
    return paginator.page(number)


def _query(params: QueryDict, **changes) -> str:
    """``params`` with some parameters changed (``None`` removes one), always back on page 1 unless given."""
    result = params.copy()
    result.pop("page", None)
    for name, value in changes.items():
        result.pop(name, None)
        if value is not None:
            result[name] = str(value)
    return result.urlencode()


# -- The directory ------------------------------------------------------------------------------------------


class DirectoryForm(forms.Form):
    q = forms.CharField(
        label="Nom du centre",
        max_length=100,
        required=False,
        error_messages={"max_length": "La recherche est limitée à 100 caractères."},
    )
    region = forms.ChoiceField(label="Région", required=False)
    departement = forms.ChoiceField(label="Département", required=False)
    page = PageField()

    def __init__(self, data, *, index):
        super().__init__(data)
        regions = index.facets["region"].domain
        departements = index.facets["departement"].domain
        self.fields["region"].choices = [("", "Toutes les régions"), *zip(regions.values, regions.labels, strict=True)]
        self.fields["departement"].choices = [
            ("", "Tous les départements"),
            *zip(departements.values, departements.labels, strict=True),
        ]
        for name in ("region", "departement"):
            self.fields[name].error_messages["invalid_choice"] = (
                f"Valeur inconnue « %(value)s » pour le paramètre « {name} »."
            )


@dataclass
class Option:
    value: str
    label: str
    selected: bool


@dataclass
class Directory:
    params: QueryDict
    query: str
    regions: list[Option]
    departements: list[Option]
    page: object
    total: int
    counts: dict[int, int] = field(default_factory=dict)

    @property
    def centres(self) -> list[Centre]:
        result = list(self.page.object_list)
        for centre in result:
            centre.action_count = self.counts.get(centre.pk, 0)
        return result

    @property
    def total_label(self) -> str:
        return french.count(self.total, "centre social", "centres sociaux", none="Aucun centre social")

    @property
    def is_filtered(self) -> bool:
        return bool(self.query) or any(option.selected for option in self.regions + self.departements)

    def query_for_page(self, number: int) -> str:
        params = self.params.copy()
        params["page"] = str(number)
        return params.urlencode()

    def pagination(self) -> dict:
        return pagination(self.page, self.query_for_page)


def directory(params: QueryDict, index) -> Directory:
    """The centres with published actions matching ``params`` (``q``, ``region``, ``departement``, ``page``)."""
    data = _check(DirectoryForm(params, index=index))
    published = Action.objects.published().filter(centre=OuterRef("pk"))
    centres = (
        Centre.objects.filter(Exists(published)).select_related("departement__region").order_by("normalized_name", "pk")
    )
    query = (data["q"] or "").strip()
    if query:
        centres = centres.filter(normalized_name__contains=normalize_key(query))
    if data["region"]:
        centres = centres.filter(departement__region_id=data["region"])
    if data["departement"]:
        centres = centres.filter(departement_id=data["departement"])
    page = _page(Paginator(centres, CENTRES_PER_PAGE), data["page"] or 1)
    ids = np.array([centre.pk for centre in page.object_list], dtype=np.int64)
    found = index.centre_ids[np.isin(index.centre_ids, ids)]
    values, counts = np.unique(found, return_counts=True)
    return Directory(
        params=params,
        query=query,
        regions=_options(index.facets["region"].domain, data["region"]),
        departements=_options(
            index.facets["departement"].domain,
            data["departement"],
            keep=lambda code: not data["region"] or index.departement_regions.get(code) == data["region"],
            with_code=True,
        ),
        page=page,
        total=page.paginator.count,
        counts=dict(zip(values.tolist(), counts.tolist(), strict=True)),
    )


def _options(domain, chosen: str, *, keep=None, with_code=False) -> list[Option]:
    options = [
        Option(value, f"{label} ({value})" if with_code else label, value == chosen)
        for value, label in zip(domain.values, domain.labels, strict=True)
        if value == chosen or keep is None or keep(value)
    ]
    return sorted(options, key=lambda option: french.sort_key(option.label))


# -- The page of a centre -------------------------------------------------------------------------------------


class CentreForm(forms.Form):
    dimension = forms.ChoiceField(choices=Dimension.choices, required=False)
    keyword = forms.CharField(max_length=220, required=False)
    page = PageField()

    def __init__(self, data):
        super().__init__(data)
        self.fields["dimension"].error_messages["invalid_choice"] = (
            "Valeur inconnue « %(value)s » pour le paramètre « dimension »."
        )


@dataclass
class MiniOption:
    label: str
    count: int
    query: str  # the centre page's query string choosing (or, when selected, removing) this option
    selected: bool


@dataclass
class CentrePage:
    centre: Centre
    params: QueryDict
    total: int  # published actions of the centre
    page: object
    actions: list
    dimensions: list[MiniOption]
    keywords: list[MiniOption]

    @property
    def top_keywords(self) -> list[MiniOption]:
        return self.keywords[:TOP_KEYWORDS]

    @property
    def more_keywords(self) -> list[MiniOption]:
        return self.keywords[TOP_KEYWORDS:]

    @property
    def is_filtered(self) -> bool:
        return any(option.selected for option in self.dimensions + self.keywords)

    @property
    def shown_label(self) -> str:
        count = self.page.paginator.count
        if not self.is_filtered:
            return french.count(count, "action publiée", "actions publiées")
        return french.count(count, "action", "actions", none="Aucune action") + " sur " + french.number(self.total)

    def query_for_page(self, number: int) -> str:
        params = self.params.copy()
        params["page"] = str(number)
        return params.urlencode()

    def pagination(self) -> dict:
        return pagination(self.page, self.query_for_page)


def centre_page(centre: Centre, params: QueryDict, index) -> CentrePage | None:
    """The page of ``centre``, or ``None`` when it has no published action (it is not public then)."""
    data = _check(CentreForm(params))
    mine = index.centre_ids == centre.pk
    if not mine.any():
        return None
    keyword_domain = index.facets["keyword"].domain
    if data["keyword"] and data["keyword"] not in keyword_domain.index:
        raise InvalidParameter("keyword", f"Valeur inconnue « {data['keyword']} » pour le paramètre « keyword ».")
    masks = {}
    for name in ("dimension", "keyword"):
        if data[name]:
            masks[name] = index.facets[name].matching([data[name]], index.size)

    def without(name):
        result = mine.copy()
        for other, mask in masks.items():
            if other != name:
                result &= mask
        return result

    dimension_counts = index.facets["dimension"].counts(without("dimension"))
    keyword_counts = index.facets["keyword"].counts(without("keyword"))
    dimension_domain = index.facets["dimension"].domain
    dimensions = [
        _mini(params, "dimension", value, label, int(dimension_counts[i]), data["dimension"])
        for i, (value, label) in enumerate(zip(dimension_domain.values, dimension_domain.labels, strict=True))
        if dimension_counts[i] or value == data["dimension"]
    ]
    keywords = sorted(
        (
            _mini(params, "keyword", value, label, int(keyword_counts[i]), data["keyword"])
            for i, (value, label) in enumerate(zip(keyword_domain.values, keyword_domain.labels, strict=True))
            if keyword_counts[i] or value == data["keyword"]
        ),
        key=lambda option: (not option.selected, -option.count, french.sort_key(option.label)),
    )
    ids = index.ids[without(None)]
    page = _page(Paginator(ids, ACTIONS_PER_PAGE), data["page"] or 1)
    page_ids = [int(pk) for pk in page.object_list]
    rows = (
        Action.objects.published()
        .filter(pk__in=page_ids)
        .only("title", "slug", "summary", "status", "dimension", "updated_at")
    )
    by_id = {action.pk: action for action in rows}
    attach_keyword_rows(list(by_id.values()))  # in the order of each sheet
    return CentrePage(
        centre=centre,
        params=params,
        total=int(mine.sum()),
        page=page,
        actions=[by_id[pk] for pk in page_ids if pk in by_id],
        dimensions=dimensions,
        keywords=keywords,
    )


def _mini(params: QueryDict, name: str, value: str, label: str, count: int, chosen: str) -> MiniOption:
    selected = value == chosen
    return MiniOption(label, count, _query(params, **{name: None if selected else value}), selected)
