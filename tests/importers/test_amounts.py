"""French amounts, funding lines and the declared total of "Ressources financières mobilisées"."""

from decimal import Decimal

import pytest

from actions_catalog.core.amounts import (
    MAX_AMOUNT,
    funding_consistent,
    funding_total,
    parse_amount,
    split_leading_amount,
)
from actions_catalog.core.funding import extract_funding, names_a_total, read_funding, to_check
from actions_catalog.core.sheet import FundingLineData


@pytest.mark.parametrize(
    "text, expected",
    [
        ("13 500€", "13500.00"),
        ("27 529 €", "27529.00"),
        ("1 500,50 €", "1500.50"),
        ("21 280.00€", "21280.00"),
        ("2 000 euros", "2000.00"),
        ("35 000", "35000.00"),
        ("7500 €", "7500.00"),
        ("62000", "62000.00"),
        ("1000 euros", "1000.00"),
        ("1 euro", "1.00"),
        ("12,5 €", "12.50"),
        ("486", "486.00"),
        ("13.500 €", "13500.00"),
        ("1.234.567,89 EUR", "1234567.89"),
        ("13\u00a0500\u00a0€", "13500.00"),  # no-break spaces
        ("13\u202f500\u202f€", "13500.00"),  # narrow no-break spaces (French typography)
        ("1\u202f500,50\u00a0€", "1500.50"),
        ("  4 080€  ", "4080.00"),
        ("0 €", "0.00"),
        ("9 999 999 999,99 €", "9999999999.99"),
        ("2 000 €.", "2000.00"),
    ],
)
def test_french_amounts(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "environ 3 000 €",
        "3 000 € par an",
        "10 000 000 000 €",  # above the largest storable amount
        "123456789012345",  # an identifier, not an amount
        "Cf Pièce jointe N°1",
        "24800 hors salaires",
        "€",
        "euros",
    ],
)
def test_not_an_amount(text):
    assert parse_amount(text) is None


def test_largest_amount_is_what_the_column_holds():
    assert MAX_AMOUNT == Decimal("9999999999.99")
    assert parse_amount("9999999999,99") == MAX_AMOUNT
    assert parse_amount("10000000000") is None


def test_split_leading_amount_keeps_the_rest():
    assert split_leading_amount("62000 € de financements") == (Decimal("62000.00"), "de financements")
    assert split_leading_amount("13 500€") == (Decimal("13500.00"), "")
    assert split_leading_amount("pas de montant") == (None, "pas de montant")
    assert split_leading_amount("99999999999999 €") == (None, "99999999999999 €")


@pytest.mark.parametrize(
    "label, expected",
    [
        ("Coût du séjour", True),
        ("COUT TOTAL", True),
        ("Budget total", True),
        ("Budget 2016", True),
        ("Total", True),
        ("Coûts", True),
        ("CAF", False),
        ("Participation des familles", False),
        ("Totalement financé par la ville", False),
        ("Budgétisation", False),
    ],
)
def test_labels_that_name_a_total(label, expected):
    assert names_a_total(label) is expected


def lines(*pairs):
    return [FundingLineData(label, None if amount is None else Decimal(amount)) for label, amount in pairs]


@pytest.mark.parametrize(
    "text, funders, total",
    [
        ("Coût du séjour : 21 280.00€", [], "21280.00"),
        ("Budget total : 9 000 €", [], "9000.00"),
        ("Budget 2016 : 62000 € de financements flèchés :", [], "62000.00"),
        ("- Coût total : 1 500,50 €", [], "1500.50"),
        ("7500 €", [], "7500.00"),
        ("35 000", [], "35000.00"),
        ("- 2 000 euros", [], "2000.00"),
        ("CAF : 6 700€", [("CAF", "6700.00")], None),
        ("- Etat : 13 500€", [("Etat", "13500.00")], None),
        (
            "ASP ( Agence de Service et de Paiement) : 27 529 €",
            [("ASP ( Agence de Service et de Paiement)", "27529.00")],
            None,
        ),
        ("Aide aux séjours Caf : 3000", [("Aide aux séjours Caf", "3000.00")], None),
        ("- CAF (ACF) :", [("CAF (ACF)", None)], None),
        ("-CD34 :", [("CD34", None)], None),
        ("Contrat de ville :", [], None),  # a heading, not a list item: not a funder
        ("Le Centre social a été subventionné par la CAF.", [], None),
        ("au total 1 000 € attribué en fonction des demandes", [], None),
        ("en 2018 : 10 projets familles soit 1500 €", [], None),
        ("150 € par départ familles", [], None),
        ("- ANCV", [], None),
        ("- Environ 15 000 euros dont 11 330 de subvention directe.", [], "15000.00"),  # issue 14
        ("Autofinancement : 4 500€ (soit 20 %)", [("Autofinancement", "4500.00")], None),  # a remark in brackets
        ("- Budget :", [], None),  # names a total, but no amount: neither a funder nor a total
        ("", [], None),
    ],
)
def test_one_funding_line(text, funders, total):
    assert extract_funding(text) == (lines(*funders), None if total is None else Decimal(total))


