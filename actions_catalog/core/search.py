"""Full-text search of actions, in French: what is searched, how a query matches, and the one refresh.

Each action has a weighted ``tsvector`` (title A; keywords and résumé B; the other texts C) in the
``french_unaccent`` configuration (unaccent, then the French stemmer: "séjours" finds "séjour"), kept in
``Action.search_vector`` by a trigger in the same write as the row (migration 0007). The trigger reads the row's
own columns, the keywords' labels included: ``Action.keyword_labels``, which the writer fills and ``refresh``
recomputes when labels change outside it (a keyword renamed, merged or deleted).

Queries are ``websearch_to_tsquery`` (quotes, ``-mot``, ``OR``), ranked with ``ts_rank``.
"""

import re
from collections.abc import Iterable

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q

from actions_catalog.core.sheet import FIELDS

SEARCH_CONFIG = "french_unaccent"
#: The SheetData fields of each weight of the search vector (``sheet.FIELDS``; keywords through
#: ``keyword_labels``). Migration 0007's trigger reads these columns; a test checks that both agree.
WEIGHTS = {weight: tuple(f.name for f in FIELDS if f.search_weight == weight) for weight in ("A", "B", "C")}
#: The longest query accepted (longer ones are a 400 naming ``q``).
MAX_QUERY_LENGTH = 200
#: Several ``-`` in a row (even apart, ``- - -a``, ``-(-(a``) nest negations, and PostgreSQL's parser runs out of
#: stack past about 32 of them ("tsquery stack too small"): they mean one ``-``.
_DASH_RUNS = re.compile(r'-(?:[^\w"]*-)+')
#: A ``-`` or an ``OR`` that applies to nothing.
_STRAY = re.compile(r"(?:^|\s)-+(?=\s|$)|^\s*(?:OR\s+)+|(?:\s+OR)+\s*$")
_ORS = re.compile(r"\bOR(?:\s+OR)+\b")


class QueryError(ValueError):
    """A search that PostgreSQL cannot parse, even simplified."""


def simplify(q: str) -> str:
    """The query as the search runs it: runs of ``-`` made one, stray operators dropped, spaces collapsed."""
    q = _DASH_RUNS.sub("-", q)
    q = _ORS.sub("OR", q)
    previous = None
    while previous != q:
        previous, q = q, _STRAY.sub(" ", q).strip()
    return " ".join(q.split())


def keyword_labels(labels: Iterable[str]) -> str:
    """What ``Action.keyword_labels`` holds for an action with these keyword labels (in the sheet's order)."""
    return " ".join(labels)


def refresh(action_ids: Iterable[int]) -> None:
    """Recompute the search data of the given actions from their keywords as they are now: one query.

    The trigger then recomputes each search vector.
    """
    ids = sorted(set(action_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE actions_catalog_action AS a SET keyword_labels = coalesce((
                SELECT string_agg(k.label, ' ' ORDER BY ak.position, ak.id)
                FROM actions_catalog_action_keywords AS ak
                JOIN actions_catalog_keyword AS k ON k.id = ak.keyword_id
                WHERE ak.action_id = a.id), '')
            WHERE a.id = ANY(%s)
            """,
            [ids],
        )


def query(q: str) -> SearchQuery:
    return SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)


def condition(q: str) -> Q:
    """The filter that keeps the actions matching the query ``q`` (a non-empty string)."""
    return Q(search_vector=query(q))


def rank(q: str) -> SearchRank:
    """An expression ordering the matches of ``q`` by relevance (higher first)."""
    return SearchRank(F("search_vector"), query(q))
