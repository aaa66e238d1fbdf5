"""Merging duplicates: relations move to the record kept, names become its aliases, later imports map to it,
the history records the merge, and any failure leaves everything as it was."""

import pytest
from django.urls import reverse

from actions_catalog.core import merging, search
from actions_catalog.core.choices import Dimension, Initiative, Public
from actions_catalog.core.models import (
    Action,
    ActionAlias,
    ActionInitiative,
    ActionPublic,
    FundingLine,
    Keyword,
    KeywordAlias,
    Partner,
    PartnerAlias,
)
from actions_catalog.core.writer import SheetLoader
from centres.models import Centre, CentreAlias, Membership
from importers.parser import parse_text

pytestmark = pytest.mark.django_db

BARCELONA = "Séjour Autofinancé Barcelone"


def reimport(seed_bytes, *replacements: tuple[str, str]):
    """Import the seed file again, with some text replaced (so that the sheets concerned are rewritten)."""
    text = seed_bytes.decode()
    for old, new in replacements:
        assert old in text
        text = text.replace(old, new)
    result = parse_text(text, "seed-modifie.txt")
    assert not result.problems
    return SheetLoader().load(result.sheets)


# -- Keywords and partners -------------------------------------------------------------------------------


def test_merging_keywords_moves_actions_and_keeps_the_name_as_an_alias(seeded, make_label, admin_user):
    typo = Keyword.objects.get(label="Viellissement")
    linked = set(typo.actions.values_list("pk", flat=True))
    assert len(linked) == 3
    KeywordAlias.objects.create(keyword=typo, label="Vieilissement")
    survivor = make_label(Keyword, "Vieillissement")

    result = merging.merge(survivor, [typo], user=admin_user)

    assert not Keyword.objects.filter(label="Viellissement").exists()
    assert set(survivor.actions.values_list("pk", flat=True)) == linked
    assert set(survivor.aliases.values_list("label", flat=True)) == {"Viellissement", "Vieilissement"}
    assert result.merged == ["Viellissement"]
    # The search data of the actions holds the survivor's label now.
    for action in Action.objects.filter(pk__in=linked):
        assert "Vieillissement" in action.keyword_labels.split()
        assert "Viellissement" not in action.keyword_labels.split()
    assert set(Action.objects.filter(search.condition("vieillissement")).values_list("pk", flat=True)) >= linked
    # The history records both sides, with who and why.
    latest = survivor.history.latest()
    assert latest.history_change_reason.startswith("Fusion : « Viellissement »")
    assert latest.history_user == admin_user
    deleted = Keyword.history.filter(id=typo.pk, history_type="-").get()
    assert "Vieillissement" in deleted.history_change_reason


def test_a_later_import_maps_a_merged_keyword_to_the_survivor(seeded, seed_bytes, make_label):
    typo = Keyword.objects.get(label="Viellissement")
    survivor = make_label(Keyword, "Vieillissement")
    merging.merge(survivor, [typo])

    report = reimport(seed_bytes, ("37 partenaires participent", "38 partenaires participent"))

    assert report.updated == 1
    assert not Keyword.objects.filter(normalized_label="viellissement").exists()
    forum = Action.objects.get(title="Forum Seniors")
    assert list(forum.keywords.values_list("label", flat=True)) == ["Vieillissement"]


def test_merging_keywords_of_one_action_leaves_one_link(seeded, make_label):
    action = Action.objects.get(title=BARCELONA)
    first, second = Keyword.objects.get(label="Parentalité"), Keyword.objects.get(label="vacances / loisirs")
    assert {first, second} <= set(action.keywords.all())
    merging.merge(first, [second])
    assert list(action.keywords.filter(label="Parentalité")) == [first]
    assert not Keyword.objects.filter(pk=second.pk).exists()


def test_merging_partners_moves_actions_and_aliases(seeded, make_label):
    ancv = Partner.objects.get(label="ANCV")
    survivor = make_label(Partner, "Agence nationale pour les chèques-vacances")
    merging.merge(survivor, [ancv])
    assert survivor.actions.count() == Action.objects.filter(partners=survivor).count() > 0
    assert PartnerAlias.objects.get(normalized_label="ancv").partner == survivor


# -- Centres ---------------------------------------------------------------------------------------------


@pytest.fixture
def twin_centre(seeded, make_centre, make_action, django_user_model):
    """A second spelling of the Empalot centre, with one action it shares and one of its own, and members."""
    twin = make_centre("Centre social Empalot", "31")
    shared = make_action(BARCELONA, twin, summary="", dimension=None)
    shared.keywords.add(Keyword.objects.get(label="Culture"))
    own = make_action("Atelier couture", twin)
    ActionAlias.objects.create(action=own, centre=twin, title="Couture")
    CentreAlias.objects.create(centre=twin, departement=twin.departement, name="CS Empalot")
    both = django_user_model.objects.create_user("les-deux")
    only_twin = django_user_model.objects.create_user("jumeau")
    original = Centre.objects.get(name="CENTRE SOCIAL D'EMPALOT")
    Membership.objects.create(user=both, centre=original)
    Membership.objects.create(user=both, centre=twin)
    Membership.objects.create(user=only_twin, centre=twin)
    return twin, shared, own


