"""The loader: identities, dedup, idempotent re-import, updates, aliases, dry runs and query counts."""

import dataclasses
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from actions_catalog.core.choices import PublicationState
from actions_catalog.core.export_schema import export_rows
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
from actions_catalog.core.sheet import FundingLineData, SourceRef
from actions_catalog.core.submission_models import EventVerb, ModerationEvent
from actions_catalog.core.writer import SheetLoader
from centres.models import Centre, CentreAlias
from importers.parser import parse_text
from tests.factories import make_sheet, many_sheets

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def row_counts() -> dict[str, int]:
    """The number of rows of every table the loader writes, history included."""
    models = (Action, Centre, Keyword, Partner, FundingLine, ActionPublic, ActionInitiative)
    counts = {model.__name__: model.objects.count() for model in models}
    counts |= {f"{model.__name__}.history": model.history.count() for model in (Action, Centre, Keyword, Partner)}
    counts["keywords"] = Action.keywords.through.objects.count()
    counts["partners"] = Action.partners.through.objects.count()
    return counts


def writes(queries) -> list[str]:
    return [query["sql"] for query in queries if query["sql"].lstrip().upper().startswith(WRITES)]


def relations(action: Action) -> dict:
    return {
        "keywords": sorted(action.keywords.values_list("label", flat=True)),
        "partners": sorted(action.partners.values_list("label", flat=True)),
        "publics": list(action.publics.values_list("public", flat=True)),
        "initiatives": list(action.initiatives.values_list("initiative", flat=True)),
        "funding": list(action.funding_lines.values_list("label", "amount", "position")),
    }


# -- The seed -------------------------------------------------------------------------------------------


def test_seed_gives_22_actions_from_22_centres_in_21_departements(seeded):
    assert (seeded.created, seeded.updated, seeded.unchanged, seeded.duplicates, seeded.rejected) == (22, 0, 0, 3, 0)
    assert seeded.summary_line() == "created: 22, updated: 0, unchanged: 0, duplicates: 3, rejected: 0, warnings: 0"
    assert Action.objects.count() == 22
    assert Centre.objects.count() == 22
    assert Centre.objects.values("departement").distinct().count() == 21
    assert Centre.objects.filter(departement="94").count() == 2  # two centres of Cachan


def test_imported_actions_are_published(seeded):
    assert Action.objects.published().count() == 22
    assert not Action.objects.filter(published_at__isnull=True).exists()
    assert set(Action.objects.values_list("state", flat=True)) == {PublicationState.PUBLISHED}


def test_repeated_seed_sheets_become_one_action(seeded):
    lavoisier = Action.objects.get(title="Les lumières de la paix")
    assert lavoisier.centre.name == "CENTRE SOCIAL LAVOISIER"
    assert lavoisier.source_line == 352  # the first of three identical sheets
    assert Action.objects.filter(title="Départ en vacances pour tous").count() == 1


def test_centres_keywords_and_partners_are_shared(seeded):
    assert Partner.objects.count() == 1
    assert Partner.objects.get().actions.count() == 22
    holidays = Keyword.objects.get(label="vacances / loisirs")
    assert holidays.actions.count() == 11
    assert holidays.slug == "vacances-loisirs"
    assert Keyword.objects.count() == 14


