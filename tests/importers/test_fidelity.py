"""Issue 14, importer fidelity, in the parser (no database): labels matched after folding, unknown labels
reported, partners by role, invisible characters, and every seed sheet written back into the sheet format and
read again to the same data."""

import pytest

from actions_catalog.core.sheet import CONTENT_FIELDS, GENERIC_PARTNER_ROLE, PartnerGroup
from importers.parser import parse_text
from tests.factories import render_sheet, sheet_file, sheet_text


def one(text: str):
    result = parse_text(sheet_file(text), "fiches.txt")
    assert result.problems == [], result.problems
    [sheet] = result.sheets
    return sheet


def with_residents_and_limits(limits_label: str) -> str:
    return sheet_text(summary="Un atelier.").replace(
        "- Ressources financières mobilisées pour cette action\n",
        "- Ressources financières mobilisées pour cette action\n"
        "- Résultat pour les habitants\nDes liens entre voisins.\n"
        f"{limits_label}\nLe manque de bénévoles.\n",
    )


def line_of(text: str, wanted: str) -> int:
    """The line number of ``wanted`` in the file ``sheet_file(text)`` (the header is line 1)."""
    return sheet_file(text).split("\n").index(wanted) + 1


def label_warnings(sheet) -> list[tuple[int, str]]:
    return [(warning.line, warning.message) for warning in sheet.warnings if warning.label]


# -- Labels matched after folding ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label",
    [
        "- Suite de l'action: Limites",  # no space before the colon
        "- Suite de l'action :Limites",
        "- Suite de l’action : Limites",  # a typographic apostrophe
        "- SUITE DE L'ACTION : LIMITES",  # case
        "- Suite de l'action\u00a0: Limites",  # a no-break space before the colon
        "- Suite de l'action\u202f:\u00a0Limites",  # French typography: narrow no-break space
        "- Suite\u200b de l'action : Limites",  # a zero-width space
        "-Suite de l'action : Limites",  # no space after the dash
        "- Suite  de   l'action :  Limites",  # spaces doubled
    ],
)
def test_a_label_written_another_way_is_still_its_label(label):
    sheet = one(with_residents_and_limits(label))
    assert sheet.result_residents == "Des liens entre voisins."
    assert sheet.limits == "Le manque de bénévoles."
    assert sheet.warnings == []


def test_a_no_break_space_before_the_question_mark_keeps_the_initiative_out_of_the_summary():
    text = sheet_text(summary="Un atelier.").replace(
        "- Public\n", "- Qui est à l'initiative de l'action\u00a0?\n-\n- Le centre social\n- Public\n"
    )
    sheet = one(text)
    assert sheet.initiatives == ["le-centre-social"]
    assert sheet.summary == "Un atelier."


def test_a_zero_width_space_inside_a_keyword_makes_no_second_keyword():
    sheet = one(sheet_text(keywords=("Numérique", "Numé\u200brique", "\u200bCulture\u2060", "\u200b", "\u00ad")))
    assert sheet.keywords == ["Numérique", "Culture"]


def test_invisible_characters_are_removed_from_every_list_item_and_empty_items_ignored():
    text = sheet_text(partners=("CAF\u200b du Rhône", "\u200b", "ANCV\ufeff")).replace(
        "- Tous publics", "- Tous\u200b publics"
    )
    sheet = one(
        text.replace("- Centre social des Tilleuls - Rhône", "- Centre social\u200b des Tilleuls - Rhône\u200b")
    )
    assert sheet.partners == ["CAF du Rhône", "ANCV"]
    assert sheet.publics == ["tous-publics"]
    assert (sheet.centre_name, sheet.departement_code) == ("Centre social des Tilleuls", "69")


# -- Unknown labels: kept in the field before them, with a warning -------------------------------------------


def test_a_line_close_to_a_label_is_kept_in_the_field_before_it_with_a_warning_at_its_line():
    text = with_residents_and_limits("- Suite de l'action - Limite")
    sheet = one(text)
    assert sheet.limits == ""
    assert sheet.result_residents == "Des liens entre voisins.\n- Suite de l'action - Limite\nLe manque de bénévoles."
    assert label_warnings(sheet) == [
        (
            line_of(text, "- Suite de l'action - Limite"),
            "libellé inconnu, rattaché à « Résultat pour les habitants » : « - Suite de l'action - Limite » "
            "(proche de « Suite de l'action : Limites »)",
        )
    ]
    assert str(sheet.warnings[0]).startswith(f"fiches.txt: line {sheet.warnings[0].line}: avertissement : libellé")


