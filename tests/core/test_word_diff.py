"""The word diff: each side gives back its text exactly, changes are marked by word, and the share of a text that
changed."""

from hypothesis import given
from hypothesis import strategies as st

from actions_catalog.core.word_diff import DELETE, EQUAL, INSERT, MAX_WORD_PAIRS, changed_share, diff, words

texts = st.text(alphabet=st.sampled_from(list("ab cé,.\n-")), max_size=60)


@given(texts, texts)
def test_each_side_of_a_diff_gives_back_its_own_text(old, new):
    result = diff(old, new)

    assert "".join(segment.text for segment in result.old) == old
    assert "".join(segment.text for segment in result.new) == new
    assert {segment.op for segment in result.old} <= {EQUAL, DELETE}
    assert {segment.op for segment in result.new} <= {EQUAL, INSERT}


@given(texts)
def test_a_text_compared_with_itself_has_no_change(text):
    result = diff(text, text)

    assert not any(segment.changed for segment in result.old + result.new)
    assert changed_share(text, text) == 0.0


def test_changed_words_are_marked_and_the_rest_kept_with_its_line_breaks():
    result = diff(
        "Un jardin cultivé par les familles.\nDeux fois par semaine.",
        "Un jardin partagé cultivé par les familles.\nTrois fois par semaine.",
    )

    assert [(s.op, s.text) for s in result.new] == [
        (EQUAL, "Un jardin "),
        (INSERT, "partagé"),
        (EQUAL, " cultivé par les familles.\n"),
        (INSERT, "Trois"),
        (EQUAL, " fois par semaine."),
    ]
    assert [(s.op, s.text) for s in result.old if s.changed] == [(DELETE, "Deux")]


def test_a_rewritten_sentence_is_one_deletion_and_one_insertion_not_a_word_salad():
    result = diff("Le centre organise une sortie au musée", "Nous proposons une visite de la ferme")

    assert [s.op for s in result.old] == [DELETE]
    assert [s.op for s in result.new] == [INSERT]


def test_whitespace_after_a_change_stays_outside_the_mark():
    result = diff("un deux\ntrois", "un quatre\ntrois")

    assert [(s.op, s.text) for s in result.new] == [(EQUAL, "un "), (INSERT, "quatre"), (EQUAL, "\ntrois")]


def test_the_changed_share_goes_from_nothing_to_everything():
    assert changed_share("a b c d", "a b c d") == 0.0
    assert changed_share("a b c d", "a b c e") == 0.25
    assert changed_share("un texte", "") == 1.0
    assert changed_share("", "un texte") == 1.0
    assert changed_share("un deux trois", "quatre cinq six") == 1.0
    assert changed_share("", "") == 0.0


def long_text(lines: int, *, changed: int | None = None) -> str:
    """``lines`` lines of 20 words (few distinct ones: the worst case of difflib), line ``changed`` reworded."""
    return "\n".join(
        " ".join(f"mot{(n + i) % 40}" for i in range(20)) if n != changed else "une toute autre ligne"
        for n in range(lines)
    )


def test_texts_too_long_to_compare_word_by_word_are_compared_line_by_line():
    old, new = long_text(60), long_text(60, changed=30)  # 1,200 words each: beyond MAX_WORD_PAIRS
    assert len(words(old)) * len(words(new)) > MAX_WORD_PAIRS

    result = diff(old, new)

    assert "".join(segment.text for segment in result.new) == new
    assert [segment.text for segment in result.new if segment.changed] == ["une toute autre ligne"]
    assert [segment.text.count("\n") for segment in result.old if segment.changed] == [0]
    assert 0 < changed_share(old, new) < 0.1


def test_a_long_text_of_one_line_rewritten_is_one_deletion_and_one_insertion():
    old = " ".join(f"mot{i % 40}" for i in range(1200))
    new = " ".join(f"autre{i % 40}" for i in range(1100))

    result = diff(old, new)

    assert [(segment.op, segment.text) for segment in result.old] == [(DELETE, old)]
    assert [(segment.op, segment.text) for segment in result.new] == [(INSERT, new)]
    assert changed_share(old, new) == 1.0
