"""Bad input and tampering: a clear French message, the input kept, and nothing saved."""

import re
from decimal import Decimal

import pytest

from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action, Keyword
from actions_catalog.core.sheet import FundingLineData
from tests.submissions.conftest import CREATE_URL, edit_url, sheet_post

pytestmark = pytest.mark.django_db


def refused(response, message: str) -> str:
    page = response.content.decode()
    assert response.status_code == 400, page[-2000:]
    assert "Rien n'a été enregistré" in page
    assert message in page, page[page.find("error-summary") : page.find("error-summary") + 2000]
    assert not Action.objects.exists()
    return page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": "x" * 301}, "Assurez-vous que cette valeur comporte au plus 300 caractères"),
        ({"title": "   "}, "Donnez un titre à l&#x27;action."),
        ({"summary": "x" * 20_001}, "au plus 20000 caractères"),
        ({"partners": ["p" * 201]}, "est trop long (201 caractères, 200 au plus)"),
        ({"status": "abandonnee"}, "Valeur inconnue « abandonnee »"),
        ({"status": None}, "Indiquez si l&#x27;action est en cours ou terminée."),
        ({"dimension": "sport"}, "Valeur inconnue « sport »"),
        ({"publics": ["familles", "chats"]}, "Valeur inconnue « chats »"),
        ({"territory": "la-lune"}, "Valeur inconnue « la-lune »"),
        ({"keywords": ["n-existe-pas"]}, "Mot clé inconnu « n-existe-pas »"),
        ({"years": ""}, "Indiquez l&#x27;année ou les années de l&#x27;action."),
        ({"years": "l'an dernier"}, "n&#x27;est pas une année"),
        ({"years": "1789"}, "1789 : l&#x27;année doit être comprise entre 1950"),
        ({"years": "2024-2019"}, "n&#x27;est pas une période lisible"),
        ({"declared_total": "-500"}, "Un montant ne peut pas être négatif."),
        ({"declared_total": "beaucoup"}, "« beaucoup » n&#x27;est pas un montant lisible"),
        ({"financement-0-amount": "-1 500"}, "Un montant ne peut pas être négatif."),
        ({"financement-1-amount": "99 999 999 999"}, "Ce montant est improbable"),
        ({"financement-1-amount": "25000000"}, "Ce montant est improbable"),
        ({"financement-0-label": ""}, "Indiquez le financeur ou le poste de ce montant."),
        ({"new_keyword": "!!!"}, "Le mot clé doit contenir au moins une lettre ou un chiffre."),
        ({"financement-TOTAL_FORMS": "500"}, "Veuillez soumettre au plus 30 formulaires"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(member_client, centre, fields, message):
    refused(member_client.post(CREATE_URL, sheet_post(centre, **fields)), message)


def test_the_error_summary_links_to_each_field_and_the_input_is_kept(member_client, centre):
    response = member_client.post(
        CREATE_URL, sheet_post(centre, status="abandonnee", **{"financement-1-amount": "-3"}, summary="Mon résumé")
    )
    page = refused(response, "Valeur inconnue")
    assert '<a href="#id_status_0">Statut de l&#x27;action : Valeur inconnue' in page
    assert '<a href="#id_financement-1-amount">Ligne de financement 2 : Montant (€) : Un montant' in page
    assert 'aria-invalid="true"' in page
    assert "Mon résumé</textarea>" in page
    assert 'value="Ville de Toulouse"' in page
    assert 'value="Mairie de Toulouse"' in page


def test_a_tampered_state_is_refused_and_changes_nothing(member_client, centre):
    refused(
        member_client.post(CREATE_URL, sheet_post(centre, intent="send", state="published")),
        "fixés par la fédération",
    )


def test_a_tampered_state_on_an_edit_leaves_the_action_as_it_was(member_client, centre):
    member_client.post(CREATE_URL, sheet_post(centre, intent="send"))
    action = Action.objects.get()
    for key, value in {"state": "published", "published_at": "2020-01-01", "submitted_by": "1"}.items():
        response = member_client.post(edit_url(action), sheet_post(centre, title="Titre changé", **{key: value}))
        assert response.status_code == 400
        assert "fixés par la fédération" in response.content.decode()
    action.refresh_from_db()
    assert action.state == PublicationState.PENDING
    assert action.published_at is None
    assert action.title == "Jardin partagé des familles"


def test_the_centre_of_an_existing_action_cannot_be_changed(member_client, centre, other_centre):
    member_client.post(CREATE_URL, sheet_post(centre))
    action = Action.objects.get()
    response = member_client.post(edit_url(action), sheet_post(other_centre))
    assert response.status_code == 400
    assert "Vous n&#x27;êtes pas membre de ce centre" in response.content.decode()
    action.refresh_from_db()
    assert action.centre == centre


def test_a_title_already_used_by_the_centre_is_refused(member_client, centre):
    member_client.post(CREATE_URL, sheet_post(centre))
    response = member_client.post(CREATE_URL, sheet_post(centre, title="JARDIN partagé des familles !"))
    assert response.status_code == 400
    assert "Ce centre a déjà une action intitulée « Jardin partagé des familles »" in response.content.decode()
    assert Action.objects.count() == 1


def test_french_amounts_are_read_like_the_importer_reads_them(member_client, centre):
    member_client.post(
        CREATE_URL,
        sheet_post(centre, funding=[("CAF", "13 500 €"), ("Ville", "1.250,50"), ("Bénévolat", "")]),
    )
    action = Action.objects.get()
    assert [(line.label, line.amount) for line in action.funding_lines.all()] == [
        ("CAF", 13500),
        ("Ville", 1250.5),
        ("Bénévolat", None),
    ]


def test_funding_rows_can_be_removed(member_client, centre):
    member_client.post(CREATE_URL, sheet_post(centre, **{"financement-0-DELETE": "on"}))
    assert list(Action.objects.get().funding_lines.values_list("label", flat=True)) == ["CAF"]


def test_adding_a_funding_row_saves_nothing_and_keeps_the_input(member_client, centre):
    data = sheet_post(centre, more_rows="funding", status="abandonnee")
    response = member_client.post(CREATE_URL, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert not Action.objects.exists()
    assert 'name="financement-TOTAL_FORMS" value="4"' in page
    assert 'name="financement-3-label"' in page
    assert "error-summary" not in page  # not an attempt to save: no errors shown yet
    assert 'value="Ville de Toulouse"' in page
    assert "3\xa0500,50</output> €" in page  # the total of the lines


def test_the_form_shows_the_total_of_the_lines(member_client, centre):
    member_client.post(CREATE_URL, sheet_post(centre))
    page = member_client.get(edit_url(Action.objects.get())).content.decode()
    assert 'id="funding-total"' in page
    assert "3\xa0500,50</output> €" in page  # the total of the lines


def test_known_keywords_and_partners_are_offered(member_client, centre):
    Keyword.objects.create(label="Parentalité", slug="parentalite")
    member_client.post(CREATE_URL, sheet_post(centre, keywords=["parentalite"]))
    page = member_client.get(CREATE_URL).content.decode()
    assert 'type="checkbox" name="keywords" value="parentalite"' in page
    assert '<datalist id="partenaires-connus"><option value="Bailleur social"></option>' in page


def test_adding_partner_rows_adds_no_funding_line(member_client, centre):
    response = member_client.post(CREATE_URL, sheet_post(centre, more_rows="partners"))
    page = response.content.decode()
    assert 'name="financement-TOTAL_FORMS" value="3"' in page
    assert "Des lignes ont été ajoutées." in page
    assert page.count('name="partners"') == 5  # the two typed, and three empty ones
    assert not Action.objects.exists()


def test_pressing_enter_in_a_field_saves_the_draft(member_client, centre):
    """Browsers submit with the first submit button: it must save the draft, not add a row."""
    page = member_client.get(CREATE_URL).content.decode()
    form = page[page.index('<form method="post" enctype="multipart/form-data"') :]
    first_button = form[form.index("<button") : form.index("</button>")]
    assert 'name="intent" value="draft"' in first_button


# -- Issue 14: a negative amount only on a refund or an expense ----------------------------------------------


def test_a_negative_amount_is_accepted_on_a_line_marked_as_a_refund_or_an_expense(member_client, centre):
    data = sheet_post(centre, **{"financement-1-amount": "-200", "financement-1-refund": "on"})
    response = member_client.post(CREATE_URL, data)
    assert response.status_code == 302, response.content.decode()[-2000:]
    action = Action.objects.get()
    assert list(action.funding_lines.values_list("label", "amount")) == [
        ("Ville de Toulouse", Decimal("1500.00")),
        ("CAF", Decimal("-200.00")),
    ]
    assert action.funding_total == Decimal("1300.00")  # negative lines count in the sum


def test_the_marker_alone_does_not_make_a_positive_amount_negative(member_client, centre):
    data = sheet_post(centre, **{"financement-1-refund": "on"})
    assert member_client.post(CREATE_URL, data).status_code == 302
    assert Action.objects.get().funding_lines.get(label="CAF").amount == Decimal("2000.50")


def test_a_declared_total_is_never_negative_even_with_a_refund_line(member_client, centre):
    data = sheet_post(centre, declared_total="-10", **{"financement-1-amount": "-200", "financement-1-refund": "on"})
    refused(member_client.post(CREATE_URL, data), "Un montant ne peut pas être négatif.")


def test_the_form_of_a_sheet_with_a_refund_shows_its_line_marked(member_client, centre):
    from tests.factories import make_action

    action = make_action(
        "Fiche au remboursement",
        centre,
        state=PublicationState.DRAFT,
        funding_lines=[FundingLineData("CAF", Decimal("100")), FundingLineData("Trop-perçu", Decimal("-20"))],
    )
    page = member_client.get(edit_url(action)).content.decode()
    assert re.search(r'<input type="checkbox" name="financement-1-refund"[^>]* checked>', page)
    assert not re.search(r'<input type="checkbox" name="financement-0-refund"[^>]* checked>', page)
    assert 'name="financement-1-amount" value="-20,00"' in page
    assert '<label for="id_financement-1-refund">Remboursement ou dépense</label>' in page
