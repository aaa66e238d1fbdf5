"""Similar names: the one rule that says two records are probably the same, and where it is applied.

Two names are similar when the trigram similarity (``pg_trgm``) of their compared keys is at least
``SIMILARITY_THRESHOLD``. The rule serves:
- the admin's "doublons probables" (``find_duplicates``): keywords and partners across the whole table (a
  trigram GIN index serves the ``%`` operator), centres within a département, actions within a centre;
- the member's warning before sending a new sheet (``similar_actions``): actions of the same centre.

Words that many centre names share ("centre social", "maison de quartier"…) and French articles are left out
of the compared keys of centres and actions, so that "Centre social Lavoisier" and "Centre social des Chaillots"
do not look alike. Keywords and partners are compared as they are (their labels are short, and the trigram index
serves the raw column). The threshold was set on real pairs: ``Viellissement``/``Vieillissement`` are 0.71,
``Jardin partagé des familles``/``Le jardin partagé des familles`` 1.0, while two different centres of Cachan,
``Plaine``/``Lamartine``, are 0.41.
"""

import re
from dataclasses import dataclass, field

from django.db import connection, models, transaction

from actions_catalog.core.models import Action, Keyword, Partner
from actions_catalog.core.text import normalize_key
from centres.models import Centre

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
#: Two compared keys at least this similar (trigrams, 0 to 1) name probably the same record.
SIMILARITY_THRESHOLD = 0.5
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
    #: True when pairs were left out (more than the limit).
    truncated: bool = False


def compared_key(key: str, ignored: tuple[str, ...]) -> str:
    """The key without the ignored words, or the whole key when nothing else is left."""
    if not ignored:
        return key
    kept = [word for word in key.split() if word not in ignored]
    return " ".join(kept) or key


def find_duplicates(model: type[models.Model], *, limit: int = DEFAULT_LIMIT) -> Duplicates:
    """The pairs of ``model`` records with similar names, most similar first, at most ``limit`` of them."""
    found, truncated = _similar_pairs(model, SPECS[model], limit)
    records = _load(model, {pk for first, second, _ in found for pk in (first, second)})
    pairs = [DuplicatePair(records[first], records[second], score) for first, second, score in found]
    return Duplicates(pairs=pairs, truncated=truncated)


def similar_actions(centre, title: str, *, exclude=()) -> list[Action]:
    """Actions of ``centre`` whose title is similar to ``title`` (likely the same action), most similar first.

    ``exclude``: actions left out (the sheet being edited, the action a reprise starts from); ``None`` is skipped.
    """
    spec = SPECS[Action]
    key = compared_key(normalize_key(title), spec.ignored)
    table = connection.ops.quote_name(Action._meta.db_table)
    sql = f"""
        SELECT id, similarity({_sql_key(table, "normalized_title", spec.ignored)}, %(key)s) AS score
        FROM {table} WHERE centre_id = %(centre)s AND NOT (id = ANY(%(exclude)s::bigint[]))
    """
    if exclude is None or isinstance(exclude, models.Model):
        exclude = [exclude]
    excluded = [action.pk for action in exclude if action is not None and action.pk is not None]
    with connection.cursor() as cursor:
        cursor.execute(sql, {"key": key, "centre": centre.pk, "exclude": excluded})
        scores = {pk: score for pk, score in cursor.fetchall() if score >= SIMILARITY_THRESHOLD}
    actions = Action.objects.filter(pk__in=scores).only("title", "normalized_title", "slug", "state", "centre")
    return sorted(actions, key=lambda action: (-scores[action.pk], action.pk))


def _load(model, ids):
    queryset = model._default_manager.filter(pk__in=ids)
    if model is Centre:
        queryset = queryset.select_related("departement")
    elif model is Action:
        queryset = queryset.select_related("centre__departement")
    return queryset.in_bulk()


def _sql_key(alias: str, column: str, ignored: tuple[str, ...]) -> str:
    """The SQL of ``compared_key`` (the ignored words are fixed identifiers, never user input)."""
    if not ignored:
        return f"{alias}.{column}"
    words = "|".join(re.escape(word) for word in ignored)
    stripped = f"btrim(regexp_replace({alias}.{column}, '\\m({words})\\M', ' ', 'g'))"
    return f"coalesce(nullif({stripped}, ''), {alias}.{column})"


def _similar_pairs(model, spec: Spec, limit: int):
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
        cursor.execute("SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(SIMILARITY_THRESHOLD)])
        cursor.execute(sql, {"limit": limit + 1})
        rows = cursor.fetchall()
    return [(a, b, float(score)) for a, b, score in rows[:limit]], len(rows) > limit
