"""Every admin page loads for a superuser, and changelists run a fixed number of queries whatever their length."""

import pytest
from django.urls import reverse

from actions_catalog.core.choices import Public
from actions_catalog.core.models import (
    Action,
    ActionAlias,
    ActionPublic,
    FundingLine,
    Keyword,
    KeywordAlias,
    Partner,
    PartnerAlias,
)
from actions_catalog.editorial import defaults
from actions_catalog.editorial.models import PageSlug, SitePage
from centres.models import Centre, CentreAlias, Departement, Membership, MembershipInvitation, Region

pytestmark = pytest.mark.django_db

#: (admin URL prefix, has an add form, a search term)
MODELS = [
    ("actions_catalog_action", True, "ski"),
    ("actions_catalog_keyword", True, "parent"),
    ("actions_catalog_partner", True, "ancv"),
    ("actions_catalog_keywordalias", True, "x"),
    ("actions_catalog_partneralias", True, "x"),
    ("actions_catalog_actionalias", True, "x"),
    ("centres_centre", True, "empalot"),
    ("centres_centrealias", True, "x"),
    ("centres_membership", True, "x"),
    ("centres_membershipinvitation", False, "x"),
    ("centres_departement", False, "garonne"),
    ("centres_region", False, "occitanie"),
    ("editorial_sitepage", True, "contact"),
]


@pytest.fixture
def catalogue(seeded, django_user_model):
    """The seed sheets, plus one row of each alias model and a membership, so every change page has a row."""
    action = Action.objects.order_by("pk").first()
    KeywordAlias.objects.create(label="Viellisement", keyword=Keyword.objects.get(label="Viellissement"))
    PartnerAlias.objects.create(label="A.N.C.V.", partner=Partner.objects.get(label="ANCV"))
    ActionAlias.objects.create(action=action, centre=action.centre, title="Ancien titre")
    CentreAlias.objects.create(centre=action.centre, departement=action.centre.departement, name="Ancien nom")
    user = django_user_model.objects.create_user("membre", password="x")
    Membership.objects.create(user=user, centre=action.centre)
    invited = django_user_model.objects.create_user("invite", email="invite@example.org")
    MembershipInvitation.objects.create(centre=action.centre, email=invited.email, user=invited, invited_by=user)
    SitePage.objects.create(slug=PageSlug.CONTACT, title="Contact", body="Écrivez-nous à {courriel}.")


def first_pk(prefix: str):
    model = {
        "actions_catalog_action": Action,
        "actions_catalog_keyword": Keyword,
        "actions_catalog_partner": Partner,
        "actions_catalog_keywordalias": KeywordAlias,
        "actions_catalog_partneralias": PartnerAlias,
        "actions_catalog_actionalias": ActionAlias,
        "centres_centre": Centre,
        "centres_centrealias": CentreAlias,
        "centres_membership": Membership,
        "centres_membershipinvitation": MembershipInvitation,
        "centres_departement": Departement,
        "centres_region": Region,
        "editorial_sitepage": SitePage,
    }[prefix]
    return model.objects.order_by("pk").values_list("pk", flat=True).first()


@pytest.mark.parametrize("prefix, addable, term", MODELS)
def test_changelist_search_change_and_add_pages_load(admin_client, catalogue, prefix, addable, term):
    changelist = reverse(f"admin:{prefix}_changelist")
    assert admin_client.get(changelist).status_code == 200
    assert admin_client.get(changelist, {"q": term}).status_code == 200
    assert admin_client.get(reverse(f"admin:{prefix}_change", args=[first_pk(prefix)])).status_code == 200
    add = admin_client.get(reverse(f"admin:{prefix}_add"))
    assert add.status_code == (200 if addable else 403)


