"""French full-text search: french_unaccent (accents, stems), websearch syntax, ranking, escaped excerpts."""

import importlib
from urllib.parse import urlencode

from django.http import QueryDict

from actions_catalog.catalogue import excerpts
from actions_catalog.catalogue.listing import build_listing
from actions_catalog.core import search
from actions_catalog.core.models import Keyword


def found(q: str, **params) -> list[str]:
    listing = build_listing(QueryDict(urlencode({"q": q, **params})), paginate=False)
    return list(listing.queryset.values_list("title", flat=True))


def test_search_ignores_accents_and_case(seeded):
    titles = found("sejour")
    assert "Séjour Autofinancé Barcelone" in titles
    assert "Mise en place séjour au ski interquartier" in titles
    assert set(found("SÉJOUR")) == set(titles)


def test_lanternes_finds_the_lantern_parade_first(seeded):
    assert found("lanternes")[0] == "Les lumières de la paix"


def test_every_word_of_the_query_must_occur(seeded):
    both = set(found("séjour ski"))
    assert both == {"Mise en place séjour au ski interquartier"}
    assert both < set(found("séjour"))


def test_a_word_found_nowhere_gives_no_result(seeded):
    assert found("zzyzxwq") == []
    assert found("séjour zzyzxwq") == []


def test_search_reads_keywords_and_text_sections(seeded):
    assert "Les lumières de la paix" in found("déambulation")  # a word of the context section


def test_relevance_is_the_default_order_when_searching(client, seeded):
    response = client.get("/actions/?q=lanternes")
    assert response.context["listing"].sort == "relevance"
    response = client.get("/actions/")
    assert response.context["listing"].sort == "recent"


def test_title_matches_rank_first(seeded):
    titles = found("séjour")
    first_without_title = next(i for i, t in enumerate(titles) if "séjour" not in t.lower())
    assert all("séjour" in t.lower() for t in titles[:first_without_title])
    assert first_without_title >= 5


def test_sort_recent_overrides_relevance_when_searching(seeded):
    by_recent = found("séjour", sort="recent")
    assert set(by_recent) == set(found("séjour"))
    listing = build_listing(QueryDict("q=s%C3%A9jour&sort=recent"), paginate=False)
    stamps = list(listing.queryset.values_list("updated_at", flat=True))
    assert stamps == sorted(stamps, reverse=True)


def test_excerpts_mark_the_matches_after_escaping(client, make_action):
    make_action("Fête de quartier", summary="<script>alert(1)</script> Un séjour & des <b>jeux</b>.")
    response = client.get("/actions/?q=sejour")
    action = response.context["listing"].actions[0]
    html = str(action.excerpt)
    assert "<mark>séjour</mark>" in html or "<mark>Séjour</mark>" in html
    assert "<script>" not in html and "<b>" not in html  # dropped by ts_headline, else escaped
    assert "&amp;" in html
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page


def test_marked_text_is_escaped_before_marks_become_html():
    marked = f"<img src=x onerror=alert(1)> {excerpts._START}séjour{excerpts._STOP} & <b>"
    html = str(excerpts.marked_to_html(marked))
    assert html == "&lt;img src=x onerror=alert(1)&gt; <mark>séjour</mark> &amp; &lt;b&gt;"


def test_excerpt_keeps_a_stray_marker_out_of_the_html(make_action):
    action = make_action("Marqueurs", summary=f"texte {excerpts._START} séjour {excerpts._STOP}{excerpts._STOP} fin")
    html = str(excerpts.excerpt(_with_headline(action, "séjour")))
    assert excerpts._START not in html and excerpts._STOP not in html
    assert html.count("<mark>") == html.count("</mark>") == 1


def _with_headline(action, q):
    from actions_catalog.core.models import Action

    return excerpts.with_excerpts(Action.objects.filter(pk=action.pk), q).get()


def test_renaming_a_keyword_updates_the_search_of_its_actions(seeded):
    assert found("zanzibarologie") == []
    keyword = Keyword.objects.get(slug="culture")
    keyword.label = "Zanzibarologie"
    keyword.save()
    assert set(found("zanzibarologie")) == set(found("", keyword="culture"))
    assert len(found("zanzibarologie")) == 4


def test_deleting_a_keyword_of_an_action_in_the_admin_form_refreshes_its_search(seeded):
    from actions_catalog.core.models import Action

    forum = Action.objects.get(title="Forum Seniors")
    assert "Forum Seniors" in found("viellissement")
    forum.keywords.remove(Keyword.objects.get(label="Viellissement"))  # what the admin's form does
    assert "Forum Seniors" not in found("viellissement")


def test_a_query_of_punctuation_only_finds_nothing(seeded):
    assert found("!!!") == []


def test_postgresql_stems_french_words(seeded):
    assert "Les lumières de la paix" in found("lanterne")
    assert set(found("séjours")) == set(found("séjour"))


def test_postgresql_websearch_syntax(seeded):
    assert set(found('"séjour collectif"')) <= set(found("séjour collectif"))
    assert "Les vacances ça se prépare : séjour collectif familles" in found('"séjour collectif"')
    without_ski = set(found("séjour -ski"))
    assert "Mise en place séjour au ski interquartier" not in without_ski
    assert without_ski < set(found("séjour"))
    assert set(found("lanternes OR barcelone")) == set(found("lanternes")) | set(found("barcelone"))


def test_postgresql_ranks_title_matches_above_text_matches(seeded):
    titles = found("séjour")
    assert "séjour" in titles[0].lower()


def test_postgresql_vector_follows_a_renamed_keyword(seeded):
    from actions_catalog.core.models import Action

    keyword = Keyword.objects.get(slug="culture")
    keyword.label = "Zanzibarologie"
    keyword.save()
    ids = set(Action.objects.filter(search_vector=search.query("zanzibarologie")).values_list("pk", flat=True))
    assert ids == set(keyword.actions.values_list("pk", flat=True))


def test_plural_and_accents_find_the_same_actions_from_the_page(client, seeded):
    """``?q=sejours`` finds what ``?q=sejour`` finds (the French stemmer, on every database the project runs)."""
    pages = [client.get("/actions/", {"q": q}).context["listing"].total for q in ("sejours", "sejour", "Séjours")]
    assert pages[0] == pages[1] == pages[2] > 0
    assert set(found("sejours")) == set(found("séjour"))


def test_the_search_trigger_reads_the_columns_of_the_registry():
    migration = importlib.import_module("actions_catalog.core.migrations.0007_search_vector_trigger")
    assert migration.OTHER_TEXT_COLUMNS == search.WEIGHTS["C"]
    assert search.WEIGHTS["A"] == ("title",) and search.WEIGHTS["B"] == ("keywords", "summary")