def test_a_label_without_its_accents_is_close_to_it():
    text = sheet_text().replace(
        "- Ressources financières mobilisées pour cette action\n",
        "- Ressources financières mobilisées pour cette action\n- Résultat pour le centre social\nDe nouveaux "
        "bénévoles.\n- Resultat pour les habitants\nDes liens.\n",
    )
    sheet = one(text)
    assert sheet.result_centre == "De nouveaux bénévoles.\n- Resultat pour les habitants\nDes liens."
    assert label_warnings(sheet) == [
        (
            line_of(text, "- Resultat pour les habitants"),
            "libellé inconnu, rattaché à « Résultat pour le centre social » : « - Resultat pour les habitants » "
            "(proche de « Résultat pour les habitants »)",
        )
    ]


def test_a_label_shaped_list_item_in_a_list_section_is_reported_and_kept():
    text = sheet_text(keywords=("Culture", "Thématique principale :", "Santé ?"))
    sheet = one(text)
    assert sheet.keywords == ["Culture", "Thématique principale :", "Santé ?"]  # the text is kept where it was
    assert label_warnings(sheet) == [
        (
            line_of(text, "- Thématique principale :"),
            "libellé inconnu, rattaché à « Mots clés associés à l'action » : « - Thématique principale : »",
        ),
        (
            line_of(text, "- Santé ?"),
            "libellé inconnu, rattaché à « Mots clés associés à l'action » : « - Santé ? »",
        ),
    ]


def test_a_known_label_out_of_its_place_is_reported_and_read_as_text():
    text = sheet_text(summary="Premier temps\n- Raisons pour lesquelles l'action est terminée\nSecond temps")
    sheet = one(text)
    assert sheet.summary == "Premier temps\n- Raisons pour lesquelles l'action est terminée\nSecond temps"
    assert sheet.end_reason == ""
    assert label_warnings(sheet) == [
        (
            line_of(text, "Premier temps") + 1,
            "libellé inconnu, rattaché à « Résumé » : « - Raisons pour lesquelles l'action est terminée » "
            "(« Raisons pour lesquelles l'action est terminée » vient plus haut dans la fiche)",
        )
    ]


def test_a_label_repeated_in_the_sheet_is_a_label_warning_too():
    sheet = one(sheet_text(summary="Premier temps\n- Dimension\nSecond temps"))
    assert sheet.summary == "Premier temps\n- Dimension\nSecond temps"
    [warning] = sheet.warnings
    assert (warning.warning, warning.label) == (True, True)
    assert warning.message.startswith("la rubrique « Dimension » est répétée dans la fiche (une fois de plus)")


@pytest.mark.parametrize(
    "funding",
    [
        "- CAF (ACF) :\n- REAAP :\n- ANCV",  # funders without amount
        "Contrat de ville :\n- Etat : 13 500€",
        "Politique de la ville : État : 2 000 €",
    ],
)
def test_no_warning_for_the_lines_of_a_funding_section(funding):
    assert one(sheet_text(funding=funding)).warnings == []


def test_free_text_shaped_like_labels_gives_no_warning():
    sheet = one(sheet_text(summary="Objectifs :\n- Rencontrer les habitants ?\n- Public visé : les jeunes"))
    assert sheet.warnings == []


def test_strict_parsing_makes_label_warnings_problems_and_rejects_the_sheet():
    text = sheet_file(with_residents_and_limits("- Suite de l'action - Limite"))
    result = parse_text(text, "fiches.txt", strict=True)
    assert result.sheets == []
    [problem] = result.problems
    assert not problem.warning
    line = text.split("\n").index("- Suite de l'action - Limite") + 1
    assert str(problem) == (
        f"fiches.txt: line {line}: libellé inconnu, rattaché à « Résultat pour les habitants » : "
        "« - Suite de l'action - Limite » (proche de « Suite de l'action : Limites »)"
    )