def test_action_changelist_filters_show_facet_counts(admin_client, catalogue):
    url = reverse("admin:actions_catalog_action_changelist")
    response = admin_client.get(url)
    page = response.content.decode()
    assert "Publiée (22)" in page  # the state filter, with its facet count
    for query in (
        {"state__exact": "published"},
        {"status__exact": "terminee"},
        {"dimension__exact": "services"},
        {"publics__public__exact": Public.FAMILIES},
        {"origine": "import"},
        {"origine": "formulaire"},
        {"keywords__id__exact": Keyword.objects.get(label="Parentalité").pk},
        {"centre__departement__region__code__exact": "76"},
        {"updated_at__year": "2026"},
    ):
        assert admin_client.get(url, query).status_code == 200, query
    filtered = admin_client.get(url, {"keywords__id__exact": Keyword.objects.get(label="Parentalité").pk})
    assert filtered.context["cl"].result_count == 10


def test_action_search_finds_other_titles_and_centres(admin_client, catalogue):
    url = reverse("admin:actions_catalog_action_changelist")
    assert admin_client.get(url, {"q": "Ancien titre"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"q": "empalot"}).context["cl"].result_count >= 1
    assert admin_client.get(url, {"q": "introuvable"}).context["cl"].result_count == 0


def test_keyword_and_centre_filters_count_usage(admin_client, catalogue, make_label):
    make_label(Keyword, "Jamais utilisé")
    url = reverse("admin:actions_catalog_keyword_changelist")
    assert admin_client.get(url, {"utilise": "non"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"utilise": "oui"}).context["cl"].result_count == Keyword.objects.count() - 1
    page = admin_client.get(url).content.decode()
    assert "Utilisé par aucune action (1)" in page
    centres = reverse("admin:centres_centre_changelist")
    assert admin_client.get(centres, {"departement__region__code__exact": "76"}).status_code == 200


def test_action_change_page_shows_provenance_and_raw_sheet(admin_client, catalogue):
    action = Action.objects.get(title="Forum Seniors")
    page = admin_client.get(reverse("admin:actions_catalog_action_change", args=[action.pk])).content.decode()
    assert "Provenance" in page
    assert "fiches-actions-centres-sociaux.txt" in page
    assert '<pre class="raw-sheet">' in page
    assert "CENTRE SOCIAL DE PéRONNE - Somme" in page  # the raw text, as scraped
    assert "ligne dans le fichier source" in page.lower()


