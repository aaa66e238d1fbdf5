"""Small pure helpers that normalize French text for identities and matching.

They run on every field of every imported sheet, so ``fold`` avoids any Python-level loop over the
characters: the combining marks left by the decomposition are removed only inside its runs of non-ASCII
characters (one regular expression finds them), each run through a ``str.translate`` table. ``fold_label`` is
the form in which the parser matches a sheet's label lines; ``strip_invisible`` removes the characters that
show nothing (zero-width spaces…), which a copy from a web page leaves in list items.
"""

import functools
import re
import unicodedata

_LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"}
_LIGATURE = re.compile("[" + "".join(_LIGATURES) + "]")
#: Every combining character (all lie between U+0300 and U+1FFFF; a test checks the whole of Unicode).
COMBINING_RANGE = range(0x300, 0x20000)
_DROP_COMBINING = dict.fromkeys(c for c in COMBINING_RANGE if unicodedata.combining(chr(c)))
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_WHITESPACE = re.compile(r"\s+")
#: Unicode's default-ignorable code points: characters that show nothing (zero-width spaces and joiners, the word
#: joiner, the soft hyphen, bidirectional marks, the byte-order mark, variation selectors, fillers).
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u3164"
    "\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)
#: Typographic apostrophes and the marks typed for one, read as ``'``.
_APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u2018\u201b\u02bc\u2032\u00b4\u0060\u02b9", "'"))
_AROUND_MARKS = re.compile(r" ?([:?]) ?")


def _spell_ligature(match: re.Match) -> str:
    return _LIGATURES[match[0]]


def _strip_combining(match: re.Match) -> str:
    return match[0].translate(_DROP_COMBINING)


def fold(text: str) -> str:
    """Lower-case ``text`` and strip its accents: ``"Séjour Œuvre"`` → ``"sejour oeuvre"``."""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", _LIGATURE.sub(_spell_ligature, text))
    return _NON_ASCII.sub(_strip_combining, decomposed).casefold()


@functools.lru_cache(maxsize=1 << 16)
def normalize_key(text: str) -> str:
    """The identity key of a name: accents and case folded, punctuation and whitespace collapsed (cached: imports
    ask for the keys of the same labels, choices and names again and again).

    ``"CENTRE SOCIAL D'EMPALOT"`` and ``"Centre social d’Empalot "`` share the key ``"centre social d empalot"``.
    """
    return _NON_ALNUM.sub(" ", fold(text)).strip()


def collapse_whitespace(text: str) -> str:
    """Every run of whitespace becomes one space; used to compare contents regardless of layout."""
    return _WHITESPACE.sub(" ", text).strip()


def strip_invisible(text: str) -> str:
    """``text`` without the characters that show nothing: ``"Numé\u200brique"`` → ``"Numérique"``."""
    return text if text.isascii() else _INVISIBLE.sub("", text)


def fold_label(text: str) -> str:
    """The form in which a label line of a sheet is matched: Unicode NFKC (no-break and narrow no-break spaces
    become spaces), invisible characters removed, typographic apostrophes straight, case folded, whitespace
    collapsed, no space around ``:`` and ``?`` nor after a leading dash.

    ``"- Qui est à l’initiative de l’action\u00a0?"`` and ``"- qui est à l'initiative de l'action?"`` fold alike.
    """
    if not text.isascii():
        text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).translate(_APOSTROPHES)
    text = " ".join(text.casefold().split())
    if ":" in text or "?" in text:
        text = _AROUND_MARKS.sub(r"\1", text)
    if text.startswith("- "):
        text = "-" + text[2:]
    return text
