"""The sheet parser: every seed sheet, label recognition, line endings, and every error path."""

from decimal import Decimal

import pytest

from importers.parser import SECTIONS, parse_bytes, parse_text
from tests.factories import FILE_HEADER, sheet_file, sheet_text

TEXT_SECTIONS = (
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
)

# One row per seed sheet, read by hand from fixtures/fiches-actions-centres-sociaux.txt:
# (line of "Actions", title, centre, département code, status, dimension, keywords, publics, initiatives,
#  territory, text sections the sheet leaves empty).
SEED = [
    (2, "SAMEDIS FESTIFS", "MJC CENTRE SOCIAL VICTOR HUGO", "74", "en-cours", "citoyennete",
     ["Culture", "vacances / loisirs", "Mixité sociale"], ["tous-publics"], ["le-centre-social"], "une-commune",
     set()),
    (66, "Forum Seniors", "CENTRE SOCIAL DE PéRONNE", "80", "en-cours", "services",
     ["Viellissement"], ["seniors"], ["le-centre-social"], "plusieurs-communes", set()),
    (117, "Séjour culturel en Espagne", "OÏKOS - CENTRE CULTUREL ET SOCIAL BELFORT NORD", "90", "en-cours",
     "accompagnement-de-projets", ["Culture"], ["jeunesse"], ["le-centre-social"], "un-quartier",
     {"funding_text", "result_territory", "result_centre"}),
    (179, "Séjour InterG", "LEO LAGRANGE OUEST – Jean Gueguen TRELAZE", "49", "en-cours",
     "accompagnement-de-projets", ["intergénérationnel", "vacances / loisirs"], ["tous-publics"],
     ["le-centre-social"], "plusieurs-quartiers", set()),
    (244, "Accompagnement à la scolarité", "CENTRE SOCIAL DE PARILLY", "69", "en-cours", "citoyennete",
     ["Parentalité", "éducation / scolarité"], ["enfance"], ["le-centre-social"], "plusieurs-quartiers",
     {"funding_text", "result_territory", "limits", "outlook"}),
    (288, "Séjour Autofinancé Barcelone", "CENTRE SOCIAL D'EMPALOT", "31", "terminee", "accompagnement-de-projets",
     ["Parentalité", "Démocratie & citoyenneté", "vacances / loisirs"], ["familles"], ["un-groupe-dhabitants"],
     "un-quartier", {"limits"}),
    *[
        (line, "Les lumières de la paix", "CENTRE SOCIAL LAVOISIER", "77", "terminee", "citoyennete",
         ["intergénérationnel", "Solidarité", "Culture"], ["tous-publics"], ["un-habitant"], "une-commune", set())
        for line in (352, 401, 450)
    ],
    *[
        (line, "Départ en vacances pour tous", "CENTRE SOCIAL DES CHAILLOTS", "89", "en-cours",
         "accompagnement-de-projets", ["discriminations"], ["tous-publics"], ["le-centre-social"], "une-commune",
         {"result_territory"})
        for line in (499, 567)
    ],
    (635, "Mise en place séjour au ski interquartier", "MAISON DE QUARTIER CENTRE- Association BELLIDEE", "62",
     "terminee", "accompagnement-de-projets", ["mobilité / transport", "vacances / loisirs", "Mixité sociale"],
     ["jeunesse"], ["le-centre-social"], "plusieurs-quartiers", set()),
    (692, "Les vacances ça se prépare : séjour collectif familles", "AMBROISE CROIZAT (CSC)", "93", "en-cours",
     "accompagnement-de-projets", ["Parentalité", "vacances / loisirs", "Mixité sociale"], ["familles"],
     ["le-centre-social"], "une-commune", {"funding_text", "limits", "outlook"}),
    (739, "Séjours familles.", "ASEP", "25", "en-cours", "accompagnement-de-projets",
     ["Parentalité", "vacances / loisirs", "Mixité sociale"], ["familles"], ["un-groupe-dhabitants"],
     "plusieurs-communes", set()),
    (801, "Les petites vadrouilles : sorties intergénérationnelles",
     "Centre Socioculturel et Familial 'Les Passerelles'", "11", "en-cours", "citoyennete",
     ["intergénérationnel", "Solidarité", "Mixité sociale"], ["seniors"], ["le-centre-social"],
     "plusieurs-communes", set()),
    (848, "A l'âge d'or on bouge", "CS L'ABEILLE", "13", "en-cours", "accompagnement-de-projets",
     ["Viellissement"], ["seniors"], ["le-centre-social", "un-ou-plusieurs-partenaires", "un-groupe-dhabitants"],
     "plusieurs-quartiers", {"result_territory", "result_centre", "result_residents", "limits", "outlook"}),
    (931, "Création d'un secteur jeunesse", "CENTRE SOCIO-CULTUREL DE SAINT- LOUIS", "68", "en-cours",
     "accompagnement-de-projets", ["éducation / scolarité", "vacances / loisirs", "discriminations"], ["jeunesse"],
     ["le-centre-social"], "plusieurs-communes", set()),
    (1004, "Borne d'accès numérique", "MQ LES HUTTES", "59", "en-cours", None, [], ["tous-publics"],
     ["le-centre-social"], "une-commune", {"funding_text", "people_text", "result_territory"}),
    (1047, "Séjour séniors", "CENTRES SOCIAL ET CULTUREL DE TASDON BONGRAINE LES MINIMES", "17", "en-cours",
     "accompagnement-de-projets", ["Viellissement", "vacances / loisirs"], ["seniors"],
     ["le-centre-social", "un-groupe-dhabitants"], "plusieurs-quartiers", {"funding_text"}),
    (1094, "Insertion des filles par le sport", "LA PLAINE .CACHAN", "94", "en-cours", "citoyennete",
     ["Parentalité", "éducation / scolarité", "Culture", "Santé", "vacances / loisirs", "discriminations",
      "Europe et International"], ["jeunesse"], ["le-centre-social", "un-ou-plusieurs-partenaires"], "une-commune",
     set()),
    (1163, "Séjour collectif famille sénior", "LAMARTINE . CACHAN", "94", "en-cours", "accompagnement-de-projets",
     ["intergénérationnel", "Parentalité", "vacances / loisirs"], ["tous-publics"],
     ["le-centre-social", "un-groupe-dhabitants"], "plusieurs-quartiers", set()),
    (1212, "Actions d'accompagnement et de soutien à la parentalité", "CENTRE SOCIOCULTUREL AGANTIC", "34",
     "en-cours", "accompagnement-de-projets", ["Parentalité", "éducation / scolarité", "Démocratie & citoyenneté"],
     ["familles"], ["le-centre-social", "un-groupe-dhabitants"], "plusieurs-communes", set()),
    (1289, "Café des parents", "CENTRE SOCIAL ET CULTUREL DU PAYS CORBIGEOIS", "58", "en-cours", "citoyennete",
     ["Parentalité", "éducation / scolarité", "Démocratie & citoyenneté"], ["familles"],
     ["le-centre-social", "un-ou-plusieurs-partenaires"], "une-commune",
     {"description", "funding_text", "people_text", "result_territory", "result_centre", "result_residents",
      "limits", "outlook"}),
    (1330, "Accompagnbement Social et Médiation- Permanence d'écrivain public",
     "CENTRE SOCIAL Harpèges- Les accords solidaires", "06", "en-cours", "citoyennete",
     ["Parentalité", "Démocratie & citoyenneté", "Précarité"], ["adultes"], ["le-centre-social"], "une-commune",
     set()),
    (1412, "Atelier Vacances", "CENTRE SOCIAL MUNICIPAL ROMAIN ROLLAND", "21", "en-cours",
     "accompagnement-de-projets", ["Parentalité", "Solidarité", "vacances / loisirs"], ["familles"],
     ["le-centre-social", "un-ou-plusieurs-partenaires"], "une-commune", {"funding_text"}),
]  # fmt: skip


