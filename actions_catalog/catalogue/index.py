"""An in-memory index of the published actions: facet counts, sorting, related actions without SQL scans.

Why: at 100,000 actions, ten grouped SQL queries per list page (one per facet, each with subqueries for the
other filters) cost about a second, a search ten times more. The catalogue is small enough to hold in memory
as a few NumPy arrays per process (a few MB), and it changes rarely.

The index (``CatalogueIndex``), built by ``build()`` from a dozen plain ``values_list`` queries:
- one *position* per published action, in the "most recent first" order of the list (``-updated_at, -pk``),
  so sorting by recency is free; ``ids[position]`` is the action's primary key;
- a *column* per single-valued facet (dimension, status, territory, département, région): for each position
  the index of its value in the facet's ``values`` (-1 for none);
- *pairs* per multi-valued facet (keyword, partner, public, initiative, year): two parallel arrays
  ``(position, value index)``, one element per row of the relation table;
- the rank of each action in the title order, taken from the database (its collation decides, not Python).

A filter is a boolean mask over positions. A facet's disjunctive counts are ``np.bincount`` of its values over
the mask of every *other* filter (see ``facets.py`` for the rules); the page is a slice of the sorted matching
positions, and only its rows are then read from the database, by primary key. A search is one SQL query
returning the matching ids and their rank, cached per (catalogue version, query). For a new version, a search
made on an earlier index is not run again over the whole catalogue: the index keeps each row's version
(``row_versions``: PostgreSQL's ``xmin`` and ``ctid``, which change with every update of the row, the search
vector included), and only the actions whose row changed or appeared are searched again (``_search_since``), for
a search made on any of the last ``ROW_STATES_KEPT`` indexes the process loaded.

Staleness: the index is keyed by ``CatalogueVersion.value``, which database triggers change on every write to
the tables it reads (migration 0008). Each request reads the version (one cheap query, or a subquery of a query
it makes anyway) and rebuilds the index when it differs. With a read replica, the version and the data are
read from the same database (the router sends this app's tables together), so an index never holds data older
than its version. An index built inside a transaction that later rolls
back is keyed by a version that is never handed out again. If the version row is missing (a flushed test
database), nothing is cached.

``tests/oracles.py`` counts the same in SQL, the reference implementation: the tests compare both on varied filters.
"""

import contextlib
import contextvars
import io
import json
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import BigIntegerField, Subquery, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from actions_catalog.catalogue.facets import FACETS, Facet, Option
from actions_catalog.catalogue.models import IndexSnapshot
from actions_catalog.core import search
from actions_catalog.core.choices import Dimension, Initiative, Public, PublicationState, Status, Territory
from actions_catalog.core.models import (
    Action,
    ActionInitiative,
    ActionPublic,
    ActionYear,
    CatalogueVersion,
    Keyword,
    Partner,
)
from centres.models import Departement, Region

#: The relations a sheet links to, by section name (see ``sheet.LINKED_SECTIONS``), and their facets.
LINKED_FACETS = {"keywords": "keyword", "partners": "partner", "publics": "public", "initiatives": "initiative"}
#: Searches kept per process (their matching ids and ranks), across versions.
SEARCH_CACHE_SIZE = 64
#: A search on a new index re-searches at most this many changed actions (or a tenth of the catalogue), else all.
RESEARCH_LIMIT = 1_000

logger = logging.getLogger(__name__)
_lock = threading.Lock()
#: Indexes kept per process, by version: two, so that with a read replica that lags, pages read from the primary
#: (signed-in people) and from the replica (visitors) do not rebuild in turn (see ``replicas.py``).
INDEXES_KEPT = 2
_indexes: "OrderedDict[int, CatalogueIndex]" = OrderedDict()
#: The row versions of the last indexes loaded, kept after their index is dropped: a search made on one of them is
#: searched again only among the rows changed since (``_search_since``), however many versions a burst of approvals
#: made meanwhile. At 100,000 actions about 4 MB each (ids, row versions, positions), not the whole index.
ROW_STATES_KEPT = 8
_row_states: "OrderedDict[int, RowState]" = OrderedDict()
_searches: OrderedDict = OrderedDict()
#: The version of the newest index each query was searched on (``_search_since`` starts from that search).
_searched_on: dict = {}


