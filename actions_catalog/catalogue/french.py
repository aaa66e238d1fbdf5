"""French wording of the pages: numbers (« 2 022 »), counted nouns (« aucune action »), times (« 14 h 32 »), and
French order.

French order ignores accents and case: it sorts by the normalized key the models keep (``normalize_key``, the
``normalized_label`` of keywords and partners), since the embedded PostgreSQL has no ICU collation.
"""

from django.utils import formats, timezone

from actions_catalog.core.text import normalize_key

#: The thousands separator of French: a no-break space, so that « 2 022 » never breaks over two lines.
THOUSANDS = "\u00a0"


def number(value) -> str:
    """``2022`` → ``"2 022"`` (with a no-break space)."""
    return f"{int(value):,}".replace(",", THOUSANDS)


def count(value: int, singular: str, plural: str, *, none: str | None = None) -> str:
    """``count(2022, "action", "actions")`` → ``"2 022 actions"``; ``none`` (``"aucune action"``) for 0.

    French puts 0 and 1 in the singular.
    """
    if value == 0 and none is not None:
        return none
    return f"{number(value)} {singular if value < 2 else plural}"


def sort_key(label: str) -> str:
    """The key of ``label`` in French order: accents, case and punctuation ignored."""
    return normalize_key(label)


def time_of_day(moment) -> str:
    """``14 h 32`` in the site's time zone (no-break spaces: it never breaks over two lines)."""
    local = timezone.localtime(moment)
    return f"{local.hour}\u00a0h\u00a0{local.minute:02d}"


def moment(value, now=None) -> str:
    """``aujourd'hui à 14 h 32``, ``hier à 9 h 05``, ``le 3 mars à 9 h 05``, ``le 3 mars 2025 à 9 h 05``."""
    local, today = timezone.localtime(value), timezone.localtime(now).date()
    at = f"à {time_of_day(value)}"
    if local.date() == today:
        return f"aujourd'hui {at}"
    if (today - local.date()).days == 1:
        return f"hier {at}"
    day = formats.date_format(local, "j F" if local.year == today.year else "j F Y")
    return f"le {day} {at}"
