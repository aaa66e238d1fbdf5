"""The detail page of an action: every section in the form's order, funding table, links, related actions."""

import re
from decimal import Decimal
from html import unescape

from django.urls import reverse

from actions_catalog.catalogue.sheet_page import SHEET_SECTIONS, related_actions
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from actions_catalog.core.sheet import FundingLineData

SKI = "Mise en place séjour au ski interquartier"


def detail(client, action):
    response = client.get(action.get_absolute_url())
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_every_section_in_the_order_of_the_form(client, seeded):
    html = detail(client, Action.objects.get(title=SKI))
    headings = re.findall(r'<h2 id="rubrique-[a-z_]+">([^<]+)</h2>', html)
    expected = [section.label for section in SHEET_SECTIONS]
    assert headings == expected


def test_funding_is_a_table_with_its_total(client, seeded):
    html = detail(client, Action.objects.get(title=SKI))
    table = html[html.index('<table class="funding">') : html.index("</table>")]
    assert table.count("<tr>") == 6  # header, four funders, total
    assert "21\u00a0280,00 €" in table or "21 280,00 €" in table
    assert "Total déclaré" in table


def test_choices_keywords_publics_and_partners_link_to_the_filtered_list(client, seeded):
    action = Action.objects.with_sheet_relations().get(title=SKI)
    html = detail(client, action)
    for keyword in action.keywords.all():
        assert f'href="/actions/?keyword={keyword.slug}"' in html
    for row in action.publics.all():
        assert f'href="/actions/?public={row.public}"' in html
    for partner in action.partners.all():
        assert f'href="/actions/?partner={partner.slug}"' in html
    assert f'href="/actions/?status={action.status}"' in html
    assert f'href="{action.centre.get_absolute_url()}"' in html


def test_text_keeps_its_line_breaks_and_is_escaped(client, make_action):
    action = make_action(
        "Texte à trous",
        summary="Première ligne\nDeuxième ligne\n\n<script>alert('x')</script>",
        funding_text="CAF : 100 €",
        funding_lines=[FundingLineData("CAF", Decimal("100.00")), FundingLineData("Mairie")],
    )
    response = client.get(action.get_absolute_url())
    html = response.content.decode()
    assert "<p>Première ligne<br>Deuxième ligne</p>" in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<script>" not in html
    assert "Non renseigné." in html  # empty sections are shown as such
    assert "non précisé" in html  # a funding line without amount
    assert "100,00 €" in html


def test_related_actions_share_the_most_keywords(seeded):
    action = Action.objects.get(title=SKI)
    related = related_actions(action)
    assert 0 < len(related) <= 5
    assert action not in related
    mine = set(action.keywords.values_list("pk", flat=True))
    commons = [len(mine & set(other.keywords.values_list("pk", flat=True))) for other in related]
    assert commons == [other.common for other in related]
    assert commons == sorted(commons, reverse=True)
    best_elsewhere = max(
        len(mine & set(other.keywords.values_list("pk", flat=True)))
        for other in Action.objects.published().exclude(pk=action.pk).exclude(pk__in=[o.pk for o in related])
    )
    assert best_elsewhere <= commons[-1]


def test_related_actions_are_published_only(seeded, make_action):
    action = Action.objects.get(title=SKI)
    labels = list(action.keywords.values_list("label", flat=True))
    make_action("Brouillon jumeau", state=PublicationState.DRAFT, keywords=labels)
    assert "Brouillon jumeau" not in [other.title for other in related_actions(action)]


def test_unpublished_action_is_404(client, make_action):
    for state in (PublicationState.DRAFT, PublicationState.PENDING, PublicationState.REJECTED):
        action = make_action(f"Fiche {state}", state=state)
        assert client.get(action.get_absolute_url()).status_code == 404
    assert client.get(reverse("action_detail", args=["nexiste-pas"])).status_code == 404


# The action with its centre and the catalogue version, its funding lines, related actions (ranked in the
# catalogue index, which also gives its keywords, partners, publics and initiatives), approved files.
DETAIL_QUERIES = 4


def test_detail_page_runs_a_fixed_number_of_queries(client, seeded, make_action, django_assert_num_queries):
    bare = make_action("Fiche sans mot clé")
    client.get("/")  # builds the catalogue index
    for action in [Action.objects.get(title=SKI), Action.objects.get(title="Les lumières de la paix")]:
        with django_assert_num_queries(DETAIL_QUERIES):
            response = client.get(action.get_absolute_url())
        assert response.status_code == 200
    with django_assert_num_queries(DETAIL_QUERIES - 1):  # no related action to read
        assert client.get(bare.get_absolute_url()).status_code == 200
