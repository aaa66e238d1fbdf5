"""SheetData: the one in-memory shape of an action sheet, whatever it came from.

The scraped-text parser, the JSON reader and the submission form all produce it; the loader consumes it.
Choice fields hold the values of ``actions_catalog.choices`` (slugs), lists keep the order of the sheet.
"""

import hashlib
import json
from dataclasses import dataclass, field, fields
from decimal import Decimal

from .text import collapse_whitespace

TEXT_FIELDS = (
    "end_reason",
    "summary",
    "context",
    "description",
    "funding_text",
    "people_text",
    "result_territory",
    "result_centre",
    "result_residents",
    "limits",
    "outlook",
    "files_text",
)


@dataclass(frozen=True)
class FundingLineData:
    label: str
    amount: Decimal | None = None


@dataclass(frozen=True)
class SourceRef:
    """Where a sheet was read: a file name (or another origin such as ``"formulaire"``) and a line."""

    name: str = ""
    line: int | None = None


@dataclass
class SheetData:
    title: str
    centre_name: str
    departement_code: str
    status: str
    end_reason: str = ""
    dimension: str | None = None
    keywords: list[str] = field(default_factory=list)
    summary: str = ""
    initiatives: list[str] = field(default_factory=list)
    territory: str | None = None
    context: str = ""
    publics: list[str] = field(default_factory=list)
    partners: list[str] = field(default_factory=list)
    description: str = ""
    funding_text: str = ""
    funding_lines: list[FundingLineData] = field(default_factory=list)
    declared_total: Decimal | None = None
    people_text: str = ""
    result_territory: str = ""
    result_centre: str = ""
    result_residents: str = ""
    limits: str = ""
    outlook: str = ""
    declares_files: bool = False
    files_text: str = ""
    #: The year(s) the action ran, ascending (asked by the submission form; scraped sheets have none).
    years: list[int] = field(default_factory=list)
    # Provenance, not content: two sheets that differ only here are the same sheet.
    source: SourceRef = field(default_factory=SourceRef)
    field_lines: dict[str, int] = field(default_factory=dict)
    raw_text: str = ""
    #: The slug a new action should get when it is free (the JSON export carries it); "" to derive it.
    slug: str = ""

    def content_hash(self) -> str:
        """A fingerprint of what the sheet says, insensitive to whitespace and to where it was read.

        The canonical form is that of ``dataclasses.asdict`` less the provenance, built without its deep copy.
        """
        content = {name: getattr(self, name) for name in _CONTENT_FIELDS}
        content["funding_lines"] = [{"label": line.label, "amount": line.amount} for line in self.funding_lines]
        if not content["years"]:
            content.pop("years")  # sheets without years keep the fingerprint they had before years existed
        canonical = json.dumps(_collapse(content), default=_canonical, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


#: The fields a content hash covers: all but the provenance.
_CONTENT_FIELDS = tuple(
    f.name for f in fields(SheetData) if f.name not in ("source", "field_lines", "raw_text", "slug")
)


def _canonical(value):
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


def _collapse(content):
    if isinstance(content, str):
        return collapse_whitespace(content)
    if isinstance(content, list):
        return [_collapse(item) for item in content]
    if isinstance(content, dict):
        return {key: _collapse(item) for key, item in content.items()}
    return content
