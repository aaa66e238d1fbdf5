"""Reprises on the public side: « Inspirée de … » and « Reprise par N centres » on the sheets, the buttons of the
sheet, and ``inspired_by`` in the API and the exports (the source's slug, ``null`` while it is not published)."""

import io
import json
import re
from html import unescape

import pytest
from django.core.management import call_command
from django.urls import reverse

from actions_catalog.backoffice.resources import ActionResource
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.export_schema import FLAT_HEADERS, export_record, export_rows
from actions_catalog.core.models import Action
from tests.catalog.test_detail_page import DETAIL_QUERIES
from tests.factories import CentreFactory, UserFactory, make_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(db):
    """A source and what three centres took from it: two published reprises of one centre, one of another, and a
    draft of a third (not public: not listed)."""
    centres = [CentreFactory(name=name, departement_id="31") for name in ("Centre Source", "Centre Été", "Centre Au")]
    source = make_action("Café des parents", centres[0], summary="Un café chaque samedi.")

    def reprise(title, centre, state=PublicationState.PUBLISHED):
        action = make_action(title, centre, state=state)
        Action.objects.filter(pk=action.pk).update(inspired_by=source)
        return action

    return {
        "source": source,
        "first": reprise("Café des parents du quartier", centres[1]),
        "second": reprise("Café des parents, le retour", centres[1]),
        "other": reprise("Le café des familles", centres[2]),
        "draft": reprise("Café en projet", CentreFactory(name="Centre Brouillon"), PublicationState.DRAFT),
    }


def page(client, action) -> str:
    response = client.get(action.get_absolute_url())
    assert response.status_code == 200
    return unescape(response.content.decode())


def reuse_block(html: str) -> str:
    start = html.index('<section class="reuse"')
    return html[start : html.index("</section>", start)]


def test_the_source_lists_its_published_reprises_by_centre(client, family):
    block = reuse_block(page(client, family["source"]))

    assert "<h3>Reprise par 2 centres</h3>" in block
    listed = re.findall(r'<li><a href="/actions/([^/]+)/">([^<]+)</a><br><span class="muted">([^<]+)</span>', block)
    assert listed == [
        ("le-cafe-des-familles", "Le café des familles", "Centre Au"),  # French order of the centres
        ("cafe-des-parents-du-quartier", "Café des parents du quartier", "Centre Été"),
        ("cafe-des-parents-le-retour", "Café des parents, le retour", "Centre Été"),
    ]
    assert "Café en projet" not in block  # a draft is no public reprise


def test_a_reprise_names_its_published_source(client, family):
    html = page(client, family["first"])

    source = family["source"]
    assert (
        f'<p class="sheet__source">Inspirée de <a href="{source.get_absolute_url()}">Café des parents</a>, une action '
        f'de <a href="{source.centre.get_absolute_url()}">Centre Source</a></p>'
    ) in html
    assert "Reprise par" not in html


def test_a_source_that_is_no_longer_published_is_not_named(client, family):
    Action.objects.filter(pk=family["source"].pk).update(state=PublicationState.DRAFT)
    html = page(client, family["first"])
    assert "Inspirée de" not in html and "Café des parents</a>" not in html


def test_one_reprise_by_one_centre(client, family):
    Action.objects.filter(pk__in=[family["second"].pk, family["other"].pk]).delete()
    assert "<h3>Reprise par 1 centre</h3>" in page(client, family["source"])


def test_a_sheet_without_reprise_shows_no_list(client, make_action):
    html = page(client, make_action("Fiche seule"))
    assert "Reprise par" not in html and "Inspirée de" not in html


# -- Buttons ---------------------------------------------------------------------------------------------


def test_members_are_offered_to_reprendre_and_everyone_to_contact_the_centre(client, family):
    source = family["source"]
    reprendre = f'href="{reverse("espace:action_create")}?depuis={source.slug}">Reprendre cette action dans mon centre'
    contact = f'href="{reverse("action_contact", kwargs={"slug": source.slug})}">Contacter le centre'

    anonymous = page(client, source)
    assert contact in anonymous and "Reprendre cette action" not in anonymous
    next_url = f"%2Fespace%2Factions%2Fnouvelle%2F%3Fdepuis%3D{source.slug}"
    assert f'<a href="/comptes/connexion/?next={next_url}">Connectez-vous</a> pour reprendre' in anonymous

    client.force_login(UserFactory(username="sans-centre"))
    signed_in = page(client, source)
    assert "Reprendre cette action" not in signed_in  # no centre, nothing to take it into
    assert "Connectez-vous" not in signed_in

    client.force_login(UserFactory(username="membre", centres=[CentreFactory()]))
    member = page(client, source)
    assert reprendre in member and contact in member


