"""The size limits of a sheet, whatever it comes from: the member's form and every import check the same ones.

``sheet_problems`` lists what a SheetData exceeds, by field, in French; the form's fields use the same numbers.
"""

from actions_catalog.core.sheet import FIELDS_BY_NAME, TEXT_FIELDS, SheetData

MAX_TITLE_LENGTH = 300
MAX_CENTRE_NAME_LENGTH = 255
MAX_LABEL_LENGTH = 200
#: Each free text of a sheet (résumé, description…).
MAX_TEXT_LENGTH = 20_000
MAX_REASON_LENGTH = 2_000
MAX_KEYWORDS = 50
MAX_PARTNERS = 50
MAX_FUNDING_LINES = 30


def sheet_problems(sheet: SheetData) -> list[tuple[str, str]]:
    """``(field, message)`` for each limit the sheet exceeds (titles, names and labels are checked where they
    are read, with their identity key)."""
    problems = []
    for name in TEXT_FIELDS:
        text = getattr(sheet, name)
        if len(text) > MAX_TEXT_LENGTH:
            label = FIELDS_BY_NAME[name].label
            size, limit = _number(len(text)), _number(MAX_TEXT_LENGTH)
            problems.append((name, f"« {label} » est trop long ({size} caractères, {limit} au plus)"))
    for name, limit in (("keywords", MAX_KEYWORDS), ("partners", MAX_PARTNERS), ("funding_lines", MAX_FUNDING_LINES)):
        count = len(getattr(sheet, name))
        if count > limit:
            problems.append((name, f"« {FIELDS_BY_NAME[name].label} » : {count} éléments, {limit} au plus"))
    return problems


def _number(value: int) -> str:
    """``20 000`` (thin no-break spaces between thousands, as French writes them)."""
    return f"{value:,}".replace(",", "\u202f")
