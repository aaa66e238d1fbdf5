"""Full-text search, one place per database vendor; callers never test the vendor themselves.

- PostgreSQL: a weighted ``tsvector`` (title A; keywords and résumé B; other text C) in the
  ``french_unaccent`` configuration (unaccent + French stemming), kept in ``Action.search_vector``,
  queried with ``websearch_to_tsquery`` (quotes, ``-mot``, ``OR``), ranked with ``ts_rank`` and
  excerpted with ``ts_headline``. A trigger (migration 0007) computes the vector in the same write as the
  row, from the row's columns and ``Action.keyword_labels``, the labels of its keywords.
- SQLite: ``Action.search_text``, the accent- and case-folded text of the same fields; every folded word
  of the query must occur in it (a word written ``-mot`` must not).

The loader (``importers.loader``), the only writer of actions, stores only what the database in use reads
(``search_columns``: the import of 100,000 sheets on PostgreSQL skips folding their text); when a keyword or a
partner is renamed, ``refresh_actions`` brings its actions' search data up to date (see ``signals.py``).

Excerpts are escaped before they are marked: the database (or Python on SQLite) brackets each match with
private-use characters, the text is escaped, and only then do the brackets become ``<mark>`` elements.
"""

import re
from collections.abc import Iterable

from django.db import connection
from django.db.models import Case, F, IntegerField, Q, TextField, Value, When
from django.db.models.functions import Concat
from django.utils.html import conditional_escape, format_html, format_html_join

from importers.sheets import SheetData
from importers.text import collapse_whitespace, fold, normalize_key

SEARCH_CONFIG = "french_unaccent"

#: Text fields of an action weighted C in the search vector (title is A; keywords and summary are B).
OTHER_TEXT_FIELDS = (
    "end_reason",
    "context",
    "description",
    "funding_text",
    "people_text",
    "result_territory",
    "result_centre",
    "result_residents",
    "limits",
    "outlook",
)


#: The longest query accepted (longer ones are a 400 naming ``q``).
MAX_QUERY_LENGTH = 200
#: Text fields an excerpt is taken from, in this order.
EXCERPT_FIELDS = ("summary", "context", "description")
EXCERPT_WORDS = 30
_START, _STOP = "\ue000", "\ue001"
_MARKED = re.compile(f"{_START}(.*?){_STOP}", re.DOTALL)


def stored_columns() -> tuple[str, ...]:
    """The columns of ``Action`` that ``search_columns`` fills on the database in use."""
    return ("keyword_labels",) if _is_postgresql() else ("search_text",)


def search_columns(sheet: SheetData, keyword_labels: Iterable[str]) -> dict[str, str]:
    """The search data the database in use reads, for an action written from ``sheet``.

    ``keyword_labels`` are the labels of the action's keywords as stored (aliases followed), in order.
    PostgreSQL's trigger reads ``keyword_labels``; SQLite reads ``search_text``.
    """
    if _is_postgresql():
        return {"keyword_labels": " ".join(keyword_labels)}
    return {"search_text": search_text(sheet)}


def search_text(sheet: SheetData) -> str:
    """The folded text SQLite searches: title, keywords, partners, centre and every text section."""
    return _fold_parts(
        sheet.title,
        sheet.keywords,
        sheet.summary,
        sheet.partners,
        sheet.centre_name,
        [getattr(sheet, name) for name in OTHER_TEXT_FIELDS],
    )


def action_search_text(action) -> str:
    """The same text as ``search_text`` from a saved action (its keywords, partners and centre loaded)."""
    return _fold_parts(
        action.title,
        [keyword.label for keyword in action.keywords.all()],
        action.summary,
        [partner.label for partner in action.partners.all()],
        action.centre.name,
        [getattr(action, name) for name in OTHER_TEXT_FIELDS],
    )


def _fold_parts(title, keywords, summary, partners, centre_name, others) -> str:
    parts = [title, " ".join(keywords), summary, " ".join(partners), centre_name, *others]
    return collapse_whitespace(fold(" ".join(parts)))


def refresh_actions(actions: Iterable) -> None:
    """Recompute the search data of saved actions (after a keyword or a partner was renamed).

    ``actions`` must come with their centre, keywords and partners loaded (``select_related`` and
    ``prefetch_related``), so that the work is a fixed number of queries.
    """
    from .models import Action

    actions = list(actions)
    for action in actions:
        action.search_text = action_search_text(action)
    Action.objects.bulk_update(actions, ["search_text"], batch_size=500)
    refresh_search_vectors([action.pk for action in actions])


