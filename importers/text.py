"""Small pure helpers that normalize French text for identities and matching.

They run on every field of every imported sheet, so ``fold`` avoids a Python-level loop over the characters:
the accents are stripped only inside the (rare) runs of non-ASCII characters left by the decomposition.
"""

import re
import unicodedata

_LIGATURES = {"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"}
_LIGATURE = re.compile("[" + "".join(_LIGATURES) + "]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_WHITESPACE = re.compile(r"\s+")


def _spell_ligature(match: re.Match) -> str:
    return _LIGATURES[match[0]]


def _strip_combining(match: re.Match) -> str:
    return "".join(c for c in match[0] if not unicodedata.combining(c))


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
