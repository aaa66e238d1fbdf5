"""The detail page of an action: summary, sections in reading order, funding table, links, related actions."""

import re
from decimal import Decimal
from html import unescape

from django.urls import reverse

from actions_catalog.catalogue.sheet_page import (
    READING_ORDER,
    SHEET_SECTIONS,
    SUMMARY_SECTIONS,
    TAG_SECTIONS,
    related_actions,
)
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action, ActionYear
from actions_catalog.core.sheet import FIELDS_BY_NAME, FundingLineData, PartnerGroup

SKI = "Mise en place séjour au ski interquartier"


def detail(client, action):
    response = client.get(action.get_absolute_url())
    assert response.status_code == 200
    return unescape(response.content.decode())


def test_every_section_of_the_sheet_has_a_place_on_the_page():
    placed = [*SUMMARY_SECTIONS, *TAG_SECTIONS, *READING_ORDER]
    assert sorted(placed) == sorted(section.name for section in SHEET_SECTIONS)


def test_sections_with_text_in_reading_order_with_a_table_of_contents(client, seeded):
    action = Action.objects.get(title=SKI)
    html = detail(client, action)
    headings = re.findall(r'<h2 id="titre-([a-z_]+)">([^<]+)</h2>', html)
    names = [name for name, _ in headings]
    assert names == [name for name in READING_ORDER if name in names]  # reading order
    assert [title for _, title in headings] == [FIELDS_BY_NAME[name].label for name in names]
    assert {"summary", "description", "funding_text", "outlook"} <= set(names)
    assert "files_text" not in names  # no file: no section
    contents = html[html.index('<nav class="toc"') : html.index("</nav>", html.index('<nav class="toc"'))]
    assert re.findall(r'href="#rubrique-([a-z_]+)"', contents) == names
    assert "Non renseigné" not in html


def test_empty_sections_are_not_shown(client, make_action):
    action = make_action("Fiche courte", summary="Une seule rubrique.")
    html = detail(client, action)
    assert re.findall(r'<h2 id="titre-([a-z_]+)">', html) == ["summary"]
    assert '<nav class="toc"' not in html  # no table of contents for one section
    assert "Non renseigné" not in html


def test_the_summary_gives_centre_place_facts_years_funding_and_dates(client, seeded):
    action = Action.objects.with_sheet_relations().get(title=SKI)
    ActionYear.objects.create(action=action, year=2017)
    ActionYear.objects.create(action=action, year=2018)
    html = detail(client, action)
    summary = html[
        html.index('<section class="summary"') : html.index("</section>", html.index('<section class="summary"'))
    ]
    facts = dict(re.findall(r"<dt>([^<]+)</dt>\s*<dd>(.*?)</dd>", summary, re.S))
    centre = action.centre
    assert centre.name in facts["Structure organisatrice"]
    assert (
        f"{centre.departement.name} ({centre.departement.code}), {centre.departement.region.name}"
        in facts["Structure organisatrice"]
    )
    assert ">Terminée</a>" in facts["Statut de l'action"]
    assert ">Accompagnement de projets</a>" in facts["Dimension"]
    assert ">Jeunesse</a>" in facts["Public"]
    assert ">Plusieurs quartiers</a>" in facts["Territoire concerné"]
    assert re.findall(r'href="/actions/\?year=(\d+)"', facts["Année(s)"]) == ["2017", "2018"]
    assert ">ANCV</a>" in facts["Partenaires"]
    assert "21\u00a0280,00 €" in facts["Financement"] and "total déclaré" in facts["Financement"]
    assert re.fullmatch(r"\d{1,2} \w+ 20\d\d", facts["Publiée le"].strip())
    keywords = html[html.index('<ul class="tags" aria-label="Mots clés">') :]
    for keyword in action.keywords.all():
        assert f'href="/actions/?keyword={keyword.slug}">{keyword.label}</a>' in keywords


