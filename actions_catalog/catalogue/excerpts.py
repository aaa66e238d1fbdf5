"""Excerpts of the search results: the words of the query in their context, each match in ``<mark>``.

The database writes the excerpt (``ts_headline``) with each match between private-use characters; the text
is escaped first, and only then do those brackets become ``<mark>`` elements, so scraped or submitted text is
never marked safe.
"""

import re

from django.contrib.postgres.search import SearchHeadline
from django.db.models import F, TextField, Value
from django.db.models.functions import Concat
from django.utils.html import conditional_escape, format_html, format_html_join

from actions_catalog.core import search

#: Text fields an excerpt is taken from, in this order.
EXCERPT_FIELDS = ("summary", "context", "description")
EXCERPT_WORDS = 30
_START, _STOP = "\ue000", "\ue001"
_MARKED = re.compile(f"{_START}(.*?){_STOP}", re.DOTALL)


def with_excerpts(queryset, q: str):
    """Annotate ``queryset`` with the database's excerpt of each action for ``q`` (``search_headline``)."""
    parts = []
    for name in EXCERPT_FIELDS:
        parts += [F(name), Value(" \n", output_field=TextField())]
    return queryset.annotate(
        search_headline=SearchHeadline(
            Concat(*parts[:-1], output_field=TextField()),
            search.query(q),
            config=search.SEARCH_CONFIG,
            start_sel=_START,
            stop_sel=_STOP,
            max_words=EXCERPT_WORDS,
            min_words=EXCERPT_WORDS // 2,
        )
    )


def excerpt(action):
    """The escaped excerpt of an action annotated by ``with_excerpts``, each match in a ``<mark>`` element."""
    return marked_to_html(getattr(action, "search_headline", "") or "")


def marked_to_html(marked: str):
    """Escape a bracketed text, then turn each bracketed match into ``<mark>`` (never the other way)."""
    pairs, position = [], 0
    for match in _MARKED.finditer(marked):
        pairs.append((_strip_marks(marked[position : match.start()]), _strip_marks(match.group(1))))
        position = match.end()
    tail = conditional_escape(_strip_marks(marked[position:]))
    return format_html("{}{}", format_html_join("", "{}<mark>{}</mark>", pairs), tail)


def _strip_marks(text: str) -> str:
    return text.replace(_START, "").replace(_STOP, "")
