"""Amounts in euros written the French way (``13 500``, ``1 500,50 €``), and the rule of a sheet's total.

Pure functions: text in, Decimals out. The importers read funding lines with them (``importers.funding``), the
form reads its amount fields with them; ``euros`` writes an amount back the French way (moderation pages).
"""

import re
from decimal import Decimal

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


def funding_total(declared_total: Decimal | None, amounts) -> Decimal | None:
    """A sheet's total: the declared total when it states one, else the sum of the amounts, else ``None``."""
    if declared_total is not None:
        return declared_total
    amounts = [amount for amount in amounts if amount is not None]
    return sum(amounts, Decimal("0.00")) if amounts else None


def euros(amount: Decimal) -> str:
    """``Decimal("1500.5")`` → ``"1 500,50 €"`` (a narrow no-break space between thousands, as French writes them)."""
    return f"{amount:,.2f} €".replace(",", "\u202f").replace(".", ",")
