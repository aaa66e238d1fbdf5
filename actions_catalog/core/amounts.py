"""Amounts in euros written the French way (``13 500``, ``1 500,50 €``, ``15k€``), and the rule of a sheet's total.

Pure functions: text in, Decimals out. The funding lines of a sheet are read with them (``core.funding``), the
form reads its amount fields with them; ``euros`` writes an amount back the French way (moderation pages), and
``funding_consistent`` says whether a sheet's lines add up to its declared total (the export, the moderators' checks).
"""

import re
from decimal import Decimal

#: The largest amount a funding line can hold (``DecimalField(max_digits=12, decimal_places=2)``).
MAX_AMOUNT = Decimal("9999999999.99")

_AMOUNT = re.compile(
    r"""
    (?P<sign>[-\u2212]\s?)?                                # -200 (read only when a sign is allowed)
    (?P<units>\d{1,3}(?:[ \u00a0\u202f.]\d{3})+(?!\d)|\d+)   # 13 500 · 13.500 · 13500
    (?:[.,](?P<cents>\d{1,2})(?!\d))?                      # ,50 · .00
    (?:\s*(?P<thousands>k)(?![^\W\d_]))?                   # 15k€ · 15 k€: thousands
    (?:\s*(?P<currency>€|euros?\b|eur\b))?                 # 13 500€ · 2 000 euros
    """,
    re.VERBOSE | re.IGNORECASE,
)


def read_leading_amount(text: str, *, signed: bool = False) -> tuple[Decimal | None, bool, str]:
    """The amount at the start of ``text``, whether it is written as money (``€``, ``euros``, ``k€``…), and the
    rest of the text; ``(None, False, text)`` when ``text`` does not start with an amount.

    ``signed``: a leading ``-`` (or ``−``) is the amount's sign (``-200 €``, a refund), not a list dash.
    Amounts above ``MAX_AMOUNT`` are not amounts (an identifier, a phone number).
    """
    stripped = text.strip()
    match = _AMOUNT.match(stripped)
    if not match or (match["sign"] and not signed):
        return None, False, text
    units = re.sub(r"[ \u00a0\u202f.]", "", match["units"])
    value = Decimal(f"{units}.{(match['cents'] or '0').ljust(2, '0')}")
    if match["thousands"]:
        value *= 1000
    if value > MAX_AMOUNT:
        return None, False, text
    if match["sign"] and value:  # (never a "-0.00", which the database would give back as "0.00")
        value = -value
    money = bool(match["currency"] or match["thousands"])
    return value, money, stripped[match.end() :].strip()


def split_leading_amount(text: str, *, signed: bool = False) -> tuple[Decimal | None, str]:
    """Read an amount at the start of ``text``; return it with the rest of the text.

    ``"13 500€"`` → ``(Decimal("13500.00"), "")``; ``"62000 € de financements"`` → ``(62000.00, "de financements")``.
    """
    value, _, rest = read_leading_amount(text, signed=signed)
    return value, rest


def parse_amount(text: str, *, signed: bool = False) -> Decimal | None:
    """The amount when ``text`` is only an amount (a final full stop allowed), else ``None``."""
    value, rest = split_leading_amount(text, signed=signed)
    return value if value is not None and rest in ("", ".") else None


def funding_total(declared_total: Decimal | None, amounts) -> Decimal | None:
    """A sheet's total: the declared total when it states one, else the sum of the amounts (negative ones, refunds
    or expenses, included), else ``None``."""
    if declared_total is not None:
        return declared_total
    amounts = [amount for amount in amounts if amount is not None]
    return sum(amounts, Decimal("0.00")) if amounts else None


def euros(amount: Decimal) -> str:
    """``Decimal("1500.5")`` → ``"1 500,50 €"`` (a narrow no-break space between thousands, as French writes them)."""
    return f"{amount:,.2f} €".replace(",", "\u202f").replace(".", ",")


def funding_consistent(declared_total: Decimal | None, amounts) -> bool | None:
    """Whether the lines' amounts add up to the declared total; ``None`` when no total is declared, when there is
    no line, or when a line has no amount."""
    amounts = list(amounts)
    if declared_total is None or not amounts or any(amount is None for amount in amounts):
        return None
    return sum(amounts, Decimal("0.00")) == declared_total