def test_merging_centres_moves_actions_members_and_aliases(twin_centre):
    twin, shared, own = twin_centre
    survivor = Centre.objects.get(name="CENTRE SOCIAL D'EMPALOT")
    barcelona = Action.objects.get(centre=survivor, title=BARCELONA)

    result = merging.merge(survivor, [twin])

    assert not Centre.objects.filter(pk=twin.pk).exists()
    own.refresh_from_db()
    assert own.centre == survivor
    # The shared action became one: the survivor's, with the keyword the other one had.
    assert not Action.objects.filter(pk=shared.pk).exists()
    assert result.merged_actions == [BARCELONA]
    assert barcelona.keywords.filter(label="Culture").exists()
    assert sorted(survivor.memberships.values_list("user__username", flat=True)) == ["jumeau", "les-deux"]
    assert set(survivor.aliases.values_list("name", flat=True)) == {"Centre social Empalot", "CS Empalot"}
    assert ActionAlias.objects.get(title="Couture").centre == survivor
    assert "Culture" in Action.objects.get(pk=barcelona.pk).keyword_labels.split()  # the search data follows
    assert survivor.history.latest().history_change_reason.startswith("Fusion")
    assert own.history.latest().history_change_reason.startswith("Fusion : rattachée")


def test_a_later_import_maps_a_merged_centre_name_to_the_survivor(twin_centre, seed_bytes):
    twin, _, _ = twin_centre
    survivor = Centre.objects.get(name="CENTRE SOCIAL D'EMPALOT")
    merging.merge(survivor, [twin])
    centres = Centre.objects.count()

    report = reimport(
        seed_bytes, ("- CENTRE SOCIAL D'EMPALOT - Haute-Garonne", "- Centre social Empalot - Haute-Garonne")
    )

    assert Centre.objects.count() == centres
    assert report.created == 0
    assert Action.objects.filter(centre=survivor, title=BARCELONA).count() == 1


# -- Actions ---------------------------------------------------------------------------------------------


@pytest.fixture
def twin_action(seeded, make_action):
    """A copy of the Barcelona trip in the same centre, under another title, with more details."""
    barcelona = Action.objects.get(title=BARCELONA)
    copy = make_action(
        "Séjour autofinancé à Barcelone",
        barcelona.centre,
        summary="",
        dimension=Dimension.CITIZENSHIP,
        outlook="Recommencer en 2026",
    )
    copy.keywords.add(Keyword.objects.get(label="Culture"))
    ActionPublic.objects.create(action=copy, public=Public.SENIORS)
    ActionInitiative.objects.create(action=copy, initiative=Initiative.RESIDENT)
    return barcelona, copy


def test_merging_actions_of_one_centre_keeps_the_survivor_and_completes_it(twin_action):
    barcelona, copy = twin_action
    lines = list(barcelona.funding_lines.values_list("label", "amount"))
    assert lines

    merging.merge(copy, [barcelona])

    copy.refresh_from_db()
    assert not Action.objects.filter(pk=barcelona.pk).exists()
    # The survivor had no budget: it takes the merged action's lines rather than adding them up.
    assert list(copy.funding_lines.values_list("label", "amount")) == lines
    assert copy.summary  # filled from the merged action
    assert copy.dimension == Dimension.CITIZENSHIP  # its own value is kept
    assert copy.outlook == "Recommencer en 2026"
    assert {"Culture", "Parentalité"} <= set(copy.keywords.values_list("label", flat=True))
    assert {Public.SENIORS} < set(copy.publics.values_list("public", flat=True))
    assert ActionAlias.objects.get(action=copy).title == BARCELONA
    assert Action.objects.filter(search.condition("barcelone"), pk=copy.pk).exists()  # found by its new summary


def test_a_later_import_updates_the_survivor_without_renaming_it(twin_action, seed_bytes):
    barcelona, copy = twin_action
    merging.merge(copy, [barcelona])
    count = Action.objects.count()

    report = reimport(seed_bytes, ("Voyage effectué", "Voyage effectué en 2024"))

    assert report.created == 0 and report.updated == 1
    assert Action.objects.count() == count
    copy.refresh_from_db()
    assert copy.title == "Séjour autofinancé à Barcelone"
    assert copy.end_reason == "Voyage effectué en 2024"