# -- Query counts ------------------------------------------------------------------------------------------


def test_the_sources_and_reprises_come_with_the_action_itself(client, family, django_assert_num_queries):
    """Still the pinned count: the source and the reprises are JSON read in the action's own query."""
    client.get("/")  # builds the catalogue index
    for action in (family["source"], family["first"]):
        with django_assert_num_queries(DETAIL_QUERIES - 1):  # none of them shares a keyword: no related action
            assert client.get(action.get_absolute_url()).status_code == 200


#: A signed-in visitor: their session, their user, their permissions (two queries: the header's « Modération »
#: link) and, for « Reprendre cette action », whether they belong to a centre.
SIGNED_IN_QUERIES = 5


def test_a_member_costs_a_fixed_number_of_queries_more(client, family, django_assert_num_queries):
    client.force_login(UserFactory(username="membre", centres=[CentreFactory()]))
    client.get("/")
    with django_assert_num_queries(DETAIL_QUERIES - 1 + SIGNED_IN_QUERIES):
        assert client.get(family["source"].get_absolute_url()).status_code == 200


# -- API and exports -------------------------------------------------------------------------------------


def test_the_api_carries_the_slug_of_a_published_source_else_null(client, family):
    results = {row["slug"]: row for row in client.get(reverse("api_action_list"), {"page_size": 100}).json()["results"]}

    assert results["cafe-des-parents-du-quartier"]["inspired_by"] == "cafe-des-parents"
    assert results["cafe-des-parents"]["inspired_by"] is None
    assert "cafe-en-projet" not in results

    Action.objects.filter(pk=family["source"].pk).update(state=PublicationState.PENDING)
    results = {row["slug"]: row for row in client.get(reverse("api_action_list")).json()["results"]}
    assert results["cafe-des-parents-du-quartier"]["inspired_by"] is None  # the source is not public now


def test_the_exports_carry_inspired_by(family, tmp_path):
    rows = {row["slug"]: row for row in export_rows()}
    assert rows["le-cafe-des-familles"]["inspired_by"] == "cafe-des-parents"
    assert list(rows["le-cafe-des-familles"])[-1] == "inspired_by"  # keys are only added, at the end

    output = tmp_path / "export.json"
    call_command("export_actions", "--format", "json", "--output", str(output))
    exported = {row["slug"]: row for row in json.loads(output.read_text())}
    assert exported["cafe-des-parents-le-retour"]["inspired_by"] == "cafe-des-parents"

    csv = io.StringIO()
    call_command("export_actions", "--format", "csv", stdout=csv)
    header, *lines = csv.getvalue().lstrip("\ufeff").splitlines()
    assert header.split(",")[-1] == FLAT_HEADERS["inspired_by"] == "Inspirée de (slug)"
    assert sum(line.endswith(",cafe-des-parents") for line in lines) == 3

    dataset = ActionResource(flat=True).export()
    assert dataset.headers[-1] == "Inspirée de (slug)"
    assert sorted(value for value in dataset.get_col(-1) if value) == ["cafe-des-parents"] * 3


def test_an_action_read_without_the_annotation_exports_the_same_source(family, django_assert_num_queries):
    annotated = Action.objects.with_sheet_relations().get(pk=family["first"].pk)
    plain = Action.objects.with_sheet_relations().get(pk=family["first"].pk)
    del plain.inspired_by_slug
    with django_assert_num_queries(0):
        assert export_record(annotated)["inspired_by"] == "cafe-des-parents"
    with django_assert_num_queries(1):  # read when the queryset did not annotate it
        assert export_record(plain)["inspired_by"] == "cafe-des-parents"
    Action.objects.filter(pk=family["source"].pk).update(state=PublicationState.REJECTED)
    assert export_record(plain)["inspired_by"] is None


def test_the_public_downloads_carry_inspired_by(client, family):
    response = client.get(reverse("action_download", kwargs={"fmt": "json"}), {"q": "café"})
    assert response.status_code == 200
    rows = {row["slug"]: row for row in json.loads(b"".join(response.streaming_content))}
    assert rows["cafe-des-parents-du-quartier"]["inspired_by"] == "cafe-des-parents"


def test_deleting_the_source_leaves_its_reprises_without_one(client, family):
    Action.objects.filter(pk=family["source"].pk).delete()

    assert not Action.objects.filter(inspired_by__isnull=False).exists()
    assert "Inspirée de" not in page(client, Action.objects.get(pk=family["first"].pk))
