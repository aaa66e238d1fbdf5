"""The text format of the site's pages: blocks, inline links, the contact address, placeholders; all escaped."""

from actions_catalog.editorial.markup import render


def test_blocks_become_headings_paragraphs_and_lists():
    html = render("## Éditeur\nLa fédération.\nDeuxième ligne.\n\nIntro :\n- un\n- deux\n\n### Détail\nFin")
    assert html == (
        "<h2>Éditeur</h2>\n<p>La fédération.<br>Deuxième ligne.</p>\n"
        "<p>Intro :</p>\n<ul><li>un</li><li>deux</li></ul>\n<h3>Détail</h3>\n<p>Fin</p>"
    )


def test_links_email_and_placeholders():
    html = render(
        "Voir [la CNIL](https://www.cnil.fr/) ou [ici](/donnees/), écrivez à {courriel}. [À compléter : date]",
        email="c@x.org",
    )
    assert '<a href="https://www.cnil.fr/">la CNIL</a>' in html
    assert '<a href="/donnees/">ici</a>' in html
    assert '<a href="mailto:c@x.org">c@x.org</a>' in html
    assert '<mark class="placeholder">À compléter : date</mark>' in html
    assert '<mark class="placeholder">À compléter : adresse de contact</mark>' in render("{courriel}")


def test_everything_is_escaped_and_unsafe_links_stay_text():
    html = render('<script>alert(1)</script> [clic](javascript:alert(1)) [a](https://x.org/"onmouseover="y)')
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html and "[clic](javascript:alert(1))" in html
    assert 'onmouseover="' not in html
