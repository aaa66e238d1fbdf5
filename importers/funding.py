"""The funding lines of "Ressources financières mobilisées": funders, amounts and the declared total.

Pure functions: the section's text in, FundingLineData and the declared total out.
"""

import re
from decimal import Decimal

from actions_catalog.core.amounts import parse_amount, split_leading_amount
from actions_catalog.core.sheet import FundingLineData
from actions_catalog.core.text import fold

_LIST_ITEM = re.compile(r"^-\s*")
_TOTAL_LABEL = re.compile(r"\b(?:cout|couts|budget|budgets|total)\b")
_MAX_LABEL_LENGTH = 200


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
