"""Small pure helpers that normalize French text for identities and matching.

They run on every field of every imported sheet, so ``fold`` avoids any Python-level loop over the
characters: the combining marks left by the decomposition are removed only inside its runs of non-ASCII
characters (one regular expression finds them), each run through a ``str.translate`` table.
"""

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


def normalize_key(text: str) -> str:
    """The identity key of a name: accents and case folded, punctuation and whitespace collapsed.

    ``"CENTRE SOCIAL D'EMPALOT"`` and ``"Centre social d’Empalot "`` share the key ``"centre social d empalot"``.
    """
    return _NON_ALNUM.sub(" ", fold(text)).strip()


def collapse_whitespace(text: str) -> str:
    """Every run of whitespace becomes one space; used to compare contents regardless of layout."""
    return _WHITESPACE.sub(" ", text).strip()