@pytest.fixture
def seed_lines(seed_bytes):
    return seed_bytes.decode().split("\n")


def by_line(sheets):
    return {sheet.source.line: sheet for sheet in sheets}


def test_seed_file_gives_25_sheets_and_no_problem(seed_bytes):
    result = parse_bytes(seed_bytes, "seed.txt")
    assert len(result.sheets) == 25
    assert result.rejected == []
    assert result.problems == []
    assert [sheet.source.line for sheet in result.sheets] == [row[0] for row in SEED]


@pytest.mark.parametrize(
    "line, title, centre, code, status, dimension, keywords, publics, initiatives, territory, empty",
    SEED,
    ids=[f"line-{row[0]}" for row in SEED],
)
def test_each_seed_sheet_is_parsed(
    seed_sheets, line, title, centre, code, status, dimension, keywords, publics, initiatives, territory, empty
):
    sheet = by_line(seed_sheets)[line]
    assert sheet.title == title
    assert sheet.centre_name == centre
    assert sheet.departement_code == code
    assert sheet.status == status
    assert sheet.dimension == dimension
    assert sheet.keywords == keywords
    assert sheet.publics == publics
    assert sheet.initiatives == initiatives
    assert sheet.territory == territory
    assert sheet.partners == ["ANCV"]
    assert sheet.source.name == "fiches-actions-centres-sociaux.txt"
    assert {name for name in TEXT_SECTIONS if not getattr(sheet, name)} == empty
    # A finished action says why; an action in progress has no end reason on the seed.
    assert bool(sheet.end_reason) == (status == "terminee")


