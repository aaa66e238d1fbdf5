"""Small builders of sheet text and SheetData for tests (the seed sheets cover the real input)."""

from decimal import Decimal

from actions_catalog.core.sheet import FundingLineData, SheetData, SourceRef

FILE_HEADER = "Les actions des centres sociaux"


def sheet_text(
    title: str = "Atelier cuisine",
    centre: str = "Centre social des Tilleuls",
    departement: str = "Rhône",
    *,
    status: str = "En cours",
    summary: str = "Un atelier chaque semaine.",
    keywords: tuple[str, ...] = ("Culture",),
    territory: str = "",
    partners: tuple[str, ...] = (),
    territory_again: str = "",
    funding: str = "",
    extra: str = "",
) -> str:
    """The text of one valid sheet (from its ``Actions`` line), in the order of the original form."""
    lines = [
        "Actions",
        title,
        "- Structure organisatrice",
        f"- {centre} - {departement}",
        "- Statut de l'action",
        f"- {status}",
        "- Dimension",
        "- Citoyenneté",
        "- Mots clés associés à l'action",
        "-",
        *(f"- {keyword}" for keyword in keywords),
        "- Résumé",
        summary,
        *(["- Territoire concerné", f"- {territory}"] if territory else []),
        "- Public",
        "- Tous publics",
        *(["- Avec qui cette action a-t-elle été menée ?", "-", "Partenaires d'action:"] if partners else []),
        *(f"- {partner}" for partner in partners),
        *(["- Territoire concerné", f"- {territory_again}"] if territory_again else []),
        "- Ressources financières mobilisées pour cette action",
        *([funding] if funding else []),
    ]
    if extra:
        lines.append(extra)
    return "\n".join(lines) + "\n"


def sheet_file(*sheets: str) -> str:
    """A whole file: the header line, then the sheets."""
    return FILE_HEADER + "\n" + "".join(sheets)


def many_sheets(count: int, *, prefix: str = "Action", centres: int = 7) -> str:
    """A file of ``count`` distinct valid sheets spread over a few centres and keywords (named by ``prefix``)."""
    return sheet_file(
        *(
            sheet_text(f"{prefix} {n}", f"Centre {prefix} numéro {n % centres}", keywords=(f"Thème {prefix} {n % 5}",))
            for n in range(count)
        )
    )


def make_sheet(**overrides) -> SheetData:
    """A valid SheetData with every kind of field filled; ``overrides`` replace any of them."""
    values = {
        "title": "Séjour familles à la mer",
        "centre_name": "Centre social des Tilleuls",
        "departement_code": "69",
        "status": "terminee",
        "end_reason": "Séjour réalisé",
        "dimension": "accompagnement-de-projets",
        "keywords": ["vacances / loisirs", "Parentalité"],
        "summary": "Une semaine à la mer pour douze familles.",
        "initiatives": ["le-centre-social", "un-groupe-dhabitants"],
        "territory": "un-quartier",
        "context": "Peu de familles partent en vacances.",
        "publics": ["familles"],
        "partners": ["ANCV", "CAF du Rhône"],
        "description": "Six réunions de préparation.",
        "funding_text": "Coût du séjour : 9 000 €\nCAF : 6 000 €\nAutofinancement : 3 000 €",
        "funding_lines": [
            FundingLineData("CAF", Decimal("6000.00")),
            FundingLineData("Autofinancement", Decimal("3000.00")),
        ],
        "declared_total": Decimal("9000.00"),
        "people_text": "2 salariés",
        "result_territory": "Des liens entre voisins.",
        "result_centre": "De nouveaux adhérents.",
        "result_residents": "Des vacances.",
        "limits": "Le coût.",
        "outlook": "Recommencer.",
        "source": SourceRef("test.txt", 2),
        "raw_text": "Actions\nSéjour familles à la mer",
    }
    values.update(overrides)
    return SheetData(**values)