def test_seed_action_fields_and_relations(seeded):
    ski = Action.objects.get(title="Mise en place séjour au ski interquartier")
    assert ski.centre.departement.code == "62"
    assert (ski.status, ski.dimension, ski.territory) == (
        "terminee",
        "accompagnement-de-projets",
        "plusieurs-quartiers",
    )
    assert ski.declared_total == Decimal("21280.00")
    assert ski.funding_total == Decimal("21280.00")
    assert relations(ski) == {
        "keywords": ["Mixité sociale", "mobilité / transport", "vacances / loisirs"],
        "partners": ["ANCV"],
        "publics": ["jeunesse"],
        "initiatives": ["le-centre-social"],
        "funding": [
            ("Autofinancement", Decimal("4500.00"), 1),
            ("Participation des familles", Decimal("6000.00"), 2),
            ("CAF", Decimal("6700.00"), 3),
            ("Ville", Decimal("4080.00"), 4),
        ],
    }
    barcelona = Action.objects.get(title="Séjour Autofinancé Barcelone")
    assert barcelona.declared_total is None
    assert barcelona.funding_total == Decimal("17601.00")
    harpeges = Action.objects.get(title__startswith="Accompagnbement Social")
    assert harpeges.funding_total == Decimal("78529.00")
    assert Action.objects.get(title="Borne d'accès numérique").dimension is None


def test_provenance_is_kept(seeded, seed_bytes):
    action = Action.objects.get(title="SAMEDIS FESTIFS")
    assert action.source_file == "fiches-actions-centres-sociaux.txt"
    assert action.source_line == 2
    assert action.raw_text == "\n".join(seed_bytes.decode().split("\n")[1:65])
    assert action.first_imported_at == action.last_imported_at is not None
    assert len(action.content_hash) == 64
    assert action.keyword_labels == "Culture vacances / loisirs Mixité sociale"  # what the search trigger reads
    assert action.search_vector is not None


def test_history_records_the_import(seeded):
    assert Action.history.count() == 22
    assert Centre.history.count() == 22
    assert Keyword.history.count() == 14
    assert Action.history.filter(history_type="+").count() == 22


def test_search_vector_is_filled_on_postgresql(seeded):
    assert not Action.objects.filter(search_vector__isnull=True).exists()


# -- Re-import ------------------------------------------------------------------------------------------


def test_reimport_changes_nothing_and_writes_nothing(seeded, seed_sheets):
    before = row_counts()
    stamps = dict(Action.objects.values_list("pk", "updated_at"))
    with CaptureQueriesContext(connection) as queries:
        report = SheetLoader().load(seed_sheets)
    assert (report.created, report.updated, report.unchanged, report.duplicates) == (0, 0, 22, 3)
    assert writes(queries.captured_queries) == []
    assert row_counts() == before
    assert dict(Action.objects.values_list("pk", "updated_at")) == stamps


def test_reimport_with_other_line_endings_is_unchanged(seeded, seed_bytes):
    from importers.parser import parse_bytes

    sheets = parse_bytes(b"\xef\xbb\xbf" + seed_bytes.replace(b"\n", b"  \r\n"), "copie.txt").sheets
    report = SheetLoader().load(sheets)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 22)


def test_changed_sheet_updates_its_action_and_replaces_its_relations():
    SheetLoader().load([make_sheet()])
    action = Action.objects.get()
    original = (action.pk, action.slug, action.centre_id, action.first_imported_at)
    changed = make_sheet(
        summary="Une semaine à la montagne.",
        keywords=["Culture"],
        partners=["Conseil départemental"],
        publics=["jeunesse", "adultes"],
        initiatives=["un-habitant"],
        funding_lines=[FundingLineData("Ville", Decimal("500.00")), FundingLineData("Mécénat", None)],
        declared_total=None,
        source=SourceRef("nouveau.txt", 40),
    )
    report = SheetLoader().load([changed])
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0)
    action.refresh_from_db()
    assert (action.pk, action.slug, action.centre_id, action.first_imported_at) == original
    assert action.last_imported_at > action.first_imported_at
    assert action.summary == "Une semaine à la montagne."
    assert (action.source_file, action.source_line) == ("nouveau.txt", 40)
    assert action.content_hash == changed.content_hash()
    assert relations(action) == {
        "keywords": ["Culture"],
        "partners": ["Conseil départemental"],
        "publics": ["jeunesse", "adultes"],
        "initiatives": ["un-habitant"],
        "funding": [("Ville", Decimal("500.00"), 1), ("Mécénat", None, 2)],
    }
    assert action.funding_total == Decimal("500.00")
    assert FundingLine.objects.count() == 2  # the old lines are gone
    assert Keyword.objects.count() == 3  # the old keywords stay, for other actions and the admin
    assert action.history.count() == 2
    assert action.history.first().history_type == "~"