def test_seed_field_lines_point_at_their_labels(seed_sheets, seed_lines):
    labels = {section.name: section.label for section in SECTIONS}
    for sheet in seed_sheets:
        assert seed_lines[sheet.source.line - 1] == "Actions"
        assert sheet.field_lines["title"] == sheet.source.line + 1
        assert seed_lines[sheet.field_lines["title"] - 1] == sheet.title
        assert sheet.field_lines["centre"] == sheet.source.line + 2
        for name, line in sheet.field_lines.items():
            if name != "title":
                assert seed_lines[line - 1] == labels[name], (sheet.source.line, name)


def test_field_lines_of_the_barcelona_sheet(seed_sheets):
    sheet = by_line(seed_sheets)[288]
    assert sheet.field_lines == {
        "title": 289,
        "centre": 290,
        "files_text": 292,
        "status": 293,
        "end_reason": 295,
        "dimension": 297,
        "keywords": 299,
        "summary": 304,
        "initiatives": 308,
        "territory": 311,
        "context": 313,
        "publics": 315,
        "partners": 317,
        "territory_again": 321,
        "description": 323,
        "funding_text": 327,
        "people_text": 334,
        "result_territory": 338,
        "result_centre": 342,
        "result_residents": 344,
        "limits": 349,
        "outlook": 350,
    }


def test_seed_texts_are_kept_as_written(seed_sheets):
    sheets = by_line(seed_sheets)
    barcelona = sheets[288]
    assert barcelona.end_reason == "Voyage effectué"
    assert barcelona.summary.splitlines()[:2] == [
        "Organisation d'un séjour à l'étranger pour une 15aine de familles :",
        "organisation de A à Z / recherche de financements / actions d'autofinancement",
    ]
    assert barcelona.summary.endswith("un suivi budgétaire partagé ...")
    assert len(barcelona.summary.splitlines()) == 3
    assert barcelona.outlook == "Un repas bilan avec les partenaires et les habitants qui se sont impliqués"
    assert barcelona.people_text.splitlines()[-1] == "2 professionnels pour accompagner"
    forum = sheets[66]
    assert forum.funding_text == (
        "7500 €\nLe Centre social a été subventionné dans le cadre de la Conférence des Financeurs."
    )
    assert sheets[2].files_text == ""
    # The last sheet of the file has no final newline.
    assert sheets[1412].outlook == "développer cette action auprès d'un public jeune et séniors"


def test_sheet_without_files_label_declares_no_files(seed_sheets):
    sheets = by_line(seed_sheets)
    assert sheets[66].declares_files is False
    assert "files_text" not in sheets[66].field_lines
    assert all(sheet.declares_files for line, sheet in sheets.items() if line != 66)


def test_raw_text_is_the_sheet_as_written(seed_sheets, seed_lines):
    sheets = by_line(seed_sheets)
    assert sheets[2].raw_text == "\n".join(seed_lines[1:65])
    assert sheets[2].raw_text.startswith("Actions\nSAMEDIS FESTIFS\n- Structure organisatrice")
    assert sheets[2].raw_text.endswith("- Développer cette animation sur les prochaines années")


def test_repeated_seed_sheets_have_the_same_content_hash(seed_sheets):
    sheets = by_line(seed_sheets)
    assert sheets[352].content_hash() == sheets[401].content_hash() == sheets[450].content_hash()
    assert sheets[499].content_hash() == sheets[567].content_hash()
    assert len({sheet.content_hash() for sheet in seed_sheets}) == 22


