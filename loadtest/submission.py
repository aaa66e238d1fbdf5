"""The sheet the members of the load test send: the POST data of the form of ``/espace/actions/nouvelle/``.

Kept apart from the locustfile (which needs locust) so that ``tests/loadtest`` can check that the form accepts
it: a change to the form must not turn the load test's submissions into refusals.
"""

#: The form's error when the centre already has an action of that title (the view's check and the services').
TITLE_TAKEN = "déjà une action intitulée"

#: The end of the titles (the start is the run's prefix, a number and the member: each title is unique).
TITLE_WORDS = (
    "atelier cuisine du monde",
    "jardin partagé",
    "sortie familles à la mer",
    "accompagnement à la scolarité",
    "café des parents",
    "repair café",
    "séjour jeunes",
    "ateliers numériques seniors",
)


def sheet_post(*, centre_id: int, title: str, token: str, keywords: list[str]) -> dict:
    """A complete sheet sent for validation (the fields of ``SheetEditor``); ``keywords``: existing slugs."""
    return {
        "csrfmiddlewaretoken": token,
        "centre": str(centre_id),
        "title": title,
        "years": "2024, 2025",
        "status": "en-cours",
        "end_reason": "",
        "dimension": "citoyennete",
        "keywords": list(keywords),
        "new_keyword": "",
        "summary": "Une action proposée pendant le test de charge.",
        "initiatives": ["un-groupe-dhabitants"],
        "territory": "un-quartier",
        "context": "Des habitants du quartier ont proposé cette action au centre social.",
        "publics": ["familles", "enfance"],
        # Every member names these: the first sheets create them at the same moment (see the loader's retries).
        "partners": ["Mairie", "Caisse d'allocations familiales", ""],
        "description": "Ateliers chaque mercredi après-midi, ouverts à toutes les familles.",
        "declared_total": "",
        "funding_text": "",
        "people_text": "12 bénévoles, 2 salariés",
        "result_territory": "",
        "result_centre": "",
        "result_residents": "",
        "limits": "",
        "outlook": "",
        "intent": "send",
        "financement-TOTAL_FORMS": "3",
        "financement-INITIAL_FORMS": "0",
        "financement-MIN_NUM_FORMS": "0",
        "financement-MAX_NUM_FORMS": "30",
        "financement-0-label": "Ville",
        "financement-0-amount": "1 500",
        "financement-1-label": "CAF",
        "financement-1-amount": "2 000,50",
        "financement-2-label": "",
        "financement-2-amount": "",
    }
