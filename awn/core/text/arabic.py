"""The one Arabic normalizer used by every search and comparison in Awn.

Folds the spelling variants users type interchangeably: alef/hamza forms, ta marbuta, alef maqsura,
diacritics (harakat, shadda, sukun), tatweel, Arabic-Indic digits, and letters repeated for emphasis.
"""

from __future__ import annotations

import re
import unicodedata

_DIACRITICS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]")
_TATWEEL = "\u0640"
_CHAR_MAP = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ئ": "ي",
        "ى": "ي",
        "ة": "ه",
        "گ": "ك",
        "ک": "ك",
        "ی": "ي",
        # Arabic-Indic and Eastern Arabic-Indic digits to Latin.
        **{chr(0x0660 + d): str(d) for d in range(10)},
        **{chr(0x06F0 + d): str(d) for d in range(10)},
    }
)
_REPEATED = re.compile(r"([\u0621-\u064a])\1{2,}")
_SPACES = re.compile(r"\s+")


def normalize_arabic(text: str) -> str:
    """Return a lower-cased, folded form of `text` suitable for indexing and matching."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = _DIACRITICS.sub("", text).replace(_TATWEEL, "")
    text = text.translate(_CHAR_MAP)
    text = _REPEATED.sub(r"\1", text)
    return _SPACES.sub(" ", text).strip().casefold()


def normalize_digits(text: str) -> str:
    """Only map Arabic-Indic digits to Latin (for ids and phone numbers)."""
    return text.translate(_CHAR_MAP) if text else ""