def test_raw_sheet_text_is_escaped(admin_client, make_centre, make_action):
    action = make_action("Fiche piégée", make_centre("Centre X"), raw_text="<script>alert(1)</script>")
    page = admin_client.get(reverse("admin:actions_catalog_action_change", args=[action.pk])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page


def test_a_site_page_is_added_from_its_french_default_and_then_shown(admin_client, client, db):
    add = reverse("admin:editorial_sitepage_add")
    form = admin_client.get(add, {"slug": PageSlug.ACCESSIBILITY}).context["adminform"].form
    assert form.initial["title"] == defaults.DEFAULTS[PageSlug.ACCESSIBILITY][0]
    assert form.initial["body"] == defaults.DEFAULTS[PageSlug.ACCESSIBILITY][1]
    response = admin_client.post(add, {"slug": PageSlug.ACCESSIBILITY, "title": "Accessibilité", "body": "Texte revu."})
    assert response.status_code == 302
    assert "<p>Texte revu.</p>" in client.get("/accessibilite/").content.decode()
    duplicate = admin_client.post(add, {"slug": PageSlug.ACCESSIBILITY, "title": "Encore", "body": "x"})
    assert duplicate.status_code == 200 and SitePage.objects.count() == 1  # one text per page


def test_reference_data_is_read_only(admin_client, db):
    departement = reverse("admin:centres_departement_change", args=["31"])
    response = admin_client.post(departement, {"name": "Autre", "code": "31", "region": "76"})
    assert response.status_code == 403
    assert Departement.objects.get(code="31").name == "Haute-Garonne"
    assert admin_client.post(reverse("admin:centres_region_delete", args=["76"]), {"post": "yes"}).status_code == 403


# -- Fixed query counts ----------------------------------------------------------------------------------


def build_rows(count: int, make_centre, make_action, make_label, django_user_model):
    """``count`` rows of every curated model, each with relations (keywords, partners, aliases, members…)."""
    for index in range(count):
        centre = make_centre(f"Centre {index}", departement=("31", "75", "59")[index % 3])
        keyword = make_label(Keyword, f"Mot {index}")
        partner = make_label(Partner, f"Partenaire {index}")
        KeywordAlias.objects.create(keyword=keyword, label=f"Ancien mot {index}")
        PartnerAlias.objects.create(partner=partner, label=f"Ancien partenaire {index}")
        CentreAlias.objects.create(centre=centre, departement=centre.departement, name=f"Ancien centre {index}")
        action = make_action(f"Action {index}", centre)
        action.keywords.add(keyword)
        action.partners.add(partner)
        ActionPublic.objects.create(action=action, public=Public.YOUTH)
        FundingLine.objects.create(action=action, label="CAF", amount=100, position=1)
        ActionAlias.objects.create(action=action, centre=centre, title=f"Ancienne action {index}")
        user = django_user_model.objects.create_user(f"membre{index}")
        Membership.objects.create(user=user, centre=centre)
        invited = django_user_model.objects.create_user(f"invite{index}", email=f"invite{index}@example.org")
        MembershipInvitation.objects.create(centre=centre, email=invited.email, user=invited, invited_by=user)


#: Queries of each changelist: session, user, then the page (counts, facets, rows, prefetches).
CHANGELIST_QUERIES = {
    # 9 facet filters: each facet count re-reads the choices of the two related filters (regions, keywords).
    "actions_catalog_action": 36,
    "actions_catalog_keyword": 9,
    "actions_catalog_partner": 9,
    "actions_catalog_keywordalias": 5,
    "actions_catalog_partneralias": 5,
    "actions_catalog_actionalias": 5,
    "centres_centre": 12,
    "centres_centrealias": 8,
    "centres_membership": 10,
    "centres_membershipinvitation": 12,
}


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("prefix", sorted(CHANGELIST_QUERIES))
def test_changelist_query_count_does_not_grow_with_rows(
    admin_client, django_assert_num_queries, make_centre, make_action, make_label, django_user_model, prefix, rows
):
    build_rows(rows, make_centre, make_action, make_label, django_user_model)
    url = reverse(f"admin:{prefix}_changelist")
    admin_client.get(url)  # warm caches (content types, site) so that only the page's own queries count
    with django_assert_num_queries(CHANGELIST_QUERIES[prefix]):
        response = admin_client.get(url)
    assert response.context["cl"].result_count == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_reference_changelists_query_count(admin_client, django_assert_num_queries, make_centre, rows):
    for index in range(rows):
        make_centre(f"Centre {index}", departement=("31", "75", "59")[index % 3])
    for prefix, count in (("centres_departement", 8), ("centres_region", 5)):
        url = reverse(f"admin:{prefix}_changelist")
        admin_client.get(url)
        with django_assert_num_queries(count):
            assert admin_client.get(url).status_code == 200


def test_admin_index_and_app_pages_load(admin_client, catalogue):
    index = admin_client.get(reverse("admin:index"))
    assert index.status_code == 200
    assert "Curation du catalogue" in index.content.decode()
    for app_label in ("actions_catalog", "centres"):
        assert admin_client.get(reverse("admin:app_list", args=[app_label])).status_code == 200


def test_the_admin_header_links_moderators_to_the_moderation_queue(admin_client, staff_client):
    queue = reverse("espace:moderation_queue")
    assert f'href="{queue}"' in admin_client.get(reverse("admin:index")).content.decode()
    assert f'href="{queue}"' not in staff_client().get(reverse("admin:index")).content.decode()