def test_back_to_results_keeps_the_filters_and_the_page(client, seeded):
    action = Action.objects.get(title=SKI)
    came_from = "http://testserver/actions/?keyword=vacances-loisirs&page=2&page_size=5"
    html = unescape(client.get(action.get_absolute_url(), headers={"referer": came_from}).content.decode())
    assert (
        '<a class="back-link" href="/actions/?keyword=vacances-loisirs&page=2&page_size=5">Retour aux résultats</a>'
        in html
    )
    for elsewhere in ["", "http://testserver/", "http://ailleurs.example/actions/?keyword=x", "pas une adresse"]:
        html = client.get(action.get_absolute_url(), headers={"referer": elsewhere}).content.decode()
        assert "Retour aux résultats" not in html, elsewhere
        assert 'href="/actions/">Les actions</a>' in html  # the breadcrumb still leads to the list


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
    assert "Non renseigné" not in html  # empty sections are left out
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


# The action with its centre, the catalogue version, its years, partners by role, approved files and lineage; its
# funding lines; related actions (ranked in the catalogue index, which also gives its keywords, publics and
# initiatives).
DETAIL_QUERIES = 3


def test_detail_page_runs_a_fixed_number_of_queries(client, seeded, make_action, django_assert_num_queries):
    bare = make_action("Fiche sans mot clé")
    client.get("/")  # builds the catalogue index
    for action in [Action.objects.get(title=SKI), Action.objects.get(title="Les lumières de la paix")]:
        with django_assert_num_queries(DETAIL_QUERIES):
            response = client.get(action.get_absolute_url())
        assert response.status_code == 200
    with django_assert_num_queries(DETAIL_QUERIES - 1):  # no related action to read
        assert client.get(bare.get_absolute_url()).status_code == 200


# -- Issue 14: the sheet's order, partners by role -----------------------------------------------------------


def facts_of(html: str, name: str) -> str:
    start = html.index(f'<div class="facts__{name}">')
    return html[start : html.index("</div>", start)]


def test_keywords_and_partners_keep_the_order_of_the_sheet(client, make_action):
    action = make_action("Fiche ordonnée", keywords=["Zèbre", "abeille", "Culture"], partners=["Ville", "ANCV", "Caf"])
    html = detail(client, action)
    tags = html[html.index('<ul class="tags"') : html.index("</ul>", html.index('<ul class="tags"'))]
    assert re.findall(r'class="tag"[^>]*>([^<]+)<', tags) == ["Zèbre", "abeille", "Culture"]
    assert re.findall(r">([^<>]+)</a></li>", facts_of(html, "partners")) == ["Ville", "ANCV", "Caf"]
    assert 'class="facts__groups"' not in html  # no role: a plain list


def test_partners_are_grouped_by_their_role(client, make_action):
    action = make_action(
        "Fiche aux partenaires par rôle",
        partners=["Mairie de Lyon", "ANCV", "CAF du Rhône"],
        partner_groups=[
            PartnerGroup("Partenaires techniques", ["Mairie de Lyon", "ANCV"]),
            PartnerGroup("Partenaires financiers", ["CAF du Rhône", "ANCV"]),
        ],
    )
    partners = facts_of(detail(client, action), "partners")
    groups = re.findall(r'<span class="facts__role">([^<]+)</span><ul class="facts__list">(.*?)</ul>', partners)
    assert [(role, re.findall(r">([^<>]+)</a>", links)) for role, links in groups] == [
        ("Partenaires techniques", ["Mairie de Lyon", "ANCV"]),
        ("Partenaires financiers", ["CAF du Rhône", "ANCV"]),
    ]
    assert '<a href="/actions/?partner=ancv">ANCV</a>' in partners


def test_the_forms_own_heading_is_no_group_worth_showing(client, seeded):
    html = detail(client, Action.objects.get(title=SKI))  # every seed sheet: « Partenaires d'action: ANCV »
    assert 'class="facts__groups"' not in facts_of(html, "partners")
    assert ">ANCV</a>" in facts_of(html, "partners")


def test_the_detail_page_of_an_action_with_roles_runs_the_same_queries(client, make_action, django_assert_num_queries):
    action = make_action(
        "Fiche aux rôles",
        keywords=["Culture"],
        partners=["ANCV"],
        partner_groups=[PartnerGroup("Partenaires financiers", ["ANCV"])],
    )
    client.get("/")  # builds the catalogue index
    with django_assert_num_queries(DETAIL_QUERIES - 1):  # no related action to read
        assert "Partenaires financiers" in client.get(action.get_absolute_url()).content.decode()
