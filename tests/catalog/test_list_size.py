"""The list page stays light with a real catalogue: every facet option is in the HTML (so that "Voir les N" works
without JavaScript), and yet an unfiltered page of 2,022 actions weighs under 60 KB."""

from actions_catalog.core.writer import SheetLoader
from importers.parser import parse_text
from importers.synthetic import SheetGenerator

LIMIT = 60_000


def test_an_unfiltered_list_of_2022_actions_is_under_60_kb(client, seeded):
    generated = parse_text("".join(SheetGenerator(actions=2000, centres=200, seed=1).lines()), "generated.txt")
    assert SheetLoader().load(generated.sheets).created == 2000
    html = client.get("/actions/").content
    assert "2\u00a0022 actions publiées" in html.decode()
    assert html.count(b'type="checkbox"') > 150  # the facets are all there, the long ones behind "Voir les N"
    assert len(html) < LIMIT, len(html)
