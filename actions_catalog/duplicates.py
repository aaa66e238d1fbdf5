"""Probable duplicates: pairs of records whose normalized names are close, for the admin to merge.

One entry point, ``find_duplicates(model)``; one implementation per database vendor behind it:
- PostgreSQL: trigram similarity (``pg_trgm``, migration 0004), with the ``%`` operator and a trigram GIN
  index for keywords and partners, which are compared across the whole table;
- elsewhere (SQLite): ``difflib`` ratios over the same keys, bounded in the number of records compared.

Centres are only compared within a département, actions within a centre. Words that many centre names share
("centre social", "maison de quartier"…) and French articles are left out of the keys of centres and actions,
so that "Centre social Lavoisier" and "Centre social des Chaillots" do not look alike. Keywords and partners
are compared as they are (their labels are short, and the trigram index serves the raw column).

Thresholds were set on real pairs: ``Viellissement``/``Vieillissement`` is 0.71 (trigrams) and 0.96 (difflib),
while two different centres of Cachan, ``Plaine``/``Lamartine``, are 0.41 and 0.83.
"""

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, models, transaction

from centres.models import Centre

from .models import Action, Keyword, Partner

#: Articles and prepositions, left out of every compared key.
COMMON_WORDS = (
    "a",
    "au",
    "aux",
    "d",
    "de",
    "des",
    "du",
    "en",
    "et",
    "l",
    "la",
    "le",
    "les",
    "pour",
    "sur",
    "un",
    "une",
)
#: Words that many centre names share, left out of the keys of centres.
CENTRE_WORDS = (
    "association",
    "centre",
    "centres",
    "csc",
    "culturel",
    "culturelle",
    "espace",
    "familial",
    "familiale",
    "maison",
    "mjc",
    "quartier",
    "social",
    "sociale",
    "sociaux",
    "socio",
    "socioculturel",
    "socioculturelle",
)
#: Default thresholds: trigram similarity (PostgreSQL) and difflib ratio (portable) are different measures.
TRIGRAM_THRESHOLD = 0.5
RATIO_THRESHOLD = 0.85
#: The portable fallback compares at most this many records of one scope (pairs grow with the square).
PORTABLE_MAX_RECORDS = 2000
DEFAULT_LIMIT = 200


@dataclass(frozen=True)
class Spec:
    """How to compare the records of one model."""

    key: str  # the normalized name column
    scope: str | None  # the column both records of a pair must share
    ignored: tuple[str, ...]  # words left out of the compared keys


SPECS = {
    Centre: Spec("normalized_name", "departement_id", COMMON_WORDS + CENTRE_WORDS),
    Action: Spec("normalized_title", "centre_id", COMMON_WORDS),
    Keyword: Spec("normalized_label", None, ()),
    Partner: Spec("normalized_label", None, ()),
}


@dataclass(frozen=True)
class DuplicatePair:
    first: models.Model
    second: models.Model
    similarity: float

    @property
    def percent(self) -> int:
        return round(self.similarity * 100)


@dataclass
class Duplicates:
    pairs: list[DuplicatePair] = field(default_factory=list)
    #: True when some records were not compared (the portable fallback's bound) or pairs were left out.
    truncated: bool = False


def compared_key(key: str, ignored: tuple[str, ...]) -> str:
    """The key without the ignored words, or the whole key when nothing else is left."""
    if not ignored:
        return key
    kept = [word for word in key.split() if word not in ignored]
    return " ".join(kept) or key


def find_duplicates(model: type[models.Model], *, threshold: float | None = None, limit: int = DEFAULT_LIMIT):
    """The pairs of ``model`` records with similar names, most similar first, at most ``limit`` of them."""
    spec = SPECS[model]
    if connection.vendor == "postgresql":
        found, truncated = _postgresql_pairs(model, spec, threshold or TRIGRAM_THRESHOLD, limit)
    else:
        found, truncated = _portable_pairs(model, spec, threshold or RATIO_THRESHOLD, limit)
    records = _load(model, {pk for first, second, _ in found for pk in (first, second)})
    pairs = [DuplicatePair(records[first], records[second], score) for first, second, score in found]
    return Duplicates(pairs=pairs, truncated=truncated)


