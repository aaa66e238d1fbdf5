"""The filtered list of published actions: what the HTML list, the API and the downloads share.

``build_listing(params)`` validates every parameter (``filters.ActionFilter``), counts the facets, sorts and
paginates in the in-memory index of the catalogue (``catalogue_index``), then reads the page's rows by primary
key. Bad input raises ``InvalidParameter`` (the caller answers 400 naming the parameter); a page past the last
one raises ``PageNotFound`` (404).

Queries, whatever the filters and the page size, once the index is built for the current catalogue version:
the version, the page, and the prefetches of the page (the total comes from the facet counts, see
``facets.total``); a search not yet cached adds one. ``Listing.queryset`` (the downloads) is the same list in
SQL, sorted the same way.
"""

from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import F
from django.http import QueryDict

from actions_catalog.catalogue import excerpts, french
from actions_catalog.catalogue import facets as facet_counts
from actions_catalog.catalogue import index as catalogue_index
from actions_catalog.catalogue.facets import Facet, FacetDisplay
from actions_catalog.catalogue.filters import DEFAULT_PAGE_SIZE, PAGE_SIZES, ActionFilter, Sort
from actions_catalog.core import search
from actions_catalog.core.models import Action
from actions_catalog.core.relations import attach_keyword_rows

#: Columns no list needs (the export schema does not include them either).
HEAVY_COLUMNS = ("raw_text", "search_vector")


class InvalidParameter(Exception):
    """A query parameter that cannot be used; ``parameter`` names it, ``message`` says why in French."""

    def __init__(self, parameter: str, message: str):
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


class PageNotFound(InvalidParameter):
    """A page number past the last page."""


class KnownCountPaginator(Paginator):
    """A paginator told the number of results instead of counting them again."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.count = count  # shadows Paginator.count (a cached property)


@dataclass
class Chip:
    """A selected filter, shown with a link that removes it."""

    parameter: str
    facet_label: str
    label: str
    remove_query: str
    value: str = ""


@dataclass
class Listing:
    filterset: ActionFilter
    params: QueryDict
    facets: dict[str, Facet]
    total: int
    sort: str
    page_size: int
    page: Page | None = None
    actions: list = field(default_factory=list)
    queryset: object = None
    index: object = None  # the catalogue index the counts and the page come from
    masks: dict = field(default_factory=dict)

    def ids(self):
        """The primary keys of every matching action, in the list's order (from the index, no query)."""
        return self.index.sorted_ids(self.index.combined(self.masks), self.sort, self.query)

    @property
    def is_everything(self) -> bool:
        """The whole catalogue in the default order (what the full downloads hold)."""
        return not self.is_filtered and self.sort == Sort.RECENT

    def filter_params(self) -> list[tuple[str, str]]:
        """The search and the selected values of every facet, in a canonical order (sort and pages aside): what
        says which actions the list holds. The downloads, the Atom feed and the followed searches key on it."""
        params = [("q", self.query)] if self.query else []
        for name in self.filterset.FACETS:
            params += [(name, value) for value in sorted(self.filterset.selected(name))]
        return params

    @property
    def filters_query(self) -> str:
        """``filter_params`` as a query string (``keyword=culture&public=familles``), ``""`` for every action."""
        return urlencode(self.filter_params())

    def download_key(self) -> str:
        """The filters, search and sort of this list, in a canonical order (pages aside): one file per key."""
        return "&".join(f"{name}={value}" for name, value in self.filter_params()) + f"&sort={self.sort}"

    @property
    def query(self) -> str:
        return self.filterset.query

    @property
    def is_filtered(self) -> bool:
        return bool(self.query) or any(facet.selected for facet in self.facets.values())

    @property
    def total_label(self) -> str:
        """``"Aucune action trouvée"``, ``"4 actions trouvées"``, ``"2 022 actions publiées"``."""
        verb = "trouvée" if self.is_filtered else "publiée"
        return french.count(self.total, f"action {verb}", f"actions {verb}s", none=f"Aucune action {verb}")

    @property
    def filter_count(self) -> int:
        """How many facet options are selected (the "Filtrer (n)" button)."""
        return sum(len(facet.selected) for facet in self.facets.values())

    def chips(self) -> list[Chip]:
        result = []
        if self.query:
            result.append(Chip("q", "Recherche", f"« {self.query} »", self.query_without("q"), self.query))
        for facet in self.facets.values():
            for option in facet.selected:
                remove = self.query_without(facet.name, option.value)
                result.append(Chip(facet.name, facet.label, option.label, remove, option.value))
        return result

    def last_chip(self) -> Chip | None:
        """The filter written last in the query string (the page's script adds each new one at the end)."""
        chips = {(chip.parameter, chip.value): chip for chip in self.chips()}
        last = None
        for parameter, values in self.params.lists():
            for value in values:
                last = chips.get((parameter, value.strip()), last)
        return last

    @cached_property
    def facet_displays(self) -> list[FacetDisplay]:
        """The facets as the list page shows them; the départements narrowed to the selected régions."""
        regions = {option.value for option in self.facets["region"].selected}
        parents = self.index.departement_regions if self.index is not None else {}

        def in_regions(option) -> bool:
            return parents.get(option.value) in regions

        return [
            facet_counts.display(facet, in_regions if facet.name == "departement" and regions else None)
            for facet in self.facets.values()
        ]

    @property
    def empty_option_count(self) -> int:
        """Options without result that the list hides ("Afficher les options sans résultat")."""
        return sum(len(display.empty) for display in self.facet_displays)

    @property
    def sort_in_effect(self) -> str:
        """The sort the page really uses: relevance without a search is the most recent first."""
        return Sort.RECENT if self.sort == Sort.RELEVANCE and not self.query else self.sort

    @property
    def sort_choices(self) -> list[tuple[str, str]]:
        """The sorts offered: relevance only with a search (without one it is the most recent first)."""
        return [(value, label) for value, label in Sort.CHOICES if value != Sort.RELEVANCE or self.query]

    @property
    def page_size_choices(self) -> list[int]:
        return sorted({*PAGE_SIZES, self.page_size})

    def query_without(self, parameter: str, value: str | None = None) -> str:
        """The query string of this list without one parameter (or one of its values), back on page 1."""
        params = self.params.copy()
        params.pop("page", None)
        if value is None:
            params.pop(parameter, None)
        else:
            params.setlist(parameter, [v for v in params.getlist(parameter) if v != value])
        return params.urlencode()

    def query_for_page(self, number: int) -> str:
        params = self.params.copy()
        params["page"] = str(number)
        return params.urlencode()

    def pagination(self) -> dict:
        return pagination(self.page, self.query_for_page)

    def query_without_page(self) -> str:
        params = self.params.copy()
        params.pop("page", None)
        return params.urlencode()


