"""The funding of "Ressources financières mobilisées", read as a careful person reads it: funders, amounts, the
declared total, and the amounts no line accounts for.

Pure functions: the section's text in, ``FundingReading`` out. Line by line:

- ``label : amount`` is a funder with its amount. The amount is the first amount that follows a colon, and the
  label everything before that colon (``Politique de la ville : État : 2 000 €``). An amount may be written
  ``1.500 €``, ``15k€``, ``~ 3 000``, ``environ 3000 euros``, followed by ``HT``, ``TTC``, ``/ an``, a remark in
  brackets or a sum (``2 000 € (2019) + 500 € (2020)``: 2,500). A signed amount (``-200 €``, a refund or an
  expense) stays negative and is never a total.
- ``- label :`` (a list item, nothing after the colon) is a funder without amount, and so is a list item without
  colon (``- ANCV``) inside a funding list: a list that holds such funders, or that follows a heading about
  financing (``… de financements fléchés :``).
- A line whose label names a cost, a budget or a total, or that is only an amount (``24800 hors salaires``,
  ``Environ 15 000 euros dont …``), gives the declared total: of several, a global one (``Budget global``) beats
  a total, which beats a cost or a budget, which beats a sub-total (``total_rank``); the first of the best wins.
- Per-unit amounts (``par participant``, ``/ personne``, ``150 € par départ``) are never the total, nor a line.
- ``dont …`` lines are a breakdown of the line above, not funders.
- Headings (``Contrat de ville :``) and prose are neither; an amount written as money in prose, which no line
  took, is listed in ``unread``: the sheet is then "financement à vérifier" (``Action.funding_to_check``).
"""

import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal

from actions_catalog.core.amounts import read_leading_amount
from actions_catalog.core.sheet import FundingLineData
from actions_catalog.core.text import fold, strip_invisible

#: The longest label of a funding line (longer: prose).
MAX_LABEL_LENGTH = 200
#: The label of a line that is only a signed amount (``-200 €``).
SIGNED_LINE_LABEL = "Remboursement ou dépense"

_TOTAL_WORDS = re.compile(r"\b(?:cout|couts|budget|budgets|total|totaux|global|globale|globaux)\b")
_SUB_TOTAL = re.compile(r"\bsous[ -]?tota(?:l|ux)\b")
_GLOBAL = re.compile(r"\bglob(?:al|ale|aux)\b|\b(?:total|budget|cout)s? genera(?:l|le|ux)\b")
_TOTAL = re.compile(r"\btota(?:l|ux)\b")
#: ``par …`` (but ``par an``, ``par la CAF``…) or ``/ …`` (but ``/ an``): an amount per participant, per day…
_PER_UNIT = re.compile(
    r"(?:\bpar\s+(?!(?:an|ans|annee|annees|la|le|les|un|une|des|du|de|au|aux|son|sa|ses|leur|leurs)\b|[ld]')"
    r"|/\s*(?!(?:an|annee)\b))[a-z]"
)
_BEFORE_AMOUNT = re.compile(r"^(?:environ|env\.?|approximativement|pr[èe]s de|~|≈)\s*", re.IGNORECASE)
#: What may follow an amount on its line without making it prose (tried in turn, as often as they come).
_QUALIFIER = re.compile(
    r"^(?:(?:ht|ttc|h\.t\.?|t\.t\.c\.?|net|brut)\b|(?:/|par)\s*(?:an|année|annee)\b|annuels?\b|\([^()]*\)|[.,;])\s*",
    re.IGNORECASE,
)
#: What ends the reading of an amount's line: what follows is a qualification (``hors salaires``) or a breakdown.
_TAIL = re.compile(r"^(?:hors|dont)\b", re.IGNORECASE)
_BREAKDOWN = re.compile(r"^\(?dont\b")
_FUNDING_HEADING = re.compile(r"financ|subvention")
#: An amount written as money: what a careful reader would not leave unread.
_MONEY = re.compile(r"\d(?:[\d \u00a0\u202f.,]*\d)?\s*(?:k\s*)?(?:€|euros?\b|eur\b)|\d\s*k€", re.IGNORECASE)


@dataclass
class FundingReading:
    lines: list[FundingLineData] = field(default_factory=list)
    declared_total: Decimal | None = None
    #: The lines of the text that hold an amount written as money which no funding line or total took.
    unread: list[str] = field(default_factory=list)


@functools.lru_cache(maxsize=4096)
def names_a_total(label: str) -> bool:
    """Whether a label names a cost, a budget or a total rather than a funder."""
    return bool(_TOTAL_WORDS.search(fold(label)))


@functools.lru_cache(maxsize=4096)
def total_rank(label: str) -> int:
    """How strongly a label names the total: 0 not at all, 1 a sub-total, 2 a cost or budget, 3 a total, 4 a
    global total (``Budget global``, ``Total général``)."""
    folded = fold(label)
    if not _TOTAL_WORDS.search(folded):
        return 0
    if _SUB_TOTAL.search(folded):
        return 1
    if _GLOBAL.search(folded):
        return 4
    return 3 if _TOTAL.search(folded) else 2


@functools.lru_cache(maxsize=4096)
def is_per_unit(text: str) -> bool:
    """Whether ``text`` speaks of an amount per unit (``par participant``, ``/ personne``, ``par jour``)."""
    return bool(_PER_UNIT.search(fold(text)))