def _load(model, ids):
    queryset = model._default_manager.filter(pk__in=ids)
    if model is Centre:
        queryset = queryset.select_related("departement")
    elif model is Action:
        queryset = queryset.select_related("centre__departement")
    return queryset.in_bulk()


# -- PostgreSQL ------------------------------------------------------------------------------------------


def _sql_key(alias: str, column: str, ignored: tuple[str, ...]) -> str:
    """The SQL of ``compared_key`` (the ignored words are fixed identifiers, never user input)."""
    if not ignored:
        return f"{alias}.{column}"
    words = "|".join(re.escape(word) for word in ignored)
    stripped = f"btrim(regexp_replace({alias}.{column}, '\\m({words})\\M', ' ', 'g'))"
    return f"coalesce(nullif({stripped}, ''), {alias}.{column})"


def _postgresql_pairs(model, spec: Spec, threshold: float, limit: int):
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(spec.key)
    if spec.scope is None:
        # Whole table: the % operator (threshold set below) is served by the trigram index on the column.
        sql = f"""
            SELECT a.id, b.id, similarity(a.{column}, b.{column}) AS score
            FROM {table} AS a JOIN {table} AS b ON a.id < b.id AND a.{column} %% b.{column}
            ORDER BY score DESC, a.id, b.id
            LIMIT %(limit)s
        """
    else:
        # Within a scope: each compared key is computed once per row, then pairs are only formed in a scope.
        scope = connection.ops.quote_name(spec.scope)
        sql = f"""
            WITH keyed AS MATERIALIZED (
                SELECT id, {scope} AS scope, {_sql_key(table, column, spec.ignored)} AS key FROM {table}
            )
            SELECT a.id, b.id, similarity(a.key, b.key) AS score
            FROM keyed AS a JOIN keyed AS b ON a.scope = b.scope AND a.id < b.id AND a.key %% b.key
            ORDER BY score DESC, a.id, b.id
            LIMIT %(limit)s
        """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(threshold)])
        cursor.execute(sql, {"limit": limit + 1})
        rows = cursor.fetchall()
    return [(a, b, float(score)) for a, b, score in rows[:limit]], len(rows) > limit


# -- Portable fallback -----------------------------------------------------------------------------------


def _portable_pairs(model, spec: Spec, threshold: float, limit: int):
    columns = ["pk", spec.key] + ([spec.scope] if spec.scope else [])
    groups: dict[object, list[tuple[int, str]]] = defaultdict(list)
    for row in model._default_manager.order_by("pk").values_list(*columns):
        scope = row[2] if spec.scope else None
        groups[scope].append((row[0], compared_key(row[1], spec.ignored)))
    truncated = False
    found = []
    for records in groups.values():
        if len(records) > PORTABLE_MAX_RECORDS:
            records, truncated = records[:PORTABLE_MAX_RECORDS], True
        found += _similar_pairs(records, threshold)
    found.sort(key=lambda pair: (-pair[2], pair[0], pair[1]))
    return found[:limit], truncated or len(found) > limit


def _similar_pairs(records: list[tuple[int, str]], threshold: float):
    pairs = []
    matcher = difflib.SequenceMatcher(autojunk=False)
    for index, (first_pk, first_key) in enumerate(records):
        matcher.set_seq2(first_key)  # the matcher analyses its second sequence once: keep it fixed
        for second_pk, second_key in records[index + 1 :]:
            matcher.set_seq1(second_key)
            if matcher.real_quick_ratio() < threshold or matcher.quick_ratio() < threshold:
                continue
            ratio = matcher.ratio()
            if ratio >= threshold:
                pairs.append((first_pk, second_pk, ratio))
    return pairs
