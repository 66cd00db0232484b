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


# --- Search terms: tokenize → drop stop words → light stem. Index and query go through the same path. ---

# Letters and digits only, after normalization; Arabic, Latin-like letters and digits are separate tokens so
# SQLite FTS5 and PostgreSQL's parser split the stored terms the same way.
_TOKEN = re.compile(r"[0-9]+|[\u0621-\u064a\u0671-\u06d3]+|[^\W\d_\u0600-\u06ff]+")

# Small and curated, in normalized spelling. Not «على»: it folds to «علي», a common first name.
STOP_WORDS = frozenset(
    normalize_arabic(word)
    for word in [
        "في",
        "من",
        "الى",
        "إلى",
        "عن",
        "ان",
        "أن",
        "إن",
        "هل",
        "ما",
        "لا",
        "لم",
        "لن",
        "و",
        "يا",
        "او",
        "أو",
        "ثم",
        "قد",
        "لقد",
        "كان",
        "كانت",
        "هذا",
        "هذه",
        "ذلك",
        "تلك",
        "الذي",
        "التي",
        "الذين",
        "مع",
        "به",
        "بها",
        "له",
        "لها",
        "كل",
        "بعض",
        "اي",
        "أي",
        "هو",
        "هي",
        "هم",
        "انا",
        "أنا",
        "نحن",
        "انت",
        "أنت",
        "عند",
        "ماذا",
        "كيف",
        "متى",
        "اين",
        "أين",
        "لماذا",
        "حتى",
        "اذا",
        "إذا",
        "لو",
        "بعد",
        "قبل",
        "منذ",
        "الا",
        "إلا",
        "غير",
        "يتم",
        "تم",
        "ايضا",
        "أيضا",
    ]
)

# Longest first. Prefixes: the article with its attached conjunctions and prepositions (a bare و/ب/ف is not
# stripped: too many words start with those letters). Suffixes: plural endings and attached pronouns; ة was
# already folded to ه so «مدرسة»/«مدرسه» meet at «مدرس».
_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
_SUFFIXES = (
    "اتها",
    "اتهم",
    "اتي",
    "اته",
    "ات",
    "ون",
    "ين",
    "ها",
    "هم",
    "كم",
    "نا",
    "تي",
    "ته",
    "ه",
    "ي",
    "ك",
)
_MIN_STEM = 3


def _is_arabic(token: str) -> bool:
    return "\u0621" <= token[0] <= "\u06d3"


def tokenize(text: str) -> list[str]:
    """Normalized word tokens (Arabic, Latin, digits); punctuation, symbols and emoji are dropped."""
    return _TOKEN.findall(normalize_arabic(text))


def stem(token: str) -> str:
    """Light stem of one normalized token: strip one article prefix, then one suffix, keeping ≥ 3 letters.

    Measured against Snowball's Arabic stemmer on normalized text: Snowball stems «مدرسه» to «مدرس» but
    «المدرسه» to «مدرسه», and keeps «وال»/«فال» prefixes, so variants users type do not meet.
    """
    if not token or not _is_arabic(token):
        return token
    for prefix in _PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= _MIN_STEM:
            token = token[len(prefix) :]
            break
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= _MIN_STEM:
            return token[: -len(suffix)]
    return token


def search_terms(text: str) -> list[str]:
    """What search indexes and queries: normalized tokens without stop words, stemmed."""
    return [stem(token) for token in tokenize(text) if token not in STOP_WORDS]