def test_whitespace_only_change_is_unchanged():
    SheetLoader().load([make_sheet()])
    sheet = make_sheet(summary="  Une semaine   à la mer\npour douze familles. ", source=SourceRef("autre.txt", 9))
    report = SheetLoader().load([sheet])
    assert (report.created, report.updated, report.unchanged) == (0, 0, 1)


def test_later_sheet_of_a_file_with_the_same_identity_wins():
    first = make_sheet(summary="Première version", source=SourceRef("f.txt", 2))
    second = make_sheet(title="SÉJOUR familles à la mer !", summary="Seconde version", source=SourceRef("f.txt", 40))
    report = SheetLoader().load([first, second])
    assert (report.created, report.duplicates) == (1, 1)
    action = Action.objects.get()
    assert action.summary == "Seconde version"
    assert action.title == "SÉJOUR familles à la mer !"
    assert action.source_line == 40
    assert [str(warning) for warning in report.warnings] == [
        "f.txt: line 2: avertissement : « Séjour familles à la mer » est remplacée par une fiche plus récente de même "
        "titre et même centre (ligne 40)"
    ]


def test_identical_repeats_are_duplicates_without_warning():
    sheet = make_sheet()
    report = SheetLoader().load([sheet, dataclasses.replace(sheet, source=SourceRef("f.txt", 90)), sheet])
    assert (report.created, report.duplicates) == (1, 2)
    assert report.warnings == []


def test_duplicates_are_counted_in_every_run():
    sheet = make_sheet()
    SheetLoader().load([sheet, sheet])
    report = SheetLoader().load([sheet, sheet])
    assert (report.created, report.unchanged, report.duplicates) == (0, 1, 1)


# -- Identities -----------------------------------------------------------------------------------------


def test_centres_are_reused_across_sheets_and_imports():
    SheetLoader().load(
        [
            make_sheet(title="Atelier 1", centre_name="Centre social d'Empalot"),
            make_sheet(title="Atelier 2", centre_name="CENTRE SOCIAL D’EMPALOT "),
        ]
    )
    SheetLoader().load([make_sheet(title="Atelier 3", centre_name="centre social d empalot")])
    centre = Centre.objects.get()
    assert centre.name == "Centre social d'Empalot"  # the first spelling seen
    assert centre.actions.count() == 3


def test_same_centre_name_in_two_departements_is_two_centres():
    SheetLoader().load([make_sheet(departement_code="69"), make_sheet(departement_code="31")])
    assert Centre.objects.count() == 2
    assert Action.objects.count() == 2
    assert set(Centre.objects.values_list("slug", flat=True)) == {
        "centre-social-des-tilleuls-69",
        "centre-social-des-tilleuls-31",
    }


def test_keywords_and_partners_are_reused_across_sheets_and_imports():
    SheetLoader().load(
        [
            make_sheet(title="A", keywords=["Parentalité"], partners=["CAF du Rhône"]),
            make_sheet(title="B", keywords=["PARENTALITE"], partners=["caf du rhone"]),
        ]
    )
    SheetLoader().load([make_sheet(title="C", keywords=["parentalité "], partners=["CAF-du-Rhône"])])
    assert list(Keyword.objects.values_list("label", flat=True)) == ["Parentalité"]
    assert list(Partner.objects.values_list("label", flat=True)) == ["CAF du Rhône"]
    assert Keyword.objects.get().actions.count() == 3
    assert Partner.objects.get().actions.count() == 3