def test_seed_funding_lines(seed_sheets):
    sheets = by_line(seed_sheets)
    ski = sheets[635]
    assert ski.declared_total == Decimal("21280.00")
    assert [(line.label, line.amount) for line in ski.funding_lines] == [
        ("Autofinancement", Decimal("4500.00")),
        ("Participation des familles", Decimal("6000.00")),
        ("CAF", Decimal("6700.00")),
        ("Ville", Decimal("4080.00")),
    ]
    assert sum(line.amount for line in ski.funding_lines) == ski.declared_total
    barcelona = sheets[288]
    assert len(barcelona.funding_lines) == 6
    assert barcelona.declared_total is None
    assert sum(line.amount for line in barcelona.funding_lines) == Decimal("17601.00")
    harpeges = sheets[1330]
    assert [(line.label, line.amount) for line in harpeges.funding_lines] == [
        ("Etat", Decimal("13500.00")),
        ("Région", Decimal("13000.00")),
        ("Commune", Decimal("24500.00")),
        ("ASP ( Agence de Service et de Paiement)", Decimal("27529.00")),
    ]
    assert sum(line.amount for line in harpeges.funding_lines) == Decimal("78529.00")
    assert harpeges.funding_text.startswith("Contrat de ville :\n- Etat : 13 500€")
    agantic = sheets[1212]
    assert agantic.declared_total == Decimal("62000.00")
    # Six funders: « - ANCV », without a colon, is one too (issue 14), in a list of funders.
    assert [line.label for line in agantic.funding_lines] == [
        "CAF (ACF)",
        "REAAP",
        "Mairie de Ganges",
        "CD34",
        "FONJEP",
        "ANCV",
    ]
    assert all(line.amount is None for line in agantic.funding_lines)
    assert {line: sheets[line].declared_total for line in (66, 352, 848, 931, 1094, 1163, 801)} == {
        66: Decimal("7500.00"),
        352: Decimal("1000.00"),
        848: Decimal("12000.00"),
        931: Decimal("35000.00"),
        1094: Decimal("48000.00"),
        1163: Decimal("24800.00"),  # « 24800 hors salaires »
        801: Decimal("15000.00"),  # « - Environ 15 000 euros dont 11 330 de subvention directe. »
    }
    # The sheet that holds prose amounts no line takes is flagged for review; no other.
    assert {sheet.title for sheet in seed_sheets if sheet.funding_to_check} == {"Départ en vacances pour tous"}


# -- Label recognition --------------------------------------------------------------------------------


def test_list_lines_inside_free_text_stay_text():
    text = sheet_file(
        sheet_text(summary="Objectifs :\n- Public visé : les jeunes\n- Rencontrer les habitants\n-\n- Statut : ouvert")
    )
    [sheet] = parse_text(text).sheets
    assert sheet.summary == "Objectifs :\n- Public visé : les jeunes\n- Rencontrer les habitants\n-\n- Statut : ouvert"
    assert sheet.publics == ["tous-publics"]


def test_label_out_of_order_stays_text():
    text = sheet_file(sheet_text(summary="Premier temps\n- Dimension\n- Services\n- Statut de l'action\n- Terminée"))
    [sheet] = parse_text(text).sheets
    assert sheet.summary == "Premier temps\n- Dimension\n- Services\n- Statut de l'action\n- Terminée"
    assert sheet.dimension == "citoyennete"
    assert sheet.status == "en-cours"
    assert "summary" in sheet.field_lines


def test_label_with_different_text_is_not_a_label():
    text = sheet_file(sheet_text(summary="- Résumé de la démarche\n- Public :"))
    [sheet] = parse_text(text).sheets
    assert sheet.summary == "- Résumé de la démarche\n- Public :"


def test_sheet_marker_inside_a_line_is_text():
    text = sheet_file(sheet_text(summary="Actions menées cette année\nNos Actions"))
    result = parse_text(text)
    assert len(result.sheets) == 1
    assert result.sheets[0].summary == "Actions menées cette année\nNos Actions"


# -- Encodings, line endings, whitespace ----------------------------------------------------------------


