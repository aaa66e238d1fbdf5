"""Word-level differences between two texts: what the moderator's diff shows, and how much of a text changed.

Texts are compared as sequences of words and punctuation marks (``difflib`` on those tokens); the whitespace and
line breaks around them are kept as each text wrote them, so that each side of a diff gives back its own text
exactly (``"".join(segment.text for segment in side) == text``). Short runs of unchanged words between two changes
are folded into the change, as diff-match-patch's semantic cleanup does, so that a rewritten sentence reads as
one deletion and one insertion rather than a word salad.

difflib's cost grows with the product of the two lengths, and more on repetitive texts (two 3,200-word texts of a
few hundred distinct words took three minutes with ``autojunk=False``, seconds with difflib's default junk
heuristic). So the heuristic is kept, and beyond ``MAX_WORD_PAIRS`` texts are compared paragraph by paragraph (a
changed paragraph marked whole) and their changed share is difflib's bag-of-words bound (``quick_ratio``). The
longest text of the seed sheets has 687 words: real sheets are compared word by word.
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

EQUAL, INSERT, DELETE = "equal", "insert", "delete"

#: A word (letters, digits, underscores: ``\\w``) or one punctuation mark; whitespace separates tokens.
_TOKEN = re.compile(r"\w+|[^\w\s]")
#: The largest product of two texts' word counts compared word by word, in order (1,000 words each: a fraction of
#: a second at worst on a busy machine).
MAX_WORD_PAIRS = 1_000_000


@dataclass(frozen=True)
class Segment:
    op: str  # EQUAL, INSERT (only on the new side) or DELETE (only on the old side)
    text: str

    @property
    def changed(self) -> bool:
        return self.op != EQUAL


@dataclass(frozen=True)
class TextDiff:
    old: list[Segment]  # the old text, its deleted parts marked
    new: list[Segment]  # the new text, its inserted parts marked


def words(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _spans(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in _TOKEN.finditer(text)]


def _opcodes(old_words: list[str], new_words: list[str]) -> list[list]:
    """difflib's opcodes, with the short equal runs between two changes folded into them."""
    ops = [list(op) for op in SequenceMatcher(None, old_words, new_words).get_opcodes()]
    folded = True
    while folded:
        folded = False
        for k in range(1, len(ops) - 1):
            before, equal, after = ops[k - 1], ops[k], ops[k + 1]
            if equal[0] != "equal" or before[0] == "equal" or after[0] == "equal":
                continue
            size = equal[2] - equal[1]
            if size <= max(before[2] - before[1], before[4] - before[3]) and size <= max(
                after[2] - after[1], after[4] - after[3]
            ):
                ops[k - 1 : k + 2] = [["replace", before[1], after[2], before[3], after[4]]]
                folded = True
                break
    return ops


def _side(text: str, spans: list[tuple[int, int]], runs: list[tuple[bool, int, int]], op: str) -> list[Segment]:
    """The segments of one text: ``runs`` are (changed, first token, end token) in order."""
    segments: list[Segment] = []

    def add(kind: str, piece: str):
        if not piece:
            return
        if segments and segments[-1].op == kind:
            segments[-1] = Segment(kind, segments[-1].text + piece)
        else:
            segments.append(Segment(kind, piece))

    if not spans:
        add(op if text.strip() else EQUAL, text)
        return segments
    add(EQUAL, text[: spans[0][0]])
    for changed, first, end in runs:
        if first == end:
            continue
        start, stop = spans[first][0], spans[end - 1][1]
        after = spans[end][0] if end < len(spans) else len(text)
        add(op if changed else EQUAL, text[start:stop])
        add(EQUAL, text[stop:after])  # the whitespace after the run, as this text wrote it
    return segments


def diff(old: str, new: str) -> TextDiff:
    """The two texts, each cut into unchanged and changed (deleted, inserted) segments."""
    old_spans, new_spans = _spans(old), _spans(new)
    if len(old_spans) * len(new_spans) > MAX_WORD_PAIRS:
        return _paragraph_diff(old, new)
    old_words = [old[a:b] for a, b in old_spans]
    new_words = [new[a:b] for a, b in new_spans]
    ops = _opcodes(old_words, new_words)
    old_runs = [(tag != "equal", i1, i2) for tag, i1, i2, _, _ in ops]
    new_runs = [(tag != "equal", j1, j2) for tag, _, _, j1, j2 in ops]
    return TextDiff(old=_side(old, old_spans, old_runs, DELETE), new=_side(new, new_spans, new_runs, INSERT))


def _paragraph_diff(old: str, new: str) -> TextDiff:
    """Long texts: whole lines compared (each changed line marked whole, its line break left unmarked)."""
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    if len(old_lines) * len(new_lines) > MAX_WORD_PAIRS:
        old_lines, new_lines = [old], [new]
    old_side: list[Segment] = []
    new_side: list[Segment] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_lines, new_lines).get_opcodes():
        for side, lines, op in ((old_side, old_lines[i1:i2], DELETE), (new_side, new_lines[j1:j2], INSERT)):
            text = "".join(lines)
            if tag == "equal" or not text.strip():
                _append(side, Segment(EQUAL, text))
            else:
                body = text.rstrip()
                _append(side, Segment(op, body))
                _append(side, Segment(EQUAL, text[len(body) :]))
    return TextDiff(old=old_side, new=new_side)


def _append(side: list[Segment], segment: Segment):
    if not segment.text:
        return
    if side and side[-1].op == segment.op:
        side[-1] = Segment(segment.op, side[-1].text + segment.text)
    else:
        side.append(segment)


def changed_share(old: str, new: str) -> float:
    """How much of a text changed, from 0 (same words) to 1 (nothing in common): 1 − difflib's ratio on words
    (beyond ``MAX_WORD_PAIRS``, 1 − its bag-of-words bound, which order does not change)."""
    old_words, new_words = words(old), words(new)
    if old_words == new_words:
        return 0.0
    matcher = SequenceMatcher(None, old_words, new_words)
    if matcher.real_quick_ratio() == 0:
        return 1.0
    if len(old_words) * len(new_words) > MAX_WORD_PAIRS:
        return 1.0 - matcher.quick_ratio()
    return 1.0 - matcher.ratio()