def test_keyword_alias_maps_later_imports(seeded):
    keyword = Keyword.objects.get(label="Viellissement")
    keyword.label = "Vieillissement"
    keyword.save()
    KeywordAlias.objects.create(keyword=keyword, label="Viellissement")
    report = SheetLoader().load([make_sheet(keywords=["Viellissement", "viellissement"])])
    assert report.created == 1
    assert not Keyword.objects.filter(normalized_label="viellissement").exists()
    assert Keyword.objects.get(label="Vieillissement").actions.count() == 4
    assert list(Action.objects.get(title=make_sheet().title).keywords.all()) == [keyword]


def test_partner_alias_maps_later_imports():
    partner = Partner.objects.create(label="Caisse d'allocations familiales", slug="caf")
    PartnerAlias.objects.create(partner=partner, label="CAF")
    SheetLoader().load([make_sheet(partners=["Caf", "CAF"])])
    assert list(Partner.objects.all()) == [partner]
    assert list(Action.objects.get().partners.all()) == [partner]


def test_centre_alias_maps_later_imports():
    SheetLoader().load([make_sheet(title="Atelier 1")])
    centre = Centre.objects.get()
    CentreAlias.objects.create(centre=centre, name="CS Tilleuls", departement_id="69")
    SheetLoader().load([make_sheet(title="Atelier 2", centre_name="CS Tilleuls")])
    assert Centre.objects.count() == 1
    assert centre.actions.count() == 2


def test_action_alias_maps_a_later_sheet_to_its_action():
    SheetLoader().load([make_sheet()])
    action = Action.objects.get()
    ActionAlias.objects.create(action=action, centre=action.centre, title="Séjour à la mer")
    report = SheetLoader().load([make_sheet(title="Séjour à la mer", summary="Nouveau résumé")])
    assert (report.created, report.updated) == (0, 1)
    action.refresh_from_db()
    assert (action.title, action.summary) == ("Séjour familles à la mer", "Nouveau résumé")  # title kept
    assert SheetLoader().load([make_sheet()]).updated == 1  # its own title still reaches it


def test_alias_and_own_title_in_one_file_are_one_action():
    SheetLoader().load([make_sheet()])
    action = Action.objects.get()
    ActionAlias.objects.create(action=action, centre=action.centre, title="Séjour à la mer")
    report = SheetLoader().load(
        [make_sheet(title="Séjour à la mer", summary="Sous l'ancien titre"), make_sheet(summary="Sous son titre")]
    )
    assert (report.created, report.updated, report.duplicates) == (0, 1, 1)
    action.refresh_from_db()
    assert (action.title, action.summary) == ("Séjour familles à la mer", "Sous son titre")  # the later sheet
    assert relations(action)["publics"] == ["familles"]


def test_centre_alias_and_own_name_in_one_file_are_one_action():
    SheetLoader().load([make_sheet(title="Atelier 1")])
    centre = Centre.objects.get()
    CentreAlias.objects.create(centre=centre, name="CS Tilleuls", departement_id="69")
    report = SheetLoader().load([make_sheet(centre_name="CS Tilleuls"), make_sheet(summary="Plus récente")])
    assert (report.created, report.duplicates) == (1, 1)
    assert centre.actions.get(title=make_sheet().title).summary == "Plus récente"


def test_alias_repeats_across_batches_update_the_action_twice():
    SheetLoader().load([make_sheet()])
    action = Action.objects.get()
    ActionAlias.objects.create(action=action, centre=action.centre, title="Séjour à la mer")
    sheets = [make_sheet(title="Séjour à la mer", summary="Premier"), make_sheet(summary="Second")]
    report = SheetLoader(batch_size=1).load(sheets)
    assert (report.updated, report.duplicates) == (2, 0)  # batches do not see each other; the last one wins
    action.refresh_from_db()
    assert action.summary == "Second"


