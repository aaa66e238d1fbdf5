"""Full-text search, one place per database vendor.

- PostgreSQL: a weighted ``tsvector`` (title A; keywords and résumé B; other text C) in the
  ``french_unaccent`` configuration (unaccent + French stemming), kept in ``Action.search_vector``.
- SQLite: ``Action.search_text``, the accent- and case-folded text of the same fields.

Both are written by the loader (``importers.loader``), the only writer of actions.
"""

from django.db import connection

from importers.sheets import SheetData
from importers.text import collapse_whitespace, fold

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


def search_text(sheet: SheetData) -> str:
    """The folded text SQLite searches: title, keywords, partners, centre and every text section."""
    parts = [sheet.title, " ".join(sheet.keywords), sheet.summary, " ".join(sheet.partners), sheet.centre_name]
    parts += [getattr(sheet, name) for name in OTHER_TEXT_FIELDS]
    return collapse_whitespace(fold(" ".join(parts)))


def refresh_search_vectors(action_ids: list[int]) -> None:
    """Recompute the PostgreSQL search vector of the given actions (nothing to do on SQLite)."""
    if connection.vendor != "postgresql" or not action_ids:
        return
    other_text = ", ".join(f"a.{name}" for name in OTHER_TEXT_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE actions_catalog_action AS a SET search_vector =
                setweight(to_tsvector('{SEARCH_CONFIG}', a.title), 'A')
                || setweight(to_tsvector('{SEARCH_CONFIG}', concat_ws(' ', a.summary, (
                    SELECT string_agg(k.label, ' ')
                    FROM actions_catalog_action_keywords AS ak
                    JOIN actions_catalog_keyword AS k ON k.id = ak.keyword_id
                    WHERE ak.action_id = a.id))), 'B')
                || setweight(to_tsvector('{SEARCH_CONFIG}', concat_ws(' ', {other_text})), 'C')
            WHERE a.id = ANY(%s)
            """,
            [list(action_ids)],
        )