@pytest.mark.parametrize(
    "transform",
    [
        pytest.param(lambda data: b"\xef\xbb\xbf" + data, id="bom"),
        pytest.param(lambda data: data.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda data: data.replace(b"\n", b"\r"), id="cr"),
        pytest.param(lambda data: b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"), id="bom-crlf"),
        pytest.param(lambda data: data.replace(b"\n", b"  \t\n"), id="trailing-whitespace"),
        pytest.param(lambda data: data.replace(b"\n", b"\xc2\xa0\r\n"), id="trailing-nbsp-crlf"),
    ],
)
def test_line_endings_bom_and_trailing_whitespace_give_identical_sheets(seed_bytes, transform):
    expected = parse_bytes(seed_bytes, "seed.txt")
    result = parse_bytes(transform(seed_bytes), "seed.txt")
    assert result.problems == []
    assert result.sheets == expected.sheets
    assert [sheet.content_hash() for sheet in result.sheets] == [sheet.content_hash() for sheet in expected.sheets]


def test_parse_text_accepts_bom_and_crlf_too(seed_bytes):
    text = seed_bytes.decode()
    assert parse_text("\ufeff" + text.replace("\n", "\r\n")).sheets == parse_text(text).sheets


def test_missing_optional_sections_are_tolerated():
    text = "\n".join(
        [
            FILE_HEADER,
            "Actions",
            "Fête de quartier",
            "- Structure organisatrice",
            "- Centre social du Lac - Gironde",
            "- Statut de l'action",
            "- Terminée",
        ]
    )
    result = parse_text(text)
    assert result.problems == []
    [sheet] = result.sheets
    assert (sheet.title, sheet.centre_name, sheet.departement_code, sheet.status) == (
        "Fête de quartier",
        "Centre social du Lac",
        "33",
        "terminee",
    )
    assert (sheet.dimension, sheet.territory, sheet.keywords, sheet.partners) == (None, None, [], [])
    assert all(getattr(sheet, name) == "" for name in (*TEXT_SECTIONS, "end_reason", "files_text"))
    assert sheet.funding_lines == [] and sheet.declared_total is None
    assert sheet.declares_files is False


def test_header_line_is_optional():
    result = parse_text(sheet_text())
    assert result.problems == []
    assert len(result.sheets) == 1


def test_centre_name_keeps_its_own_dashes():
    [sheet] = parse_text(sheet_file(sheet_text(centre="OÏKOS - Centre - Nord", departement="Haute-Savoie"))).sheets
    assert (sheet.centre_name, sheet.departement_code) == ("OÏKOS - Centre - Nord", "74")


def test_repeated_list_values_are_kept_once():
    text = sheet_file(sheet_text(keywords=("Culture", "culture", "CULTURE ", "Santé")))
    [sheet] = parse_text(text).sheets
    assert sheet.keywords == ["Culture", "Santé"]


def test_partners_under_their_heading():
    [sheet] = parse_text(sheet_file(sheet_text(partners=("ANCV", "CAF de Gironde", "ancv")))).sheets
    assert sheet.partners == ["ANCV", "CAF de Gironde"]


def test_unknown_heading_among_partners():
    text = sheet_file(sheet_text(partners=("ANCV",)).replace("Partenaires d'action:", "Financeurs:"))
    result = parse_text(text)
    assert [(p.line, p.message) for p in result.problems] == [
        (
            19,
            "« Avec qui cette action a-t-elle été menée ? » : rubrique inconnue « Financeurs: » "
            "(connue : « Partenaires … : », comme « Partenaires d'action: »)",
        )
    ]


def test_same_territory_twice_is_one_value():
    result = parse_text(sheet_file(sheet_text(territory="Une commune", territory_again="une commune")))
    assert result.problems == []
    assert result.sheets[0].territory == "une-commune"
    assert result.sheets[0].field_lines["territory"] == 15
    assert result.sheets[0].field_lines["territory_again"] == 19


def test_territory_given_only_once_in_either_place():
    [first] = parse_text(sheet_file(sheet_text(territory="Un quartier"))).sheets
    [second] = parse_text(sheet_file(sheet_text(territory_again="Un quartier"))).sheets
    assert first.territory == second.territory == "un-quartier"


# -- Problems -------------------------------------------------------------------------------------------


def problems_of(text: str) -> list[tuple[int, str]]:
    result = parse_text(text, "fiches.txt")
    assert result.sheets == [] or result.rejected, "expected a rejected sheet"
    return [(problem.line, problem.message) for problem in result.problems]


def test_problem_prints_file_line_and_message():
    result = parse_text(sheet_file(sheet_text(departement="Atlantide")), "fiches.txt")
    assert [str(problem) for problem in result.problems] == ["fiches.txt: line 5: département inconnu : « Atlantide »"]


def test_sheet_without_title():
    text = sheet_file(sheet_text().replace("Actions\nAtelier cuisine\n", "Actions\n"))
    assert problems_of(text) == [(2, "la fiche n'a pas de titre (la ligne après « Actions »)")]


def test_sheet_with_blank_title_line():
    text = sheet_file(sheet_text(title="   "))
    assert problems_of(text) == [(2, "la fiche n'a pas de titre (la ligne après « Actions »)")]


def test_sheet_without_organiser_section():
    text = sheet_file(sheet_text().replace("- Structure organisatrice\n- Centre social des Tilleuls - Rhône\n", ""))
    assert problems_of(text) == [(2, "rubrique obligatoire absente : « Structure organisatrice »")]


def test_sheet_without_centre_line():
    text = sheet_file(sheet_text().replace("- Centre social des Tilleuls - Rhône\n", ""))
    assert problems_of(text) == [
        (4, "« Structure organisatrice » doit donner une ligne « - Nom du centre - Département »")
    ]


def test_centre_without_departement():
    text = sheet_file(sheet_text().replace("- Centre social des Tilleuls - Rhône", "- Centre social des Tilleuls"))
    assert problems_of(text) == [
        (5, "structure sans département : « Centre social des Tilleuls » (attendu « Nom du centre - Département »)")
    ]


def test_unknown_departement():
    assert problems_of(sheet_file(sheet_text(departement="Haute-Bretagne"))) == [
        (5, "département inconnu : « Haute-Bretagne »")
    ]


def test_sheet_without_status():
    text = sheet_file(sheet_text().replace("- Statut de l'action\n- En cours\n", ""))
    assert problems_of(text) == [(2, "rubrique obligatoire absente : « Statut de l'action »")]


def test_status_label_without_value():
    text = sheet_file(sheet_text().replace("- Statut de l'action\n- En cours\n", "- Statut de l'action\n-\n"))
    assert problems_of(text) == [(6, "« Statut de l'action » : aucune valeur")]


def test_unknown_choice_value():
    text = sheet_file(sheet_text(status="Suspendue"))
    assert problems_of(text) == [
        (7, "« Statut de l'action » : valeur inconnue « Suspendue » (valeurs possibles : « En cours », « Terminée »)")
    ]


def test_unknown_value_in_a_list_of_choices():
    text = sheet_file(sheet_text().replace("- Tous publics", "- Tous publics\n- Les voisins"))
    [(line, message)] = problems_of(text)
    assert line == 17
    assert message.startswith("« Public » : valeur inconnue « Les voisins » (valeurs possibles : « Tous publics »")


def test_choice_values_ignore_case_and_accents():
    text = sheet_file(sheet_text(status="TERMINEE").replace("- Citoyenneté", "- citoyennete"))
    [sheet] = parse_text(text).sheets
    assert (sheet.status, sheet.dimension) == ("terminee", "citoyennete")


def test_two_values_for_a_single_choice():
    text = sheet_file(sheet_text(status="En cours\n- Terminée"))
    assert problems_of(text) == [(6, "« Statut de l'action » n'accepte qu'une valeur, la fiche en donne 2")]


def test_two_different_territories():
    text = sheet_file(sheet_text(territory="Une commune", territory_again="Plusieurs communes"))
    assert problems_of(text) == [(19, "« Territoire concerné » a deux valeurs différentes sur la même fiche")]


def test_text_instead_of_a_list_item():
    text = sheet_file(sheet_text().replace("- Citoyenneté", "Citoyenneté"))
    assert problems_of(text) == [
        (9, "« Dimension » : ligne inattendue « Citoyenneté » (attendu : une liste « - valeur »)")
    ]


def test_text_between_title_and_organiser():
    text = sheet_file(sheet_text().replace("Atelier cuisine\n", "Atelier cuisine\nsous-titre\n"))
    assert problems_of(text) == [(4, "ligne inattendue entre le titre et « Structure organisatrice »")]


def test_title_too_long():
    text = sheet_file(sheet_text(title="x" * 301))
    assert problems_of(text) == [(3, "titre trop long (301 caractères, 300 au plus)")]


@pytest.mark.parametrize("title", ["…", "* * *", "« ! »"])
def test_title_without_letter_or_digit(title):
    assert problems_of(sheet_file(sheet_text(title=title))) == [(3, f"titre sans lettre ni chiffre : « {title} »")]


def test_unreadable_bytes():
    data = sheet_file(sheet_text(summary="Un résumé")).encode()
    data = data.replace("Un résumé".encode(), "Un r\xe9sum\xe9".encode("latin-1"))
    result = parse_bytes(data, "fiches.txt")
    assert result.sheets == []
    assert [(p.line, p.message) for p in result.problems] == [(14, "octets illisibles : le texte n'est pas en UTF-8")]


def test_latin1_file_is_rejected_line_by_line():
    data = sheet_file(sheet_text(summary="Résumé", departement="Rhône")).encode("latin-1")
    result = parse_bytes(data, "fiches.txt")
    assert result.sheets == []
    lines = {problem.line for problem in result.problems if "UTF-8" in problem.message}
    # Each line with an accent: the centre (Rhône), Citoyenneté, Mots clés, Résumé (label and text), Ressources.
    assert lines == {5, 9, 10, 13, 14, 17}


def test_unreadable_bytes_before_the_first_sheet():
    data = "Les actions des centres sociaux – été\n".encode("cp1252") + sheet_text().encode()
    result = parse_bytes(data, "fiches.txt")
    assert [(p.line, p.message) for p in result.problems] == [(1, "octets illisibles : le texte n'est pas en UTF-8")]
    assert len(result.sheets) == 1


@pytest.mark.parametrize("character", ["\x00", "\x0b", "\x0c", "\x1f", "\x7f"])
def test_control_characters_are_problems(character):
    text = sheet_file(sheet_text(summary=f"Un{character} résumé"))
    assert problems_of(text) == [
        (14, f"caractère de contrôle U+{ord(character):04X} : le fichier n'est pas du texte brut")
    ]


def test_tabs_are_text():
    [sheet] = parse_text(sheet_file(sheet_text(summary="Lundi\t14 h"))).sheets
    assert sheet.summary == "Lundi\t14 h"


def test_utf16_file_is_unreadable():
    result = parse_bytes(sheet_file(sheet_text()).encode("utf-16"), "fiches.txt")
    assert result.sheets == []
    assert [(p.line, p.message) for p in result.problems] == [(1, "octets illisibles : le texte n'est pas en UTF-8")]


def test_control_character_before_the_first_sheet():
    result = parse_text("Les actions\x00 des centres sociaux\n" + sheet_text(), "fiches.txt")
    assert [(p.line, p.message) for p in result.problems] == [
        (1, "caractère de contrôle U+0000 : le fichier n'est pas du texte brut")
    ]


def test_text_outside_any_sheet():
    text = "Les actions des centres sociaux\nune ligne égarée\n" + sheet_text()
    result = parse_text(text, "fiches.txt")
    assert [(p.line, p.message) for p in result.problems] == [
        (2, "texte hors d'une fiche (chaque fiche commence par une ligne « Actions »)")
    ]
    assert len(result.sheets) == 1  # the sheet itself is fine


@pytest.mark.parametrize("text", ["", "\n\n", FILE_HEADER + "\n", "\ufeff"])
def test_file_without_sheet(text):
    result = parse_text(text, "vide.txt")
    assert result.sheets == []
    assert [(p.line, p.message) for p in result.problems] == [
        (1, "aucune fiche trouvée : chaque fiche commence par une ligne « Actions »")
    ]


def test_file_of_prose_has_no_sheet():
    result = parse_text("Bonjour,\nvoici nos actions.\n", "lettre.txt")
    assert [(p.line, p.message) for p in result.problems] == [
        (1, "aucune fiche trouvée : chaque fiche commence par une ligne « Actions »")
    ]


def test_every_problem_of_every_sheet_is_listed_and_valid_sheets_are_kept():
    text = sheet_file(
        sheet_text("Fiche valide"),
        sheet_text("Fiche sans département", departement="Nulle part"),
        sheet_text("Autre fiche valide"),
        sheet_text("Fiche à deux défauts", departement="Nulle part", status="Peut-être"),
    )
    result = parse_text(text, "fiches.txt")
    assert [sheet.title for sheet in result.sheets] == ["Fiche valide", "Autre fiche valide"]
    assert [(rejected.line, rejected.title) for rejected in result.rejected] == [
        (18, "Fiche sans département"),
        (50, "Fiche à deux défauts"),
    ]
    assert [problem.line for problem in result.problems] == [21, 53, 55]
