"""Bulk writes for the writer: COPY, ids taken ahead from a sequence, history rows copied in SQL.

``COPY … FROM STDIN`` streams rows to the server without one bound parameter per value, so it is several times
cheaper than ``INSERT`` for large batches, on both sides. Each statement goes through Django's error wrapping
(a violated constraint is an ``IntegrityError``) and, while queries are being recorded (``DEBUG``,
``assertNumQueries``), is recorded as one query like any other.
"""

from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from datetime import datetime

from django.db import connection, models


@contextmanager
def _cursor(sql: str):
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if connection.queries_logged:
            with cursor.debug_sql(sql):
                yield cursor.cursor
        else:
            yield cursor.cursor


def next_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` new primary keys of ``model``, ascending, taken from its sequence."""
    sql = "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)"
    with connection.cursor() as cursor:
        cursor.execute(sql, [model._meta.db_table, model._meta.pk.column, count])
        return sorted(pk for (pk,) in cursor.fetchall())


def copy_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence],
    *,
    before_finish: Callable[[], object] | None = None,
):
    """Write ``rows`` (values in the order of ``columns``, as Python values) into ``model``'s table.

    ``before_finish`` is called once every row is sent, before waiting for the server to have written them:
    work done there (no query: the connection is busy) overlaps the server's.
    """
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    with _cursor(sql) as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
        if before_finish is not None:
            before_finish()


def copy_history(
    model: type[models.Model], ids: list[int], *, history_date: datetime, history_user_id, change_reason: str
):
    """Creation history rows (``+``) of the rows ``ids`` of ``model``, copied from those rows in the database:
    the same rows as django-simple-history's ``bulk_history_create`` writes."""
    history = model.history.model
    quote = connection.ops.quote_name
    tracked = [quote(field.column) for field in history.tracked_fields]
    sql = (
        f"INSERT INTO {quote(history._meta.db_table)} "
        f"({', '.join(tracked)}, history_date, history_user_id, history_change_reason, history_type) "
        f"SELECT {', '.join(tracked)}, %s, %s, %s, '+' FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(model._meta.pk.column)} = ANY(%s) ORDER BY {quote(model._meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [history_date, history_user_id, change_reason, ids])
