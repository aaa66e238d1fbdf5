"""Amounts in French notation and the funding lines of "Ressources financières mobilisées".

Pure functions: text in, Decimals and FundingLineData out.
"""

import re
from decimal import Decimal

from .sheets import FundingLineData
from .text import fold

#: The largest amount a funding line can hold (``DecimalField(max_digits=12, decimal_places=2)``).
MAX_AMOUNT = Decimal("9999999999.99")

_AMOUNT = re.compile(
    r"""
    (?P<units>\d{1,3}(?:[ \u00a0\u202f.]\d{3})+(?!\d)|\d+)   # 13 500 · 13.500 · 13500
    (?:[.,](?P<cents>\d{1,2})(?!\d))?                      # ,50 · .00
    \s*(?:€|euros?\b|eur\b)?                               # 13 500€ · 2 000 euros
    """,
    re.VERBOSE | re.IGNORECASE,
)
_LIST_ITEM = re.compile(r"^-\s*")
_TOTAL_LABEL = re.compile(r"\b(?:cout|couts|budget|budgets|total)\b")
_MAX_LABEL_LENGTH = 200


def split_leading_amount(text: str) -> tuple[Decimal | None, str]:
    """Read an amount at the start of ``text``; return it with the rest of the text.

    ``"13 500€"`` → ``(Decimal("13500.00"), "")``; ``"62000 € de financements"`` → ``(62000.00, "de financements")``.
    Amounts above ``MAX_AMOUNT`` are not amounts (an identifier, a phone number): ``(None, text)``.
    """
    stripped = text.strip()
    match = _AMOUNT.match(stripped)
    if not match:
        return None, text
    units = re.sub(r"[ \u00a0\u202f.]", "", match["units"])
    value = Decimal(f"{units}.{(match['cents'] or '0').ljust(2, '0')}")
    if value > MAX_AMOUNT:
        return None, text
    return value, stripped[match.end() :].strip()


def parse_amount(text: str) -> Decimal | None:
    """The amount when ``text`` is only an amount (a final full stop allowed), else ``None``."""
    value, rest = split_leading_amount(text)
    return value if value is not None and rest in ("", ".") else None


def names_a_total(label: str) -> bool:
    """Whether a label names a cost, a budget or a total rather than a funder."""
    return bool(_TOTAL_LABEL.search(fold(label)))


def extract_funding(text: str) -> tuple[list[FundingLineData], Decimal | None]:
    """The funders and the declared total written in a "Ressources financières" section.

    - ``label : amount`` (a list item or not) is a funder with its amount;
    - a list item ``- label :`` with nothing after the colon is a funder with no amount;
    - a line whose label names a cost, budget or total, or a line that is only an amount, gives the
      declared total (the first one wins) and is not a funder;
    - headings (``Contrat de ville :``) and prose are neither.
    """
    lines: list[FundingLineData] = []
    declared_total: Decimal | None = None
    for raw_line in text.splitlines():
        line = raw_line.strip()
        is_item = line.startswith("-")
        body = _LIST_ITEM.sub("", line, count=1).strip()
        if not body:
            continue
        only_amount = parse_amount(body)
        if only_amount is not None:
            declared_total = only_amount if declared_total is None else declared_total
            continue
        label, colon, rest = body.partition(":")
        label = label.strip()
        if not colon or not label or len(label) > _MAX_LABEL_LENGTH:
            continue
        amount, remainder = split_leading_amount(rest)
        if names_a_total(label):
            if amount is not None and declared_total is None:
                declared_total = amount
            continue
        if amount is not None and remainder in ("", "."):
            lines.append(FundingLineData(label=label, amount=amount))
        elif amount is None and not rest.strip() and is_item:
            lines.append(FundingLineData(label=label, amount=None))
    return lines, declared_total