def test_an_import_naming_both_titles_writes_the_survivor_once(twin_action, seed_bytes):
    """Both the survivor's own sheet and the merged one's: the sheet with the survivor's title wins."""
    barcelona, copy = twin_action
    merging.merge(barcelona, [copy])  # keep the imported one this time
    text = seed_bytes.decode()
    start = text.index("Actions\n" + BARCELONA)
    sheet = text[start : text.index("\nActions\n", start + 1) + 1]
    twin_sheet = sheet.replace(BARCELONA, "Séjour autofinancé à Barcelone").replace("Voyage effectué", "Autre")
    result = parse_text(text + "\n" + twin_sheet, "deux-titres.txt")

    report = SheetLoader().load(result.sheets)

    barcelona.refresh_from_db()
    assert report.duplicates == 4  # the seed's 3, and the sheet reaching the survivor through its alias
    assert barcelona.title == BARCELONA
    assert barcelona.end_reason == "Voyage effectué"


def test_actions_of_different_centres_are_not_merged(seeded):
    first, second = Action.objects.order_by("pk")[:2]
    with pytest.raises(merging.MergeError, match="centres différents"):
        merging.merge(first, [second])
    assert Action.objects.filter(pk=second.pk).exists()


# -- All or nothing --------------------------------------------------------------------------------------


def test_a_failure_during_a_merge_changes_nothing(twin_centre, monkeypatch):
    twin, shared, own = twin_centre
    survivor = Centre.objects.get(name="CENTRE SOCIAL D'EMPALOT")
    histories = Centre.history.count() + Action.history.count()

    def fail(ids):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(merging.search, "refresh", fail)
    with pytest.raises(RuntimeError, match="panne simulée"):
        merging.merge(survivor, [twin])

    assert Centre.objects.filter(pk=twin.pk).exists()
    assert Action.objects.filter(pk=shared.pk, centre=twin).exists()
    assert Action.objects.get(pk=own.pk).centre == twin
    assert twin.memberships.count() == 2
    assert not CentreAlias.objects.filter(name="Centre social Empalot").exists()
    assert Centre.history.count() + Action.history.count() == histories


def test_merging_needs_two_records_of_one_model(seeded):
    keyword = Keyword.objects.first()
    with pytest.raises(merging.MergeError):
        merging.merge(keyword, [keyword])
    with pytest.raises(merging.MergeError):
        merging.merge(keyword, [Partner.objects.first()])


# -- Through the admin -----------------------------------------------------------------------------------


def test_admin_merge_page_lets_the_admin_choose_the_survivor(admin_client, seeded, make_label):
    typo = Keyword.objects.get(label="Viellissement")
    right = make_label(Keyword, "Vieillissement")
    url = reverse("admin:actions_catalog_keyword_merge")
    ids = f"{typo.pk},{right.pk}"

    page = admin_client.get(url, {"ids": ids})
    assert page.status_code == 200
    assert 'type="radio"' in page.content.decode()

    response = admin_client.post(url, {"ids": ids, "survivor": right.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:actions_catalog_keyword_change", args=[right.pk])
    assert not Keyword.objects.filter(pk=typo.pk).exists()
    assert KeywordAlias.objects.get(keyword=right).label == "Viellissement"


def test_admin_action_sends_the_selection_to_the_merge_page(admin_client, seeded):
    ids = list(Keyword.objects.order_by("pk").values_list("pk", flat=True)[:3])
    response = admin_client.post(
        reverse("admin:actions_catalog_keyword_changelist"),
        {"action": "merge_selected", "_selected_action": ids},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?ids=" + "%2C".join(str(pk) for pk in ids))


def test_admin_merge_of_actions_of_different_centres_is_refused_clearly(admin_client, seeded):
    first, second = Action.objects.order_by("pk")[:2]
    url = reverse("admin:actions_catalog_action_merge")
    ids = f"{first.pk},{second.pk}"
    assert "centres différents" in admin_client.get(url, {"ids": ids}).content.decode()
    response = admin_client.post(url, {"ids": ids, "survivor": first.pk})
    assert response.status_code == 400
    assert "centres différents" in response.content.decode()
    assert Action.objects.filter(pk=second.pk).exists()


def test_merging_needs_change_and_delete_permissions(staff_client, seeded):
    ids = ",".join(str(pk) for pk in Keyword.objects.values_list("pk", flat=True)[:2])
    url = reverse("admin:actions_catalog_keyword_merge")
    client = staff_client("actions_catalog.view_keyword", "actions_catalog.change_keyword")
    assert client.get(url, {"ids": ids}).status_code == 403
    assert client.post(url, {"ids": ids, "survivor": ids.split(",")[0]}).status_code == 403
    assert Keyword.objects.count() == 14


def test_merge_page_with_a_single_record_goes_back_to_the_list(admin_client, seeded):
    pk = Keyword.objects.first().pk
    response = admin_client.get(reverse("admin:actions_catalog_keyword_merge"), {"ids": f"{pk},abc"})
    assert response.status_code == 302
    assert FundingLine.objects.exists()  # nothing was touched
