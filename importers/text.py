"""Small pure helpers that normalize French text for identities and matching."""

import re
import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_WHITESPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case ``text`` and strip its accents: ``"Séjour Œuvre"`` → ``"sejour oeuvre"``."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normalize_key(text: str) -> str:
    """The identity key of a name: accents and case folded, punctuation and whitespace collapsed.

    ``"CENTRE SOCIAL D'EMPALOT"`` and ``"Centre social d’Empalot "`` share the key ``"centre social d empalot"``.
    """
    return _NON_ALNUM.sub(" ", fold(text)).strip()


def collapse_whitespace(text: str) -> str:
    """Every run of whitespace becomes one space; used to compare contents regardless of layout."""
    return _WHITESPACE.sub(" ", text).strip()
