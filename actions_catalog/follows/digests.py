"""The digests: for each confirmed follow of a frequency, the actions published since its last digest that its
search matches, by e-mail; nothing when nothing new matches.

The work is bounded by the new actions and the distinct searches, never by actions × follows:

1. **One window.** The run covers publications up to ``cutoff`` (``settled_cutoff``). The due follows are
   grouped by their (canonical) search in one query; the actions published between the oldest follow's
   ``covered_until`` and ``cutoff`` are read once (``Candidates``: ids and dates, newest first).
2. **One match per search**, with the list's own filters: the facets through the catalogue index, cut down to
   the candidates (``index.subset``, then ``filter_masks``: NumPy masks as long as the candidates), the text
   search through ``search.condition`` in SQL on the window's actions only (once per distinct text).
3. **Each follow** takes the prefix of its search's matches newer than its own ``covered_until``
   (``searchsorted``: no loop over actions); an e-mail lists the ``LISTED`` most recent and counts the rest.
   The follows of a search are handled ``BATCH`` at a time, each batch in a transaction that locks them
   (``SKIP LOCKED``: a concurrent run leaves them alone) and then moves their ``covered_until`` to ``cutoff``.

Publication dates are set when a transaction writes the action, which becomes visible only at its commit:
``cutoff`` stays ``SETTLE`` before the start of the oldest transaction still open in the database (and
before now), so an action committed after a run is not lost but goes in the next digest. An action the
index does not hold yet (published after its last build) lowers ``cutoff`` to just before it, for the same
reason. An e-mail that fails is counted and its follow left as it was: the next run sends it.
"""

import logging
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.db.models import Min
from django.http import QueryDict
from django.utils import timezone

from actions_catalog.catalogue import index as catalogue_index
from actions_catalog.catalogue.filters import ActionFilter
from actions_catalog.core import search
from actions_catalog.core.models import Action
from actions_catalog.follows import emails
from actions_catalog.follows.models import Follow
from actions_catalog.follows.searches import describe

logger = logging.getLogger(__name__)

#: The actions an e-mail lists (the others are counted, with a link to the list).
LISTED = 10
#: Follows handled in one transaction.
BATCH = 500
#: How long before the oldest open transaction (and now) a digest's window ends (``FOLLOWS_DIGEST_SETTLE``).
SETTLE = timedelta(minutes=10)
#: A transaction open for longer than this is ignored: a leaked one must not hold every digest back.
STALE_TRANSACTION = timedelta(hours=6)


def settle() -> timedelta:
    return getattr(settings, "FOLLOWS_DIGEST_SETTLE", SETTLE)


def settled_cutoff(now: datetime) -> datetime:
    """The end of a digest's window: ``settle()`` before now and before the oldest open transaction of the
    database (another than this one), whose actions are not visible yet."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # a transaction would otherwise see its first reading
        cursor.execute(
            "SELECT min(xact_start) FROM pg_stat_activity "
            "WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
            "AND xact_start > %s",
            [now - STALE_TRANSACTION],
        )
        oldest = cursor.fetchone()[0]
    end = min(now, oldest) if oldest is not None else now
    return end - settle()


@dataclass
class Candidates:
    """The actions published in a window, newest first: primary keys, dates and positions in the index."""

    ids: np.ndarray
    dates: list  # datetimes, newest first
    positions: np.ndarray

    @classmethod
    def read(cls, since: datetime, cutoff: datetime, index) -> tuple["Candidates", datetime]:
        """The actions published after ``since`` up to ``cutoff`` (one query), and the cutoff to use: lowered
        to just before the oldest of them that ``index`` does not hold yet."""
        rows = list(
            Action.objects.published()
            .filter(published_at__gt=since, published_at__lte=cutoff)
            .order_by("-published_at", "-pk")
            .values_list("pk", "published_at")
        )
        positions = [index.position(pk) for pk, _ in rows]
        missing = [date for (_, date), position in zip(rows, positions, strict=True) if position is None]
        if missing:
            cutoff = min(missing) - timedelta(microseconds=1)
            kept = [i for i, (_, date) in enumerate(rows) if date <= cutoff]
            rows, positions = [rows[i] for i in kept], [positions[i] for i in kept]
        candidates = cls(
            np.array([pk for pk, _ in rows], dtype=np.int64),
            [date for _, date in rows],
            np.array(positions, dtype=np.int64),
        )
        return candidates, cutoff


@dataclass
class DigestRun:
    """What one run did, for the job's summary."""

    follows: int = 0  # due follows looked at
    searches: int = 0  # distinct searches among them
    candidates: int = 0  # actions published in the window
    sent: int = 0
    failed: int = 0

    @property
    def summary(self) -> str:
        text = (
            f"{self.sent} e-mail(s) envoyé(s) pour {self.follows} suivi(s) de {self.searches} recherche(s) ; "
            f"{self.candidates} action(s) publiée(s) dans la période."
        )
        if self.failed:
            text += f" {self.failed} e-mail(s) n'ont pas pu être envoyés : ils le seront au prochain envoi."
        return text