def test_slugs_are_unique_and_stable():
    SheetLoader().load(
        [
            make_sheet(centre_name="Centre A"),
            make_sheet(centre_name="Centre B"),
            make_sheet(centre_name="Centre C"),
        ]
    )
    assert sorted(Action.objects.values_list("slug", flat=True)) == [
        "sejour-familles-a-la-mer",
        "sejour-familles-a-la-mer-2",
        "sejour-familles-a-la-mer-3",
    ]
    SheetLoader().load([make_sheet(centre_name="Centre D")])
    assert Action.objects.get(centre__name="Centre D").slug == "sejour-familles-a-la-mer-4"
    before = dict(Action.objects.values_list("pk", "slug"))
    SheetLoader().load([make_sheet(centre_name="Centre A", title="SÉJOUR FAMILLES À LA MER", summary="Changé")])
    assert dict(Action.objects.values_list("pk", "slug")) == before


def test_title_that_slugify_drops_gets_a_fallback_slug():
    SheetLoader().load([make_sheet(title="2019"), make_sheet(title="Œ", centre_name="Autre")])
    assert set(Action.objects.values_list("slug", flat=True)) == {"2019", "action"}


# -- Dry run, failures ----------------------------------------------------------------------------------


def test_dry_run_writes_nothing_and_reports_the_same_counts(seed_sheets):
    before = row_counts()
    dry = SheetLoader().load(seed_sheets, dry_run=True)
    assert row_counts() == before
    assert dry.dry_run is True
    real = SheetLoader().load(seed_sheets)
    assert (
        dry.summary_line()
        == real.summary_line()
        == "created: 22, updated: 0, unchanged: 0, duplicates: 3, rejected: 0, warnings: 0"
    )


def test_dry_run_of_a_reimport_reports_updates(seeded, seed_sheets):
    changed = [dataclasses.replace(seed_sheets[0], summary="Autre résumé"), *seed_sheets[1:]]
    report = SheetLoader().load(changed, dry_run=True)
    assert (report.created, report.updated, report.unchanged, report.duplicates) == (0, 1, 21, 3)
    assert Action.objects.get(title="SAMEDIS FESTIFS").summary != "Autre résumé"


def test_database_error_writes_nothing():
    good = make_sheet(title="Valide", centre_name="Centre neuf")
    bad = make_sheet(title="Invalide", status="suspendue")  # the parser never gives this; the database refuses it
    with pytest.raises(IntegrityError):
        SheetLoader().load([good, bad])
    assert row_counts() == dict.fromkeys(row_counts(), 0)


# -- Query counts ---------------------------------------------------------------------------------------


def queries_for(count: int, *, batch_size: int, prefix: str) -> int:
    sheets = parse_text(many_sheets(count, prefix=prefix)).sheets
    with CaptureQueriesContext(connection) as queries:
        report = SheetLoader(batch_size=batch_size).load(sheets)
    assert report.created == count
    return len(queries.captured_queries)


def test_query_count_does_not_grow_with_the_sheets_of_a_batch(django_assert_num_queries):
    # A savepoint and its release, the import lock, the import's moderation event.
    # Identity maps: centres, centre aliases, keywords, keyword aliases, partners, partner aliases.
    # Per batch: existing actions, action aliases, the slugs taken (centres, keywords, actions), the actions' ids,
    # then one COPY or INSERT per table (centres, keywords, actions, keyword links, publics) and per history table.
    expected = 24
    for count in (30, 60):
        with django_assert_num_queries(expected):
            report = SheetLoader().load(parse_text(many_sheets(count, prefix=f"Lot {count}")).sheets)
        assert report.created == count
        Action.objects.all().delete()


def test_query_count_grows_with_the_number_of_batches():
    one_batch = queries_for(60, batch_size=60, prefix="Un")
    three_batches = queries_for(60, batch_size=20, prefix="Trois")
    six_batches = queries_for(60, batch_size=10, prefix="Six")
    # Each batch after the first: existing actions and their aliases, the slugs taken, the actions' ids, and one
    # COPY or INSERT for actions, their history, keyword links and publics.
    per_batch = 8
    assert three_batches == one_batch + 2 * per_batch
    assert six_batches == one_batch + 5 * per_batch