@dataclass
class _Amount:
    value: Decimal
    #: "ok": only an amount and its qualifiers; "per_unit"; "text": followed by prose.
    tail: str


def _read_amount(text: str) -> _Amount | None:
    """The amount that ``text`` starts with (after ``environ``, ``~``…), sums and qualifiers included."""
    text = _BEFORE_AMOUNT.sub("", text.strip())
    value, _, rest = read_leading_amount(text, signed=True)
    if value is None:
        return None
    while True:
        while match := _QUALIFIER.match(rest):
            rest = rest[match.end() :]
        if rest.startswith("+"):
            more, _, after = read_leading_amount(rest[1:])
            if more is not None:
                value, rest = value + more, after
                continue
        break
    if not rest or _TAIL.match(rest):
        return _Amount(value, "ok")
    if (rest.startswith("/") or fold(rest).startswith("par ")) and is_per_unit(rest[:40]):
        return _Amount(value, "per_unit")
    return _Amount(value, "text")


@dataclass
class _Line:
    """One line of the text as read: a funder, a total, a funder candidate (``- ANCV``), or nothing."""

    text: str
    is_item: bool
    funder: FundingLineData | None = None
    total: Decimal | None = None
    rank: int = 0
    candidate: str = ""  # a list item without colon: a funder if its list is a funding list
    taken: bool = False  # its amounts are accounted for (a funder, a total, a breakdown)


def _read_line(raw: str) -> _Line | None:
    text = strip_invisible(raw).strip()
    if not text:
        return None
    is_item = text.startswith("-") and not re.match(r"^-\d", text)
    body = text[1:].strip() if is_item else text
    line = _Line(text, is_item)
    if not body:
        return None
    if _BREAKDOWN.match(fold(body)):
        line.taken = True
        return line
    whole = _read_amount(body)
    if whole is not None and whole.tail != "text":
        if whole.tail == "per_unit":
            return line
        line.taken = True
        if whole.value < 0:
            line.funder = FundingLineData(SIGNED_LINE_LABEL, whole.value)
        else:
            line.total, line.rank = whole.value, 2
        return line
    position = body.find(":")
    while position >= 0:
        label = body[:position].strip()
        amount = _read_amount(body[position + 1 :])
        if amount is not None and label and len(label) <= MAX_LABEL_LENGTH:
            rank = total_rank(label)
            if is_per_unit(label) or amount.tail == "per_unit":
                return line
            if amount.value < 0 and amount.tail != "text":
                line.funder, line.taken = FundingLineData(label, amount.value), True
                return line
            if rank and amount.value >= 0:  # a total may go on in prose: « Budget : 62000 € de financements… »
                line.total, line.rank, line.taken = amount.value, rank, True
                return line
            if amount.tail == "ok":
                line.funder, line.taken = FundingLineData(label, amount.value), True
                return line
        position = body.find(":", position + 1)
    if body.endswith(":"):  # a heading, or a list item: a funder without amount
        label = body[:-1].strip()
        if is_item and label and len(label) <= MAX_LABEL_LENGTH and not names_a_total(label):
            line.funder = FundingLineData(label, None)
        return line
    if is_item and ":" not in body and not body[0].isdigit() and len(body) <= 100 and not _MONEY.search(body):
        if not names_a_total(body) and not body.endswith((".", ",", ";")):
            line.candidate = body
    return line


def read_funding(text: str) -> FundingReading:
    """The funders, the declared total and the unread amounts of a "Ressources financières" section."""
    lines: list[_Line] = []
    #: The runs of consecutive list items (blank lines aside), each with whether it follows a heading about
    #: financing (a line ending with a colon: « Financeurs : », « … de financements fléchés : »).
    runs: list[tuple[bool, list[_Line]]] = []
    previous: _Line | None = None
    for raw in text.splitlines():
        line = _read_line(raw)
        if line is None:
            continue
        if line.is_item:
            if previous is None or not previous.is_item:
                heading = previous is not None and previous.text.endswith(":")
                runs.append((heading and bool(_FUNDING_HEADING.search(fold(previous.text))), []))
            runs[-1][1].append(line)
        lines.append(line)
        previous = line
    for follows_heading, run in runs:
        if follows_heading or any(line.funder is not None for line in run):
            for line in run:
                if line.candidate:
                    line.funder = FundingLineData(line.candidate, None)
    reading = FundingReading()
    best_rank = 0
    for line in lines:
        if line.funder is not None:
            reading.lines.append(line.funder)
        elif line.total is not None and line.rank > best_rank:
            reading.declared_total, best_rank = line.total, line.rank
        if not line.taken and line.funder is None and _MONEY.search(line.text):
            reading.unread.append(line.text)
    return reading


def extract_funding(text: str) -> tuple[list[FundingLineData], Decimal | None]:
    """``(funding lines, declared total)`` of a "Ressources financières" section (see ``read_funding``)."""
    reading = read_funding(text)
    return reading.lines, reading.declared_total


def to_check(text: str) -> bool:
    """Whether a funding text holds amounts that no funding line took (the admin's « financement à vérifier »)."""
    return bool(read_funding(text).unread) if text else False