class _Matcher:
    """The matches of searches among the candidates, with the list's filters (see the module docstring)."""

    def __init__(self, candidates: Candidates, index, since, cutoff):
        self.candidates, self.since, self.cutoff = candidates, since, cutoff
        self.index = index.subset(candidates.positions)  # the candidates only, in their order
        self._texts: dict[str, np.ndarray] = {}

    def matches(self, query: str) -> np.ndarray:
        """Indices of the candidates (newest first) that ``query`` matches."""
        if not len(self.candidates.ids):
            return np.zeros(0, dtype=np.int64)
        filterset = ActionFilter(QueryDict(query), queryset=Action.objects.published())
        if filterset.first_error() is not None:  # a stored search that the list no longer accepts
            logger.warning("followed search no longer valid: %r", query)
            return np.zeros(0, dtype=np.int64)
        hit = self.index.combined(self.index.filter_masks(filterset, search=False))
        if filterset.query:
            hit &= np.isin(self.candidates.ids, self._text_matches(filterset.query))
        return np.flatnonzero(hit)

    def _text_matches(self, text: str) -> np.ndarray:
        if text not in self._texts:
            window = Action.objects.published().filter(published_at__gt=self.since, published_at__lte=self.cutoff)
            try:
                with transaction.atomic():  # a savepoint inside a transaction: a refused query breaks nothing
                    ids = list(window.filter(search.condition(text)).values_list("pk", flat=True))
            except DatabaseError:
                logger.warning("followed search not understood by PostgreSQL: %r", text, exc_info=True)
                ids = []
            self._texts[text] = np.array(ids, dtype=np.int64)
        return self._texts[text]


def send_digests(frequency: str, *, now=None) -> DigestRun:
    """Send the digests of the confirmed follows of ``frequency`` (see the module docstring)."""
    now = now or timezone.now()
    cutoff = settled_cutoff(now)
    run = DigestRun()
    due = Follow.objects.confirmed().filter(frequency=frequency, covered_until__lt=cutoff)
    searches = list(due.values_list("query").annotate(since=Min("covered_until")).order_by("query"))
    if not searches:
        return run
    since = min(oldest for _, oldest in searches)
    index = catalogue_index.current()
    candidates, cutoff = Candidates.read(since, cutoff, index)
    run.searches, run.candidates = len(searches), len(candidates.ids)
    matcher = _Matcher(candidates, index, since, cutoff)
    with mail.get_connection() as mailer:
        for query, _ in searches:
            hits = matcher.matches(query)
            _send_search(query, hits, candidates, index, frequency, cutoff, now, mailer, run)
    return run


def _send_search(query, hits, candidates, index, frequency, cutoff, now, mailer, run: DigestRun):
    """The digests of the due follows of one search (``hits``: its matches, newest first)."""
    # Dates as sortable keys, oldest first: the follows newer than a date are a suffix of them.
    hit_dates = [candidates.dates[i] for i in hits[::-1]]
    listed = _listed_actions([int(candidates.ids[i]) for i in hits[:LISTED]])
    described = describe(query, index)
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                Follow.objects.confirmed()
                .filter(frequency=frequency, query=query, covered_until__lt=cutoff, pk__gt=last_pk)
                .select_for_update(skip_locked=True)
                .order_by("pk")[:BATCH]
            )
            if not batch:
                return
            last_pk = batch[-1].pk
            done, sent = [], []
            for follow in batch:
                run.follows += 1
                count = len(hit_dates) - bisect_right(hit_dates, follow.covered_until)
                if count == 0:
                    done.append(follow.pk)
                    continue
                message = emails.digest(follow, described, listed[: min(count, LISTED)], count)
                try:
                    mailer.send_messages([message])
                except Exception:  # noqa: BLE001 - an address or a server that refuses: the next run retries
                    logger.warning("digest to follow %s not sent", follow.pk, exc_info=True)
                    run.failed += 1
                    continue
                run.sent += 1
                sent.append(follow.pk)
            Follow.objects.filter(pk__in=done).update(covered_until=cutoff)
            Follow.objects.filter(pk__in=sent).update(covered_until=cutoff, last_sent_at=now)


def _listed_actions(ids: list[int]) -> list:
    """The actions an e-mail lists, in the order of ``ids`` (one query)."""
    if not ids:
        return []
    rows = (
        Action.objects.published()
        .filter(pk__in=ids)
        .select_related("centre__departement")
        .only("title", "slug", "published_at", "centre__name", "centre__departement__name", "centre__departement__code")
    )
    by_id = {action.pk: action for action in rows}
    return [by_id[pk] for pk in ids if pk in by_id]