def pagination(page: Page, query_for_page) -> dict:
    """Links of the pages around the current one (first and last always); ``query_for_page(n)`` gives the query
    string of page ``n``, keeping the filters (``catalog/includes/pagination.html`` renders it)."""
    last = page.paginator.num_pages
    numbers = sorted({1, last, *range(max(1, page.number - 2), min(last, page.number + 2) + 1)})
    links, previous = [], 0
    for number in numbers:
        if number > previous + 1:
            links.append({"gap": True})
        links.append({"number": number, "query": query_for_page(number), "current": number == page.number})
        previous = number
    return {
        "links": links,
        "previous": query_for_page(page.number - 1) if page.has_previous() else None,
        "next": query_for_page(page.number + 1) if page.has_next() else None,
        "last": last,
    }


def build_listing(params: QueryDict, *, paginate: bool = True, full_sheets: bool = False) -> Listing:
    """Validate ``params``, count the facets, and sort (and paginate) the matching published actions.

    ``full_sheets`` loads every relation the export schema needs (API, downloads) instead of those a
    row of the HTML list shows.
    """
    filterset = ActionFilter(params, queryset=Action.objects.published())
    error = filterset.first_error()
    if error is not None:
        raise InvalidParameter(*error)
    index = catalogue_index.current()
    try:
        masks = index.filter_masks(filterset)
    except search.QueryError as error:
        raise InvalidParameter(
            "q", f"La recherche « {filterset.query} » ne peut pas être comprise ({error}) : simplifiez-la."
        ) from error
    facets = index.compute_facets(filterset, masks)
    for facet in facets.values():
        if facet.unknown:
            raise InvalidParameter(
                facet.name, f"Valeur inconnue « {facet.unknown[0]} » pour le paramètre « {facet.name} »."
            )
    query = filterset.query
    sort = filterset.value("sort") or (Sort.RELEVANCE if query else Sort.RECENT)
    listing = Listing(
        filterset=filterset,
        params=params,
        facets=facets,
        total=facet_counts.total(facets),
        sort=sort,
        page_size=filterset.value("page_size") or DEFAULT_PAGE_SIZE,
        queryset=_rows(_sorted(filterset.qs, sort, query), query, full_sheets=full_sheets),
        index=index,
        masks=masks,
    )
    if paginate:
        ids = index.sorted_ids(index.combined(masks), sort, query)
        _paginate(listing, ids, filterset.value("page") or 1, full_sheets=full_sheets)
    return listing


def _rows(queryset, query: str, *, full_sheets: bool):
    """``queryset`` with what a row shows (or what the export schema needs) loaded in a fixed number of queries (a
    page's rows get their keywords after, ``attach_keyword_rows``)."""
    queryset = queryset.defer(*HEAVY_COLUMNS).select_related("centre__departement__region")
    if full_sheets:
        queryset = queryset.with_sheet_relations()
    if query:
        queryset = excerpts.with_excerpts(queryset, query)
    return queryset


def _sorted(queryset, sort: str, query: str):
    if sort == Sort.TITLE:
        return queryset.order_by("normalized_title", "pk")
    if sort == Sort.RELEVANCE and query:
        return queryset.annotate(rank=search.rank(query)).order_by(F("rank").desc(), "-updated_at", "-pk")
    return queryset.order_by("-updated_at", "-pk")  # recent (also relevance when there is nothing to rank)


def _paginate(listing: Listing, ids, number: int, *, full_sheets: bool):
    """Take page ``number`` of the sorted primary keys ``ids`` and read its actions (in that order)."""
    paginator = KnownCountPaginator(ids, listing.page_size, count=listing.total)
    if number > paginator.num_pages:
        pages = paginator.num_pages
        raise PageNotFound(
            "page", f"La page {number} n'existe pas : cette liste a {pages} page{'s' if pages > 1 else ''}."
        )
    listing.page = paginator.page(number)
    page_ids = [int(pk) for pk in listing.page.object_list]
    rows = _rows(Action.objects.published().filter(pk__in=page_ids).order_by(), listing.query, full_sheets=full_sheets)
    by_id = {action.pk: action for action in rows}
    listing.actions = [by_id[pk] for pk in page_ids if pk in by_id]
    if not full_sheets:
        attach_keyword_rows(listing.actions)  # a row's keywords, in its sheet's order
    if listing.query:
        for action in listing.actions:
            action.excerpt = excerpts.excerpt(action)