def refresh_search_vectors(action_ids: list[int]) -> None:
    """Recompute the PostgreSQL search vector of the given actions (nothing to do on SQLite).

    Their keyword labels are read anew from their keywords; the trigger then recomputes the vector.
    """
    if connection.vendor != "postgresql" or not action_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE actions_catalog_action AS a SET keyword_labels = coalesce((
                SELECT string_agg(k.label, ' ' ORDER BY ak.id)
                FROM actions_catalog_action_keywords AS ak
                JOIN actions_catalog_keyword AS k ON k.id = ak.keyword_id
                WHERE ak.action_id = a.id), '')
            WHERE a.id = ANY(%s)
            """,
            [list(action_ids)],
        )


# -- Querying -----------------------------------------------------------------------------------------


def _is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _query(q: str):
    from django.contrib.postgres.search import SearchQuery

    return SearchQuery(q, search_type="websearch", config=SEARCH_CONFIG)


def _terms(q: str) -> tuple[list[str], list[str]]:
    """The folded words a query requires and those it excludes (``-mot``), for SQLite."""
    required, excluded = [], []
    for token in q.split():
        words = normalize_key(token).split()
        (excluded if token.startswith("-") and len(token) > 1 else required).extend(words)
    return [w for w in required if w != "or"], excluded


def condition(q: str) -> Q:
    """The filter that keeps the actions matching the query ``q`` (a non-empty string)."""
    if _is_postgresql():
        return Q(search_vector=_query(q))
    required, excluded = _terms(q)
    if not required and not excluded:
        return Q(pk__in=[])  # nothing searchable (punctuation only): nothing matches, as on PostgreSQL
    result = Q()
    for word in required:
        result &= Q(search_text__contains=word)
    for word in excluded:
        result &= ~Q(search_text__contains=word)
    return result


def rank(q: str):
    """An expression ordering the matches of ``q`` by relevance (higher first)."""
    if _is_postgresql():
        from django.contrib.postgres.search import SearchRank

        return SearchRank(F("search_vector"), _query(q))
    # SQLite: the number of query words found in the title, so that title matches come first.
    required, _ = _terms(q)
    terms = [Case(When(normalized_title__contains=w, then=Value(1)), default=Value(0)) for w in required]
    return sum(terms[1:], terms[0]) if terms else Value(0, output_field=IntegerField())


def with_excerpts(queryset, q: str):
    """Annotate ``queryset`` with what ``excerpt`` needs (the database's headline on PostgreSQL)."""
    if not _is_postgresql():
        return queryset
    from django.contrib.postgres.search import SearchHeadline

    parts = []
    for name in EXCERPT_FIELDS:
        parts += [F(name), Value(" \n", output_field=TextField())]
    return queryset.annotate(
        search_headline=SearchHeadline(
            Concat(*parts[:-1], output_field=TextField()),
            _query(q),
            config=SEARCH_CONFIG,
            start_sel=_START,
            stop_sel=_STOP,
            max_words=EXCERPT_WORDS,
            min_words=EXCERPT_WORDS // 2,
        )
    )


def excerpt(action, q: str):
    """An escaped excerpt of ``action`` around the words of ``q``, each match in a ``<mark>`` element."""
    if _is_postgresql():
        marked = getattr(action, "search_headline", "") or ""
    else:
        text = " ".join(getattr(action, name) for name in EXCERPT_FIELDS if getattr(action, name))
        marked = _mark_folded(collapse_whitespace(text), _terms(q)[0])
    return _marked_to_html(marked)


def _mark_folded(text: str, words: list[str]) -> str:
    """Bracket the accent- and case-insensitive occurrences of ``words`` in a window of ``text`` (SQLite)."""
    # Fold character by character, remembering which original character each folded one came from.
    folded, origin = [], []
    for index, char in enumerate(text):
        for folded_char in fold(char):
            folded.append(folded_char)
            origin.append(index)
    folded_text = "".join(folded)
    spans = []
    for word in words:
        for match in re.finditer(re.escape(word), folded_text):
            spans.append((origin[match.start()], origin[match.end() - 1] + 1))
    words_of_text = text.split(" ")
    if not spans:
        return " ".join(words_of_text[:EXCERPT_WORDS])
    spans.sort()
    # A window of EXCERPT_WORDS words starting a few words before the first match.
    first_word = text[: spans[0][0]].count(" ")
    start_word = max(0, first_word - 5)
    start = len(" ".join(words_of_text[:start_word])) + (1 if start_word else 0)
    end = len(" ".join(words_of_text[: start_word + EXCERPT_WORDS]))
    pieces, position = [], start
    for span_start, span_end in spans:
        if span_start < position or span_end > end:
            continue
        pieces += [text[position:span_start], _START, text[span_start:span_end], _STOP]
        position = span_end
    pieces.append(text[position:end])
    return "".join(pieces)


def _marked_to_html(marked: str):
    """Escape a bracketed text, then turn each bracketed match into ``<mark>`` (never the other way)."""
    pairs, position = [], 0
    for match in _MARKED.finditer(marked):
        pairs.append((_strip_marks(marked[position : match.start()]), _strip_marks(match.group(1))))
        position = match.end()
    tail = conditional_escape(_strip_marks(marked[position:]))
    return format_html("{}{}", format_html_join("", "{}<mark>{}</mark>", pairs), tail)


def _strip_marks(text: str) -> str:
    return text.replace(_START, "").replace(_STOP, "")