def test_reimport_query_count_is_fixed(django_assert_num_queries):
    sheets = parse_text(many_sheets(120)).sheets
    SheetLoader().load(sheets)
    # Savepoint and release, the lock, centres and their aliases, existing actions and their aliases: nothing
    # else, whatever the number of sheets (an import that writes nothing leaves no moderation event).
    with django_assert_num_queries(7):
        report = SheetLoader().load(sheets)
    assert report.unchanged == 120


def test_progress_is_reported_after_each_batch():
    calls = []
    SheetLoader(batch_size=25, progress=calls.append).load(parse_text(many_sheets(60)).sheets)
    assert calls == [25, 25, 10]


def test_progress_counts_the_repeats_first(seed_sheets):
    calls = []
    SheetLoader(batch_size=10, progress=calls.append).load(seed_sheets)
    assert calls == [3, 10, 10, 2]
    assert sum(calls) == len(seed_sheets)


# -- The form path --------------------------------------------------------------------------------------


def snapshot(action: Action) -> dict:
    [row] = export_rows(Action.objects.filter(pk=action.pk))
    columns = ("declared_total", "declares_files", "files_text", "keyword_labels", "content_hash", "state")
    return row | {column: getattr(action, column) for column in columns} | relations(action)


def test_save_sheet_writes_the_same_rows_as_an_import():
    sheet = make_sheet()
    SheetLoader().load([sheet])
    imported = snapshot(Action.objects.get())
    Action.objects.all().delete()
    saved = SheetLoader().save_sheet(sheet, action=None, state=PublicationState.PUBLISHED)
    assert snapshot(saved) == imported
    assert Action.objects.count() == 1
    assert (saved.source_file, saved.source_line, saved.raw_text, saved.first_imported_at) == ("", None, "", None)


def test_save_sheet_updates_an_action_and_keeps_its_slug():
    action = SheetLoader().save_sheet(make_sheet(), action=None, state=PublicationState.PENDING)
    assert action.state == PublicationState.PENDING
    assert action.published_at is None
    slug = action.slug
    edited = make_sheet(title="Séjour à la montagne", keywords=["Montagne"], funding_lines=[])
    updated = SheetLoader().save_sheet(edited, action=action, state=PublicationState.PUBLISHED)
    assert updated.pk == action.pk
    updated.refresh_from_db()
    assert (updated.title, updated.slug, updated.state) == ("Séjour à la montagne", slug, PublicationState.PUBLISHED)
    assert updated.published_at is not None
    assert relations(updated)["keywords"] == ["Montagne"]
    assert relations(updated)["funding"] == []
    assert updated.funding_total == Decimal("9000.00")  # the declared total


def test_import_of_a_submitted_action_publishes_it():
    action = SheetLoader().save_sheet(make_sheet(), action=None, state=PublicationState.PENDING)
    report = SheetLoader().load([make_sheet(summary="Version du site fédéral")])
    assert report.updated == 1
    action.refresh_from_db()
    assert action.state == PublicationState.PUBLISHED
    assert action.published_at is not None


def test_an_import_that_publishes_leaves_one_moderation_event(seed_sheets):
    SheetLoader(change_reason="import_actions").load(seed_sheets)
    [event] = ModerationEvent.objects.all()
    assert (event.verb, event.action, event.actor) == (EventVerb.IMPORTED, None, None)
    assert (
        event.reason
        == "import_actions — created: 22, updated: 0, unchanged: 0, duplicates: 3, rejected: 0, warnings: 0"
    )
    SheetLoader(change_reason="import_actions").load(seed_sheets)  # writes nothing: no event
    assert ModerationEvent.objects.count() == 1