@dataclass
class Domain:
    """The values of one facet: ``values[i]`` is the query-string value, ``labels[i]`` what is shown."""

    values: list[str]
    labels: list[str]
    index: dict[str, int] = field(init=False)

    def __post_init__(self):
        self.index = {value: i for i, value in enumerate(self.values)}

    def indices(self, selected: list[str]) -> np.ndarray:
        return np.array([self.index[value] for value in selected if value in self.index], dtype=np.int32)


class LabelOrderedDomain(Domain):
    """Rows of a table of labels, in French order (``normalized_label``, the ``Meta.ordering`` of Keyword, Partner)."""


@dataclass
class Column:
    """A single-valued facet: ``codes[position]`` is a value index, or -1."""

    domain: Domain
    codes: np.ndarray

    def matching(self, selected: list[str], size: int) -> np.ndarray:
        return np.isin(self.codes, self.domain.indices(selected))

    def counts(self, mask: np.ndarray) -> np.ndarray:
        codes = self.codes[mask]
        return np.bincount(codes[codes >= 0], minlength=len(self.domain.values))


@dataclass
class Pairs:
    """A multi-valued facet: one ``(positions[i], codes[i])`` per row of its relation table."""

    domain: Domain
    positions: np.ndarray
    codes: np.ndarray
    by_value: "Lists" = field(init=False)  # the positions having each value

    def __post_init__(self):
        self.by_value = Lists.of(self.codes, self.positions, len(self.domain.values))

    def matching(self, selected: list[str], size: int) -> np.ndarray:
        mask = np.zeros(size, dtype=bool)
        for code in self.domain.indices(selected).tolist():
            mask[self.by_value.values_of(code)] = True
        return mask

    def counts(self, mask: np.ndarray) -> np.ndarray:
        return np.bincount(self.codes[mask[self.positions]], minlength=len(self.domain.values))


@dataclass
class Lists:
    """Compressed rows: ``values_of(key)`` is ``values[offsets[key]:offsets[key + 1]]``."""

    offsets: np.ndarray
    values: np.ndarray

    @classmethod
    def of(cls, keys: np.ndarray, values: np.ndarray, size: int) -> "Lists":
        order = np.argsort(keys, kind="stable")
        offsets = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(keys, minlength=size), out=offsets[1:])
        return cls(offsets, values[order])

    def values_of(self, key: int) -> np.ndarray:
        return self.values[self.offsets[key] : self.offsets[key + 1]]


@dataclass
class RowState:
    """What ``CatalogueIndex.unchanged_since`` reads of an earlier index: its actions and their rows' versions."""

    version: int | str | None
    ids: np.ndarray
    row_versions: np.ndarray | None
    _position: np.ndarray

    def positions_of(self, ids: np.ndarray) -> np.ndarray:
        """The position of each of ``ids`` (-1 for an action not in this index)."""
        ids = np.asarray(ids, dtype=np.int64)
        found = np.full(len(ids), -1, dtype=np.int64)
        inside = (ids >= 0) & (ids < len(self._position))
        found[inside] = self._position[ids[inside]]
        return found


