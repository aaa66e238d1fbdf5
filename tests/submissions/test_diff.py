"""What a moderator sees change in a revision (``members/diff.py``): keywords and partners in the sheet's order."""

from dataclasses import replace

from actions_catalog.members.diff import sheet_diff
from tests.factories import make_sheet


def changed(old, new) -> set[str]:
    return {row.label for row in sheet_diff(old, new) if row.changed}


def test_reordering_keywords_or_partners_is_a_change_but_not_their_case():
    sheet = make_sheet(keywords=["Culture", "Santé"], partners=["ANCV", "CAF"])
    assert changed(sheet, replace(sheet, keywords=["Santé", "Culture"])) == {"Mots clés"}
    assert changed(sheet, replace(sheet, partners=["CAF", "ANCV"])) == {"Partenaires"}
    assert changed(sheet, replace(sheet, keywords=["culture", "SANTÉ"])) == set()
    assert changed(sheet, replace(sheet, publics=list(reversed(sheet.publics)) + ["seniors"])) == {"Public"}
    assert changed(sheet, replace(sheet, initiatives=list(reversed(sheet.initiatives)))) == set()