def test_first_declared_total_wins():
    text = "Budget total : 10 000 €\nCAF : 4 000 €\nCoût du séjour : 12 000 €\n8 000 €"
    assert extract_funding(text) == (lines(("CAF", "4000.00")), Decimal("10000.00"))


def test_label_too_long_is_prose():
    text = "x" * 201 + " : 300 €"
    assert extract_funding(text) == ([], None)


def test_crlf_and_whitespace_in_funding_text():
    text = "Coût du séjour : 21 280.00€\r\n   Autofinancement : 4 500€   \r\n\r\n- CAF : 6 700€\r\n"
    assert extract_funding(text) == (
        lines(("Autofinancement", "4500.00"), ("CAF", "6700.00")),
        Decimal("21280.00"),
    )


def test_ski_trip_sheet():
    text = (
        "Coût du séjour : 21 280.00€\n"
        "Autofinancement : 4 500€\n"
        "Participation des familles : 6 000€\n"
        "CAF : 6 700€\n"
        "Ville : 4 080€"
    )
    funders, total = extract_funding(text)
    assert total == Decimal("21280.00")
    assert [line.label for line in funders] == ["Autofinancement", "Participation des familles", "CAF", "Ville"]
    assert sum(line.amount for line in funders) == total


def test_barcelona_sheet():
    text = (
        "Aide aux séjours Caf : 3000\n"
        "Bons FCSF : 3980\n"
        "Autofinancement : 6245\n"
        "participation des familles : 2490\n"
        "Aide du Conseil départemental : 1400\n"
        "participation du centre social : 486"
    )
    funders, total = extract_funding(text)
    assert total is None
    assert len(funders) == 6
    assert sum(line.amount for line in funders) == Decimal("17601.00")


def test_harpeges_sheet():
    text = (
        "Contrat de ville :\n"
        "- Etat : 13 500€\n"
        "- Région : 13 000€\n"
        "- Commune : 24 500€\n"
        "ASP ( Agence de Service et de Paiement) : 27 529 €"
    )
    funders, total = extract_funding(text)
    assert total is None
    assert [line.amount for line in funders] == [Decimal(a) for a in ("13500", "13000", "24500", "27529")]
    assert sum(line.amount for line in funders) == Decimal("78529.00")


def test_seed_expectations(seed_sheets):
    by_title = {sheet.title: sheet for sheet in seed_sheets}
    ski = by_title["Mise en place séjour au ski interquartier"]
    assert ski.declared_total == Decimal("21280.00")
    assert len(ski.funding_lines) == 4
    assert sum(line.amount for line in ski.funding_lines) == Decimal("21280.00")
    barcelona = by_title["Séjour Autofinancé Barcelone"]
    assert len(barcelona.funding_lines) == 6
    assert sum(line.amount for line in barcelona.funding_lines) == Decimal("17601.00")
    harpeges = by_title["Accompagnbement Social et Médiation- Permanence d'écrivain public"]
    assert len(harpeges.funding_lines) == 4
    assert sum(line.amount for line in harpeges.funding_lines) == Decimal("78529.00")
    # Whatever is extracted, the text stays as written.
    assert harpeges.funding_text.splitlines() == [
        "Contrat de ville :",
        "- Etat : 13 500€",
        "- Région : 13 000€",
        "- Commune : 24 500€",
        "ASP ( Agence de Service et de Paiement) : 27 529 €",
    ]


# -- Issue 14: funding read as a careful person reads it -----------------------------------------------------


@pytest.mark.parametrize(
    "text, funders, total",
    [
        # Amounts the parser used to drop or misread.
        ("1.500 €", [], "1500.00"),
        ("CAF : 1.500 €", [("CAF", "1500.00")], None),
        ("1 500 € TTC", [], "1500.00"),
        ("Ville : 1 500 € HT", [("Ville", "1500.00")], None),
        ("15k€", [], "15000.00"),
        ("Région : 15 k€", [("Région", "15000.00")], None),
        ("Région : 1,5 k€", [("Région", "1500.00")], None),
        ("environ 3000 euros", [], "3000.00"),
        ("Commune : env. 3 000 €", [("Commune", "3000.00")], None),
        ("CAF : ~ 3 000 €", [("CAF", "3000.00")], None),
        ("3 000 € / an", [], "3000.00"),
        ("Mairie : 3 000 € / an", [("Mairie", "3000.00")], None),
        ("Ville : 2 000 € (2019) + 500 € (2020)", [("Ville", "2500.00")], None),
        ("- Ville : 2 000 € + 500 €", [("Ville", "2500.00")], None),
        # Signed amounts: a refund or an expense, kept negative, never a total.
        ("-200 €", [("Remboursement ou dépense", "-200.00")], None),
        ("Remboursement CAF : -200 €", [("Remboursement CAF", "-200.00")], None),
        ("- Trop-perçu : −150,50 €", [("Trop-perçu", "-150.50")], None),
        ("Coût du séjour : -500 €", [("Coût du séjour", "-500.00")], None),
        # Per-unit lines are never the total, nor a line.
        ("Coût par participant : 12 €", [], None),
        ("150 € par départ familles", [], None),
        ("Participation : 20 € / personne", [], None),
        ("Prix de journée : 35 € par jour", [], None),
        # A label may hold colons: the amount is the first one after a colon.
        ("Politique de la ville : État : 2 000 €", [("Politique de la ville : État", "2000.00")], None),
        ("Budget 2016 : 62000 € de financements fléchés pour les actions parentalité :", [], "62000.00"),
        # Totals: a qualifier or a currency makes a bare amount a total; « dont » follows it.
        ("24800 hors salaires", [], "24800.00"),
        ("- Environ 15 000 euros dont 11 330 de subvention directe.", [], "15000.00"),
        ("- 2 salariés la semaine + 1 conducteur pour le départ et le retour,", [], None),
        ("Financement par la CAF : 3 000 €", [("Financement par la CAF", "3000.00")], None),  # « par la » is no unit
    ],
)
def test_funding_lines_of_issue_14(text, funders, total):
    assert extract_funding(text) == (lines(*funders), None if total is None else Decimal(total))