@dataclass
class CatalogueIndex:
    version: int | str | None  # see read_version
    ids: np.ndarray  # primary key by position (positions are in "most recent first" order)
    title_rank: np.ndarray  # rank of each position in the title order
    centre_ids: np.ndarray
    facets: dict[str, Column | Pairs]
    used: dict[str, np.ndarray] = field(init=False)  # unfiltered counts, by facet
    departement_regions: dict[str, str] = field(default_factory=dict)  # région code by département code
    # (xmin, ctid) of each position's row when the index was built: equal in two indexes, the row is the same.
    row_versions: np.ndarray | None = None
    _unchanged: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self):
        everything = np.ones(self.size, dtype=bool)
        self.used = {name: facet.counts(everything) for name, facet in self.facets.items()}
        self._position = np.full(int(self.ids.max()) + 1 if self.size else 0, -1, dtype=np.int64)
        self._position[self.ids] = np.arange(self.size)
        # The values of each position, per relation (the sheet's links), and the positions of each keyword.
        self.by_position = {
            name: Lists.of(self.facets[name].positions, self.facets[name].codes, self.size)
            for name in LINKED_FACETS.values()
        }
        self.keyword_lists = (self.by_position["keyword"], self.facets["keyword"].by_value)

    @property
    def size(self) -> int:
        return len(self.ids)

    def position(self, action_id: int) -> int | None:
        if (
            action_id is not None
            and 0 <= action_id < len(self._position)
            and (found := int(self._position[action_id])) >= 0
        ):
            return found
        return None

    def positions_of(self, ids: np.ndarray) -> np.ndarray:
        """The position of each of ``ids`` (-1 for an action not in this index)."""
        return self.row_state().positions_of(ids)

    def row_state(self) -> RowState:
        """This index's actions and row versions (the same arrays, not copies)."""
        return RowState(self.version, self.ids, self.row_versions, self._position)

    def unchanged_since(self, earlier: "CatalogueIndex | RowState") -> np.ndarray | None:
        """For each position, whether ``earlier`` holds the same version of that action's row (``None`` when
        either index lacks the rows' versions)."""
        if self.row_versions is None or earlier.row_versions is None:
            return None
        if earlier.version not in self._unchanged:
            before = earlier.positions_of(self.ids)
            same = before >= 0
            same[same] = (earlier.row_versions[before[same]] == self.row_versions[same]).all(axis=1)
            self._unchanged = {earlier.version: same}  # one earlier index at a time: the newest one searched
        return self._unchanged[earlier.version]

    def subset(self, positions: np.ndarray) -> "CatalogueIndex":
        """The index of the actions at ``positions`` only (in that order), with the same facet values: filters
        then cost the size of the subset, not of the catalogue (the digests of followed searches match their
        searches against the few actions published since the last digest). Never cached (no version)."""
        positions = np.asarray(positions, dtype=np.int64)
        renumbered = np.full(self.size, -1, dtype=np.int64)
        renumbered[positions] = np.arange(len(positions))
        facets = {}
        for name, facet in self.facets.items():
            if isinstance(facet, Pairs):
                new = renumbered[facet.positions]
                kept = new >= 0
                facets[name] = Pairs(facet.domain, new[kept].astype(facet.positions.dtype), facet.codes[kept])
            else:
                facets[name] = Column(facet.domain, facet.codes[positions])
        return CatalogueIndex(
            None,
            self.ids[positions],
            self.title_rank[positions],
            self.centre_ids[positions],
            facets,
            departement_regions=self.departement_regions,
            row_versions=None if self.row_versions is None else self.row_versions[positions],
        )

    # -- Filtering and counting ---------------------------------------------------------------------------

    def filter_masks(self, filterset, *, search: bool = True) -> dict[str, np.ndarray]:
        """One mask per active filter of a valid ``ActionFilter`` (``"q"`` for the search, unless ``search`` is
        off: the digests of followed searches match the search on a few new actions only, in SQL)."""
        masks = {}
        for name in filterset.FACETS:
            selected = filterset.selected(name)
            if selected:
                masks[name] = self.facets[name].matching(selected, self.size)
        if search and filterset.query:
            masks["q"] = ~np.isnan(self.search_ranks(filterset.query))
        return masks

    def combined(self, masks: dict[str, np.ndarray], *, without: str | None = None) -> np.ndarray:
        result = np.ones(self.size, dtype=bool)
        for name, mask in masks.items():
            if name != without:
                result &= mask
        return result

    def compute_facets(self, filterset, masks: dict[str, np.ndarray]) -> dict[str, Facet]:
        """Every facet of a valid ``ActionFilter``, in display order, counted in memory."""
        result = {}
        for name in filterset.FACETS:
            counts = self.facets[name].counts(self.combined(masks, without=name))
            result[name] = self._facet(filterset, name, counts)
        return result

    def _facet(self, filterset, name: str, counts: np.ndarray) -> Facet:
        definition, domain, used = FACETS[name], self.facets[name].domain, self.used[name]
        selected = filterset.selected(name)
        label = filterset.filters[name].label
        listed = [i for i, n in enumerate(used.tolist()) if n > 0 or domain.values[i] in selected]
        options = [
            Option(domain.values[i], domain.labels[i], int(counts[i]), domain.values[i] in selected) for i in listed
        ]
        if definition.is_rows:
            definition.sort(options)
            unknown = [value for value in selected if value not in domain.index]
            return Facet(name, label, options, unknown=unknown)
        if definition.choices is None:  # years: the values used plus the selected ones, most recent first
            listed_values = {option.value for option in options}
            options += [Option(value, value, 0, True) for value in selected if value not in listed_values]
            options.sort(key=lambda option: option.value, reverse=True)
        return Facet(name, label, options)

    # -- Sorting ---------------------------------------------------------------------------------------------

    def sorted_ids(self, mask: np.ndarray, sort: str, query: str) -> np.ndarray:
        """The primary keys of the positions in ``mask``, in the order of ``sort`` (see ``listing._sorted``)."""
        from actions_catalog.catalogue.filters import Sort

        positions = np.flatnonzero(mask)  # already "most recent first"
        if sort == Sort.TITLE:
            positions = positions[np.argsort(self.title_rank[positions], kind="stable")]
        elif sort == Sort.RELEVANCE and query:
            ranks = self.search_ranks(query)[positions]
            positions = positions[np.argsort(-ranks, kind="stable")]  # ties stay most recent first
        return self.ids[positions]

    # -- Search ------------------------------------------------------------------------------------------

    def search_ranks(self, query: str) -> np.ndarray:
        """The relevance of each position for ``query`` (NaN where it does not match): one query, cached.

        The cache keeps the matching positions and their ranks only (a few KB, not one float per action).
        """
        key = (self.version, query)
        matches = _searches.get(key) if self.version is not None else None
        if matches is None:
            matches = self._search_since(query) if self.version is not None else None
            if matches is None:
                matches = self._search(query)
            if self.version is not None:
                with _lock:
                    _searches[key] = matches
                    _searched_on[query] = self.version
                    while len(_searches) > SEARCH_CACHE_SIZE:
                        _searches.popitem(last=False)
        positions, ranks = matches
        dense = np.full(self.size, np.nan)
        dense[positions] = ranks
        return dense

    def _search_since(self, query: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The matches of ``query`` from its cached search on an earlier index, searched again only among the
        actions whose row changed or appeared since; ``None`` when there is no such search, or too much changed.

        Exact: an action's relevance (``ts_rank``) depends on its own search vector only, which is a column of its
        row, so a row of the same version matches as it did."""
        with _lock:
            version = _searched_on.get(query)
            earlier = _row_states.get(version) if version is not None and version != self.version else None
            matches = _searches.get((version, query)) if earlier is not None else None
        if matches is None or (unchanged := self.unchanged_since(earlier)) is None:
            return None
        changed = self.ids[~unchanged]
        if len(changed) > max(RESEARCH_LIMIT, self.size // 10):
            return None
        positions, ranks = matches
        kept = self.positions_of(earlier.ids[positions])
        still = kept >= 0
        still[still] = unchanged[kept[still]]
        found, found_ranks = self._search(query, among=changed) if len(changed) else (kept[:0], ranks[:0])
        return np.concatenate([kept[still], found]), np.concatenate([ranks[still], found_ranks])

    def _search(self, query: str, among: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        found = Action.objects.published().filter(search.condition(query)).annotate(rank=search.rank(query))
        if among is not None:
            found = found.filter(pk__in=[int(pk) for pk in among])
        try:
            # Inside a transaction (tests, a view that writes), a failed query must not break it: a savepoint.
            with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
                rows = list(found.values_list("pk", "rank").order_by())
        except DatabaseError as error:  # a query PostgreSQL cannot parse, even simplified
            raise search.QueryError(str(error).splitlines()[0]) from error
        ids = np.fromiter((pk for pk, _ in rows), dtype=np.int64, count=len(rows))
        ranks = np.fromiter((rank for _, rank in rows), dtype=np.float64, count=len(rows))
        positions = self.positions_of(ids)  # actions published after this index was built are not in it
        kept = positions >= 0
        return positions[kept], ranks[kept]

    # -- Related actions and figures ---------------------------------------------------------------------

    def related_ids(self, action_id: int, limit: int) -> list[tuple[int, int]]:
        """``(id, keywords in common)`` of up to ``limit`` other actions sharing the most keywords with one.

        Ties go to the highest primary key (the most recently created action), as in ``sheet.related_actions``.
        """
        position = self.position(action_id)
        if position is None:
            return []
        by_action, by_keyword = self.keyword_lists
        mine = by_action.values_of(position)
        if not len(mine):
            return []
        others = np.concatenate([by_keyword.values_of(keyword) for keyword in mine.tolist()])
        common = np.bincount(others, minlength=self.size)
        common[position] = 0
        # One key orders by common keywords, then by primary key: the best are the largest keys.
        key = (common.astype(np.int64) << 32) | self.ids
        best = np.argpartition(key, -limit)[-limit:] if self.size > limit else np.arange(self.size)
        best = best[np.argsort(-key[best])]
        return [(int(self.ids[p]), int(common[p])) for p in best if common[p] > 0]

    def linked_values(self, action_id: int) -> dict[str, list[tuple[str, str]]]:
        """``(value, label)`` of an action's keywords, partners (each once), publics and initiatives, in the order
        of its sheet: what ``sheet.linked_values`` reads from the relations, without a query."""
        position = self.position(action_id)
        result = {}
        for section, name in LINKED_FACETS.items():
            codes = self.by_position[name].values_of(position).tolist() if position is not None else []
            domain = self.facets[name].domain
            result[section] = [(domain.values[code], domain.labels[code]) for code in codes]
        return result

    def headline_figures(self) -> dict[str, int]:
        departements = self.facets["departement"].codes
        return {
            "actions": self.size,
            "centres": len(np.unique(self.centre_ids)),
            "departements": len(np.unique(departements[departements >= 0])),
        }

    def top_keywords(self, limit: int) -> list[tuple[str, str, int]]:
        """``(slug, label, count)`` of the keywords of the most published actions; ties in label order."""
        keyword, used = self.facets["keyword"].domain, self.used["keyword"]
        best = [i for i in np.lexsort((np.arange(len(used)), -used))[:limit].tolist() if used[i] > 0]
        return [(keyword.values[i], keyword.labels[i], int(used[i])) for i in best]

    def departement_counts(self) -> list[tuple[str, str, int]]:
        """``(code, name, published actions)`` of every département, by code."""
        domain, used = self.facets["departement"].domain, self.used["departement"]
        return [(domain.values[i], domain.labels[i], int(used[i])) for i in range(len(domain.values))]


# -- Version, stored indexes and the per-process cache -----------------------------------------------------
#
# In production (``CATALOGUE_INDEX_INLINE`` off) requests never build an index: a worker's watcher
# (``refresh_stored_index``, every second, at most one build every ``tasks.INDEX_EVERY``) builds one for the
# newest catalogue version and stores it in the database (``IndexSnapshot``: compact NumPy arrays, a few MB at
# 100,000 actions); each process loads the newest
# stored index once and keeps it until a newer one is stored. Its counts are exact for the version it was built
# at; rows read from the database may be a few seconds newer. With ``CATALOGUE_INDEX_INLINE`` on (the tests), a
# process builds the index of the live version itself, as it was read in the request, through the same
# serialization.


def version_expression():
    """The version key of the catalogue row, as this transaction sees it (``CATALOGUE_INDEX_INLINE`` only).

    The new value is written at commit (see migration 0008); until then a transaction that wrote reads its
    private marker ``catalogue.pending`` with it, so that it never gets the index of the catalogue before its
    own writes.
    """
    text = TextField()
    pending = Coalesce(RawSQL("current_setting('catalogue.pending', true)", [], output_field=text), Value("", text))
    return Concat(Cast("value", text), Value(":", text), pending, output_field=text)


def inline() -> bool:
    return getattr(settings, "CATALOGUE_INDEX_INLINE", False)


def version_subquery() -> Subquery:
    """The key of the index to use, to annotate a query the page makes anyway (saves a round trip): the newest
    stored index, or with ``CATALOGUE_INDEX_INLINE`` the live catalogue version."""
    if inline():
        return Subquery(CatalogueVersion.objects.filter(pk=1).annotate(key=version_expression()).values("key")[:1])
    return Subquery(IndexSnapshot.objects.order_by("-pk").values("pk")[:1])


def read_version() -> int | str | None:
    """The key of the index to use (``None`` when there is none: nothing is cached then)."""
    if inline():
        return (
            CatalogueVersion.objects.filter(pk=1)
            .annotate(key=version_expression())
            .values_list("key", flat=True)
            .first()
        )
    return IndexSnapshot.objects.order_by("-pk").values_list("pk", flat=True).first()


def recent_versions(within: timedelta) -> list[int | str]:
    """The key of the index to use (as ``read_version``), then the keys of the stored indexes that newer ones
    replaced less than ``within`` ago, newest first (``[]`` when there is no index): a page kept at one of them
    counts a catalogue that was the newest less than ``within`` ago (``visitor_pages``). One query; with
    ``CATALOGUE_INDEX_INLINE``, the live version alone."""
    if inline() or within <= timedelta(0):
        version = read_version()
        return [] if version is None else [version]
    rows = list(IndexSnapshot.objects.order_by("-pk").values_list("pk", "built_at")[:SNAPSHOTS_KEPT])
    since = timezone.now() - within
    keys = [pk for pk, _ in rows[:1]]
    for (older, _), (_, replaced_at) in zip(rows[1:], rows, strict=False):
        if replaced_at < since:
            break
        keys.append(older)
    return keys


#: The version a request reads its index at (``reading``), or ``...``: read it.
_reading: contextvars.ContextVar = contextvars.ContextVar("catalogue_version_read", default=...)


@contextlib.contextmanager
def reading(version: int | str | None):
    """Within the block, ``current()`` answers with the index of ``version`` (read once by the caller) without
    reading the version again: one page, one version."""
    token = _reading.set(version)
    try:
        yield
    finally:
        _reading.reset(token)


def current(version: int | str | None = ...) -> "CatalogueIndex":
    """The index to answer with: the newest stored one (loaded once per process), or with
    ``CATALOGUE_INDEX_INLINE`` the index of the live version, built here. ``version``: the key when the caller
    read it already (``version_subquery``, ``reading``)."""
    if version is ...:
        version = _reading.get()
    if version is ...:
        version = read_version()
    index = _indexes.get(version) if version is not None else None
    if index is not None:
        return index
    if inline():
        index = deserialize(serialize(build(version)))  # the stored format, even here
    elif version is not None:
        data = IndexSnapshot.objects.filter(pk=version).values_list("data", flat=True).first()
        index = deserialize(bytes(data), key=version) if data is not None else empty_index()
    else:
        logger.warning("no catalogue index stored yet: is a worker (manage.py run_jobs) running?")
        return empty_index()
    if version is not None:
        with _lock:
            _indexes[version] = index
            while len(_indexes) > INDEXES_KEPT:
                _indexes.popitem(last=False)
            _row_states[version] = index.row_state()
            while len(_row_states) > ROW_STATES_KEPT:
                _row_states.popitem(last=False)
    return index


def clear() -> None:
    """Forget the indexes and the cached searches (tests)."""
    with _lock:
        _indexes.clear()
        _row_states.clear()
        _searches.clear()
        _searched_on.clear()


# -- Storing: built by the worker, for each new catalogue version -------------------------------------------

#: Serializes index builds between workers (an arbitrary constant).
BUILD_LOCK_ID = 7_340_612
#: Stored indexes kept (a process still answering with an older one may need it for a moment).
SNAPSHOTS_KEPT = 3


def catalogue_version() -> str:
    """The catalogue version as this transaction sees it (a transaction that wrote reads its own marker too)."""
    key = CatalogueVersion.objects.filter(pk=1).annotate(key=version_expression()).values_list("key", flat=True)
    return key.first() or ""


def newest_snapshot() -> "IndexSnapshot | None":
    return IndexSnapshot.objects.defer("data").order_by("-pk").first()


def refresh_stored_index(*, spacing: timedelta = timedelta(0)) -> "IndexSnapshot | None":
    """Build and store the index of the current catalogue version, unless the newest stored one has it, its build
    started less than ``spacing`` ago (the next call builds it: a build longer than ``spacing`` is followed at
    once), or another worker is building one now. Returns the new snapshot, or ``None``."""
    newest = newest_snapshot()
    if newest is not None:
        started = newest.built_at - timedelta(seconds=newest.build_seconds)
        if started > timezone.now() - spacing or newest.version == catalogue_version():
            return None
    return build_and_store()


def build_and_store() -> "IndexSnapshot | None":
    """Build the index of the catalogue as one transaction sees it (repeatable read: the version and every row
    agree), store it, and drop the oldest. ``None`` when another worker holds the build lock."""
    started = time.perf_counter()
    isolate = not connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            if isolate:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [BUILD_LOCK_ID])
            if not cursor.fetchone()[0]:
                return None
        version = catalogue_version()
        index = build(version)
        data = serialize(index)
        snapshot = IndexSnapshot.objects.create(
            version=version,
            actions=index.size,
            size=len(data),
            data=data,
            build_seconds=round(time.perf_counter() - started, 3),
        )
        old = IndexSnapshot.objects.order_by("-pk").values_list("pk", flat=True)[SNAPSHOTS_KEPT:]
        IndexSnapshot.objects.filter(pk__in=list(old)).delete()
    return snapshot


# -- Serialization: NumPy arrays in an uncompressed .npz, the domains in JSON --------------------------------


def serialize(index: "CatalogueIndex") -> bytes:
    arrays = {"ids": index.ids, "title_rank": index.title_rank, "centre_ids": index.centre_ids}
    if index.row_versions is not None:
        arrays["row_versions"] = index.row_versions
    meta = {"version": index.version, "facets": {}, "departement_regions": index.departement_regions}
    for name, facet in index.facets.items():
        domain = facet.domain
        meta["facets"][name] = {
            "kind": "pairs" if isinstance(facet, Pairs) else "column",
            "values": domain.values,
            "labels": domain.labels,
            "label_ordered": isinstance(domain, LabelOrderedDomain),
        }
        arrays[f"{name}.codes"] = facet.codes
        if isinstance(facet, Pairs):
            arrays[f"{name}.positions"] = facet.positions
    arrays["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def deserialize(data: bytes, *, key=...) -> "CatalogueIndex":
    """The index stored by ``serialize``; ``key`` replaces its version as the key of its cached searches."""
    with np.load(io.BytesIO(data), allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    meta = json.loads(arrays.pop("meta").tobytes().decode())
    facets = {}
    for name, described in meta["facets"].items():
        kind = LabelOrderedDomain if described["label_ordered"] else Domain
        domain = kind(described["values"], described["labels"])
        if described["kind"] == "pairs":
            facets[name] = Pairs(domain, arrays[f"{name}.positions"], arrays[f"{name}.codes"])
        else:
            facets[name] = Column(domain, arrays[f"{name}.codes"])
    version = meta["version"] if key is ... else key
    return CatalogueIndex(
        version,
        arrays["ids"],
        arrays["title_rank"],
        arrays["centre_ids"],
        facets,
        departement_regions=meta["departement_regions"],
        row_versions=arrays.get("row_versions"),  # absent from indexes stored before it existed
    )


def empty_index() -> "CatalogueIndex":
    """An index of no action (before the first index is stored)."""
    empty = np.zeros(0, dtype=np.int64)
    facets = {}
    for name in ("dimension", "status", "territory"):
        facets[name] = Column(_choices({"dimension": Dimension, "status": Status, "territory": Territory}[name]), empty)
    for name in ("departement", "region"):
        facets[name] = Column(Domain([], []), empty.astype(np.int32))
    for name, domain in (
        ("public", _choices(Public)),
        ("initiative", _choices(Initiative)),
        ("keyword", LabelOrderedDomain([], [])),
        ("partner", LabelOrderedDomain([], [])),
        ("year", Domain([], [])),
    ):
        facets[name] = Pairs(domain, empty.astype(np.int32), empty.astype(np.int32))
    return CatalogueIndex(None, empty, empty, empty, facets)


# -- Building --------------------------------------------------------------------------------------------


def _choices(choices) -> Domain:
    return Domain([value for value, _ in choices.choices], [label for _, label in choices.choices])


def _codes(values: list, domain: Domain) -> np.ndarray:
    index = domain.index
    return np.fromiter((index.get(value, -1) for value in values), dtype=np.int32, count=len(values))


def _pairs(rows, domain: Domain, positions: dict[int, int], index: dict | None = None) -> Pairs:
    """Pairs from ``(action id, value)`` rows (rows of actions that are not published are skipped).

    ``index`` maps a row's value to its place in ``domain`` (by default the domain's own values).
    """
    index = domain.index if index is None else index
    kept = [(positions[a], index[v]) for a, v in rows if a in positions and v in index]
    array = np.array(kept, dtype=np.int32).reshape(-1, 2)
    return Pairs(domain, array[:, 0].copy(), array[:, 1].copy())


def build(version: int | None) -> CatalogueIndex:
    """Read the published actions and their facet values (a fixed number of queries, see the module docstring)."""
    published = Action.objects.published()
    rows = list(
        published.annotate(**_row_version())
        .order_by("-updated_at", "-pk")
        .values_list(
            "pk",
            "centre_id",
            "dimension",
            "status",
            "territory",
            "centre__departement_id",
            "centre__departement__region_id",
            "row_xmin",
            "row_ctid",
        )  # fmt: skip
    )
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    positions = {row[0]: i for i, row in enumerate(rows)}
    title_order = published.order_by("normalized_title", "pk").values_list("pk", flat=True)
    title_rank = np.empty(len(rows), dtype=np.int64)
    title_rank[[positions[pk] for pk in title_order]] = np.arange(len(rows))

    def labelled(model, key, label, order, domain=Domain, used_by=None):
        rows = model.objects.all()
        if used_by is not None:  # only the labels of published actions: the others are nobody's business
            rows = rows.filter(pk__in=used_by.filter(action__state=PublicationState.PUBLISHED).values(used_by.column))
        found = list(rows.order_by(*order).values_list("pk", key, label))
        by_pk = {pk: i for i, (pk, _, _) in enumerate(found)}
        return domain([str(k) for _, k, _ in found], [lab for _, _, lab in found]), by_pk

    # In French order (the normalized labels): the ties of top_keywords.
    keyword_links = _Links(Action.keywords.through, "keyword_id")
    partner_links = _Links(Action.partners.through, "partner_id")
    french = ["normalized_label", "pk"]
    keywords, keyword_by_pk = labelled(Keyword, "slug", "label", french, LabelOrderedDomain, keyword_links)
    partners, partner_by_pk = labelled(Partner, "slug", "label", french, LabelOrderedDomain, partner_links)
    departement_rows = list(Departement.objects.order_by("code").values_list("code", "name", "region_id"))
    departements = Domain([code for code, _, _ in departement_rows], [name for _, name, _ in departement_rows])
    regions, _ = labelled(Region, "code", "name", ["code"])
    link_rows = {
        "keyword": (Action.keywords.through, "keyword_id", keywords, keyword_by_pk),
        "partner": (Action.partners.through, "partner_id", partners, partner_by_pk),
    }
    facets = {
        "dimension": Column(_choices(Dimension), _codes([row[2] for row in rows], _choices(Dimension))),
        "status": Column(_choices(Status), _codes([row[3] for row in rows], _choices(Status))),
        "territory": Column(_choices(Territory), _codes([row[4] for row in rows], _choices(Territory))),
        "departement": Column(departements, _codes([row[5] for row in rows], departements)),
        "region": Column(regions, _codes([row[6] for row in rows], regions)),
        "public": _pairs(_child_rows(ActionPublic, "public"), _choices(Public), positions),
        "initiative": _pairs(_child_rows(ActionInitiative, "initiative"), _choices(Initiative), positions),
    }
    for name, (through, column, domain, by_pk) in link_rows.items():
        # In the sheet's order; a partner listed under two roles is one pair (an action counts once).
        links = dict.fromkeys(through.objects.values_list("action_id", column).order_by("action_id", "position"))
        facets[name] = _pairs(links, domain, positions, by_pk)
    year_rows = [(a, str(y)) for a, y in _child_rows(ActionYear, "year")]
    years = sorted({y for a, y in year_rows if a in positions}, reverse=True)
    facets["year"] = _pairs(year_rows, Domain(years, years), positions)
    centre_ids = np.array([row[1] for row in rows], dtype=np.int64)
    row_versions = np.array([row[7:9] for row in rows], dtype=np.int64).reshape(-1, 2)
    departement_regions = {code: region for code, _, region in departement_rows}
    return CatalogueIndex(
        version, ids, title_rank, centre_ids, facets, departement_regions=departement_regions, row_versions=row_versions
    )


def _row_version() -> dict:
    """The version of an action's row: the transaction that wrote it (``xmin``) and where (``ctid``, which a second
    update in the same transaction changes too: the first version is still on disk)."""
    table = connection.ops.quote_name(Action._meta.db_table)
    ctid = f"({table}.ctid::text::point)"
    return {
        "row_xmin": RawSQL(f"{table}.xmin::text::bigint", [], output_field=BigIntegerField()),
        "row_ctid": RawSQL(f"{ctid}[0]::bigint * 65536 + {ctid}[1]::bigint", [], output_field=BigIntegerField()),
    }


class _Links:
    """The rows of a label relation table (``Action.keywords.through``), and the column naming the label."""

    def __init__(self, model, column: str):
        self.model, self.column = model, column

    def filter(self, **conditions):
        return self.model.objects.filter(**conditions)


def _child_rows(model, column: str):
    """``(action id, value)`` of every row of a relation table, in the order rows were written.

    Every row, not those of published actions only: a plain scan is cheaper than the semi-join, and ``_pairs``
    skips the rows of actions that are not in the index anyway."""
    return model.objects.values_list("action_id", column).order_by("pk")
