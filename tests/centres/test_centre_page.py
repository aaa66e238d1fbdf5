"""The page of a centre: the centre, its département and région, and its published actions."""

from html import unescape

from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from centres.models import Centre


def test_centre_page_shows_its_place_and_its_published_actions(client, seeded, make_action):
    action = Action.objects.get(title="Les lumières de la paix")
    centre = action.centre
    make_action(
        "Projet en attente",
        state=PublicationState.PENDING,
        centre_name=centre.name,
        departement_code=centre.departement_id,
    )
    response = client.get(centre.get_absolute_url())
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert f"<h1>{centre.name}</h1>" in html
    assert centre.departement.name in html and centre.departement.region.name in html
    assert f'href="/actions/?departement={centre.departement_id}"' in html
    assert f'href="/actions/?region={centre.departement.region_id}"' in html
    assert f'href="{action.get_absolute_url()}"' in html
    assert "Projet en attente" not in html
    assert "Ses actions publiées (1)" in html


def test_centre_without_published_action_is_404(client, make_action):
    action = make_action("Seulement un brouillon", state=PublicationState.DRAFT)
    assert client.get(action.centre.get_absolute_url()).status_code == 404
    assert client.get("/centres/nexiste-pas/").status_code == 404


def test_centre_page_runs_a_fixed_number_of_queries(client, seeded, django_assert_num_queries):
    centre = Centre.objects.get(actions__title="Les lumières de la paix")
    with django_assert_num_queries(3):  # the centre with its place, its actions, their keywords
        assert client.get(centre.get_absolute_url()).status_code == 200