def test_the_seed_gives_no_warning_even_strictly(seed_bytes):
    from importers.parser import parse_bytes

    lenient, strict = parse_bytes(seed_bytes, "seed.txt"), parse_bytes(seed_bytes, "seed.txt", strict=True)
    assert [warning for sheet in lenient.sheets for warning in sheet.warnings] == []
    assert strict.problems == [] and len(strict.sheets) == 25


# -- Partners by role ---------------------------------------------------------------------------------------


def partners_sheet(*lines: str) -> str:
    return sheet_text(partners=("placeholder",)).replace(
        "Partenaires d'action:\n- placeholder\n", "".join(f"{line}\n" for line in lines)
    )


def test_partner_sub_headings_start_groups_that_keep_their_role_and_order():
    sheet = one(
        partners_sheet(
            "Partenaires d'action:",
            "- Mairie de Lyon",
            "- ANCV",
            "Partenaires financiers:",
            "- CAF du Rhône",
            "- ANCV",
            "Partenaires techniques :",
            "- Maison des jeunes",
        )
    )
    assert sheet.partner_groups == [
        PartnerGroup(GENERIC_PARTNER_ROLE, ["Mairie de Lyon", "ANCV"]),
        PartnerGroup("Partenaires financiers", ["CAF du Rhône", "ANCV"]),
        PartnerGroup("Partenaires techniques", ["Maison des jeunes"]),
    ]
    assert sheet.partners == ["Mairie de Lyon", "ANCV", "CAF du Rhône", "Maison des jeunes"]  # each once
    assert sheet.warnings == []


def test_partners_before_any_heading_have_no_role():
    sheet = one(partners_sheet("- ANCV", "Partenaires financiers :", "- CAF"))
    assert sheet.partner_groups == [PartnerGroup("", ["ANCV"]), PartnerGroup("Partenaires financiers", ["CAF"])]
    assert one(partners_sheet("- ANCV", "- CAF")).partner_groups == []  # no role at all: the flat list says it all


def test_the_forms_own_heading_however_written_is_one_role():
    sheet = one(partners_sheet("PARTENAIRES D’ACTION\u00a0:", "- ANCV"))
    assert sheet.partner_groups == [PartnerGroup(GENERIC_PARTNER_ROLE, ["ANCV"])]


def test_a_repeated_heading_is_one_group():
    sheet = one(
        partners_sheet(
            "Partenaires financiers:",
            "- CAF",
            "Partenaires d'action:",
            "- ANCV",
            "Partenaires financiers :",
            "- Région",
        )
    )
    assert sheet.partner_groups == [
        PartnerGroup("Partenaires financiers", ["CAF", "Région"]),
        PartnerGroup(GENERIC_PARTNER_ROLE, ["ANCV"]),
    ]


def test_a_heading_that_names_no_partners_is_still_a_problem():
    result = parse_text(sheet_file(partners_sheet("Financeurs:", "- CAF")), "fiches.txt")
    assert [problem.message for problem in result.problems] == [
        "« Avec qui cette action a-t-elle été menée ? » : rubrique inconnue « Financeurs: » "
        "(connue : « Partenaires … : », comme « Partenaires d'action: »)"
    ]


# -- Nothing lost: every seed sheet written back and read again ---------------------------------------------


def content(sheet) -> dict:
    return {name: getattr(sheet, name) for name in CONTENT_FIELDS}


def test_every_seed_sheet_written_back_into_the_sheet_format_reads_again_to_the_same_data(seed_sheets):
    for sheet in seed_sheets:
        [again] = parse_text(sheet_file(render_sheet(sheet)), "rendu.txt").sheets
        assert content(again) == content(sheet), sheet.title
        assert again.warnings == []


def test_seed_keywords_and_partners_keep_the_sheets_order(seed_sheets):
    by_title = {sheet.title: sheet for sheet in seed_sheets}
    assert by_title["SAMEDIS FESTIFS"].keywords == ["Culture", "vacances / loisirs", "Mixité sociale"]
    assert by_title["Insertion des filles par le sport"].keywords[:3] == [
        "Parentalité",
        "éducation / scolarité",
        "Culture",
    ]
    assert all(sheet.partner_groups == [PartnerGroup(GENERIC_PARTNER_ROLE, ["ANCV"])] for sheet in seed_sheets)