def test_dont_lines_are_a_breakdown_not_funders():
    text = "CAF : 2 000 €\ndont animation globale : 1 000 €\n- dont accueil : 500 €\nVille : 800 €"
    assert extract_funding(text) == (lines(("CAF", "2000.00"), ("Ville", "800.00")), None)
    assert read_funding(text).unread == []  # a breakdown is read, not left aside


def test_a_sub_total_before_the_total_is_not_the_total():
    text = "Sous-total fonctionnement : 3 000 €\nCAF : 2 000 €\nTotal : 5 000 €"
    assert extract_funding(text) == (lines(("CAF", "2000.00")), Decimal("5000.00"))
    assert extract_funding("Sous-total : 3 000 €\nCAF : 3 000 €")[1] == Decimal("3000.00")  # only one: it is


def test_a_global_budget_beats_a_per_unit_cost_and_a_budget():
    text = "Coût par participant : 12 €\nCoût du séjour : 4 000 €\nBudget global : 4 800 €"
    assert extract_funding(text) == ([], Decimal("4800.00"))


def test_a_list_item_without_colon_is_a_funder_without_amount_inside_a_funding_list_only():
    agantic = "Budget 2016 : 62000 € de financements fléchés pour les actions parentalité :\n- CAF (ACF) :\n- ANCV"
    assert extract_funding(agantic) == (lines(("CAF (ACF)", None), ("ANCV", None)), Decimal("62000.00"))
    assert extract_funding("Financeurs :\n- CAF\n- Région")[0] == lines(("CAF", None), ("Région", None))
    # A list of resources, or a list under a heading that is not about financing, names no funder.
    resources = "Ressources mobilisées :\n- 2 minis bus dont 1 sur place\n- logistique camping : marabout, tables."
    assert extract_funding(resources) == ([], None)
    assert extract_funding("Moyens :\n- Une salle\n- Un animateur") == ([], None)
    assert extract_funding("- ANCV") == ([], None)  # alone, a list item is not a funder


def test_prose_amounts_stay_text_and_flag_the_sheet_for_review():
    yonne = (
        "- Convention d'objectifs et de financement avec la CAF de l'Yonne :\n"
        "150 € par départ familles\n"
        "en 2018 : 10 projets familles soit 1500 €\n"
        "-enveloppe dédiée au projet par le CCAS\n"
        "au total 1 000 € attribué en fonction des demandes argumentée des travailleurs sociaux"
    )
    reading = read_funding(yonne)
    assert reading.lines == lines(("Convention d'objectifs et de financement avec la CAF de l'Yonne", None))
    assert reading.declared_total is None
    assert reading.unread == [
        "150 € par départ familles",
        "en 2018 : 10 projets familles soit 1500 €",
        "au total 1 000 € attribué en fonction des demandes argumentée des travailleurs sociaux",
    ]
    assert to_check(yonne)
    assert not to_check("CAF : 3 000 €\nLe centre a été subventionné.\n2 salariés")  # no amount left unread
    assert not to_check("")


def test_consistency_of_the_lines_with_the_declared_total():
    assert funding_consistent(Decimal("100"), [Decimal("60"), Decimal("40")]) is True
    assert funding_consistent(Decimal("100"), [Decimal("60"), Decimal("-10"), Decimal("50")]) is True
    assert funding_consistent(Decimal("100"), [Decimal("60")]) is False
    assert funding_consistent(None, [Decimal("60")]) is None  # no total declared
    assert funding_consistent(Decimal("100"), [Decimal("60"), None]) is None  # a line without amount
    assert funding_consistent(Decimal("100"), []) is None  # no line


def test_negative_lines_count_in_the_sum():
    assert funding_total(None, [Decimal("1000"), Decimal("-200"), None]) == Decimal("800.00")


def test_signed_amounts_are_read_only_when_asked():
    assert parse_amount("-200 €") is None
    assert parse_amount("-200 €", signed=True) == Decimal("-200.00")
    assert parse_amount("− 1 500,50", signed=True) == Decimal("-1500.50")
    assert parse_amount("15k€") == Decimal("15000.00")
    assert parse_amount("15 km") is None
