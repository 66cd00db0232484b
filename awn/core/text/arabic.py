"""The one Arabic normalizer used by every search and comparison in Awn.

Folds the spelling variants users type interchangeably: alef/hamza forms, ta marbuta, alef maqsura,
diacritics (harakat, shadda, sukun), tatweel, Arabic-Indic digits, and letters repeated for emphasis.
"""

from __future__ import annotations

import re
import unicodedata

from .lexicon import DERIVATION_FAMILIES, LOANWORDS

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
    return text.translate(_CHAR_MAP) if text else ""  # pragma: no mutate ("".translate is "")


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
    return normalized_tokens(normalize_arabic(text))


def normalized_tokens(normalized: str) -> list[str]:
    """`tokenize` of a text `normalize_arabic` already returned (a caller that keeps the normalized form)."""
    return _TOKEN.findall(normalized)


def stem(token: str) -> str:
    """Light stem of one normalized token: strip one article prefix, then one suffix, keeping ≥ 3 letters.

    Measured against Snowball's Arabic stemmer on normalized text: Snowball stems «مدرسه» to «مدرس» but
    «المدرسه» to «مدرسه», and keeps «وال»/«فال» prefixes, so variants users type do not meet.
    (The intent classifier reads this function: search-only prefix rules live in `_search_prefix`, used by `_stem_forms`.)
    """
    if not token or not _is_arabic(token):
        return token
    for prefix in _PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= _MIN_STEM:
            token = token[len(prefix) :]
            break
    return _strip_suffix(token)


def _strip_suffix(token: str) -> str:
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= _MIN_STEM:
            return token[: -len(suffix)]
    return token


# --- Search-only rules (issue 13, defect 9). The index stores `search_terms`; a query word may stand for several
# index terms (`query_alternatives`), which is how hamza seats and joined ب/ف meet without changing what
# `normalize_arabic` returns.

# Words whose leading «ال» is part of the word, not the article (إلهام is not ال + هام), normalized.
_AL_WORDS = tuple(
    normalize_arabic(word)
    for word in [
        "إلهام",
        "التزام",
        "التحاق",
        "إلغاء",
        "إلزام",
        "إلكترون",
        "التماس",
        "إلحاح",
        "التقاء",
        "إلقاء",
        "إلحاق",
    ]
)
_AL_CARRIERS = ("", "و", "ف", "ب", "ك", "ل", "ال", "وال", "بال", "فال", "كال", "لل")
# Conjunction + preposition + article, stripped like the article (longest first).
_SEARCH_PREFIXES = ("وبال", "فبال", "ولل", "فلل")
# A joined ب/ف (and وب/فب): ambiguous with words that start with those letters, so the index keeps the word and
# adds the stripped form, and a query word may match either. Words (stems) that really start with ب/ف:
_PROCLITICS = ("وب", "فب", "ب", "ف")
_PROCLITIC_WORDS = tuple(
    normalize_arabic(word)
    for word in [
        "بريد",
        "برنامج",
        "برامج",
        "برمج",
        "بطاق",
        "بيان",
        "بحث",
        "بنك",
        "بداي",
        "بيت",
        "باب",
        "بلد",
        "بواب",
        "بلاغ",
        "باق",
        "بصم",
        "بنت",
        "بسبب",
        "بدون",
        "بين",
        "بعد",
        "بخصوص",
        "بكالوريوس",
        "باسورد",
        "فاتور",
        "فريق",
        "فصل",
        "فرع",
        "فتر",
        "فكر",
        "فرص",
        "فيديو",
        "فيز",
        "فلوس",
        "فحص",
        "فني",
        "فقط",
        "فوق",
        "فورم",
        "فعال",
        "فيس",
    ]
)
_HAMZA_ON_LINE = str.maketrans({"ؤ": "ء", "ئ": "ء"})
_HAMZA_SEATS = ("ء", "و", "ي")


def _search_prefix(token: str) -> str:
    for carrier in _AL_CARRIERS:
        rest = token[len(carrier) :]
        if token.startswith(carrier) and rest.startswith(_AL_WORDS):
            return rest
    for prefix in _SEARCH_PREFIXES + _PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= _MIN_STEM:
            return token[len(prefix) :]
    return token


# Suffixes after which the word ended in ة (شهادات، شهادتي، نتيجته): the stem also stands for the ة form.
_FEMININE_SUFFIXES = ("اتها", "اتهم", "اتي", "اته", "ات", "تي", "ته")


def _stem_forms(token: str, ta_marbuta: bool, *, query: bool = False) -> list[str]:
    """The index terms of one token. A word written with ة keeps it (مدرسة ≠ مدرس); a final ه may be ة or the
    pronoun (مدرسه، حسابه), so the index keeps both (a query «مدرسه» means the ة word and does not find «مدرسين»);
    a feminine plural or ة + pronoun also stands for the ة form."""
    if not token or not _is_arabic(token):
        return [token]
    base = _search_prefix(token)
    if ta_marbuta:
        return [base]
    stemmed = _strip_suffix(base)
    if stemmed == base:
        return [base]
    suffix = base[len(stemmed) :]
    if suffix == "ه":
        return [base] if query else [stemmed, base]
    if suffix in _FEMININE_SUFFIXES:
        return [stemmed, stemmed + "ه"]
    return [stemmed]


def _without_proclitic(token: str) -> str | None:
    """The token without a joined ب/ف (or وب/فب) when what remains is a plausible word, else None."""
    if not _is_arabic(token) or token.startswith(_PROCLITIC_WORDS) or token[1:].startswith(_PROCLITIC_WORDS):
        return None
    for prefix in _PROCLITICS:
        rest = token[len(prefix) :]
        if token.startswith(prefix) and len(rest) >= _MIN_STEM and not rest.startswith("ال"):
            return rest
    return None


def _word_terms(token: str, ta_marbuta: bool = False, *, query: bool = False) -> list[str]:
    terms = _stem_forms(token, ta_marbuta, query=query)
    rest = _without_proclitic(token)
    if rest is not None and rest not in STOP_WORDS:
        terms += _stem_forms(rest, ta_marbuta, query=query)
    return list(dict.fromkeys(terms + _lexicon_keys(token)))


# --- Derived forms and loanwords (issue 13, defect 9, second probe set). A word of a controlled family adds the
# family's key to the index and to its query alternatives: «صدرت» and «إصدار» both carry «اصدار», «لوجن» and
# «login» both carry «login». The lists are in `lexicon.py`; the patterns here.

_PERFECT_ENDINGS = ("", "ت", "تي", "تم", "تو", "نا", "وا", "ن")
_IMPERFECT_PERSONS = ("ي", "ت", "ن", "ا")
_IMPERFECT_ENDINGS = ("", "ون", "ين", "وا", "ان", "و")


def _measure(root: str, form: str) -> tuple[str, str]:
    """The perfect stem and the imperfect stem (without its person prefix) of a sound root in one measure,
    unvoweled: 1 and 2 look alike (فعل/يفعل), 4 is أفعل/يفعل, 8 افتعل/يفتعل, 10 استفعل/يستفعل."""
    first, rest = root[0], root[1:]
    stems = {
        "1": (root, root),
        "2": (root, root),
        "4": ("ا" + root, root),
        "8": ("ا" + first + "ت" + rest, first + "ت" + rest),
        "10": ("است" + root, "ست" + root),
    }
    return stems[form]


def _family_spellings(root: str, forms: str, masdars: str, extra: str) -> set[str]:
    spellings = set(masdars.split()) | set(extra.split())
    for form in forms.split():
        perfect, imperfect = _measure(root, form.removesuffix("p"))
        spellings |= {perfect + ending for ending in _PERFECT_ENDINGS}
        spellings |= {person + imperfect + end for person in _IMPERFECT_PERSONS for end in _IMPERFECT_ENDINGS}
        if form.endswith("p"):  # the passive participle: مفعول (form 1), مفعل (form 4)
            spellings.add("م" + root[:2] + "و" + root[2] if form == "1p" else "م" + root)
    return {normalize_arabic(spelling) for spelling in spellings}


def _lexicon_table() -> dict[str, str]:
    """Normalized spelling → key. A spelling two families claim is left out (it could be either word)."""
    claims: dict[str, set[str]] = {}
    for root, forms, masdars, extra in DERIVATION_FAMILIES:
        key = normalize_arabic(masdars.split()[0])
        for spelling in _family_spellings(root, forms, masdars, extra):
            claims.setdefault(spelling, set()).add(key)
    for english, spellings in LOANWORDS.items():
        for spelling in spellings.split():
            claims.setdefault(normalize_arabic(spelling), set()).add(english)
    return {spelling: keys.pop() for spelling, keys in claims.items() if len(keys) == 1}


_LEXICON = _lexicon_table()
# What may come before a lexicon word: the article (with its particles) or one joined و/ف/ب/ل («وسجلت»، «لتسجيل»).
_LEXICON_PREFIXES = tuple(dict.fromkeys(_SEARCH_PREFIXES + _PREFIXES + ("و", "ف", "ب", "ل")))


def _lexicon_keys(token: str) -> list[str]:
    """The family or loanword keys of one normalized token, tried as written and without a prefix, each with and
    without a suffix (an attached pronoun or plural ending: «طبعته»، «ايميلات»)."""
    if not token or not _is_arabic(token):
        return []
    rests = [token] + [token[len(p) :] for p in _LEXICON_PREFIXES if token.startswith(p)]
    candidates = {c for rest in rests for c in (rest, _strip_suffix(rest))}
    return sorted({_LEXICON[c] for c in candidates if c in _LEXICON})


# --- Consonant skeletons, for Arabizi. Transliteration is lossy (s for س or ص, a short vowel for a long one), so
# Arabizi text is indexed with its Arabic spelling and that spelling's consonant skeleton (`arabizi.index_terms`), a
# term in its own namespace (marked by «ٮ», a letter no token contains) that only Arabizi text and the skeleton
# alternatives of a query carry: Arabic text never meets Arabic text through it.

SKELETON_MARK = "\u066e"
_SKELETON_FOLD = str.maketrans(
    {"ص": "س", "ث": "س", "ذ": "ز", "ظ": "ز", "ض": "د", "ط": "ت", "ح": "ه", "ق": "ك", "ة": "ه"}
    | dict.fromkeys("اويء", None)
)
_DOUBLED = re.compile(r"([\u0621-\u064a])\1")
_SKELETON_MIN = 2


def skeleton(term: str) -> str | None:
    """The consonant skeleton of an Arabic term, in the skeleton namespace; None for other terms or when fewer
    than two letters remain."""
    if not term or not _is_arabic(term) or term.startswith(SKELETON_MARK):
        return None
    letters = _DOUBLED.sub(r"\1", term.translate(_SKELETON_FOLD))
    return SKELETON_MARK + letters if len(letters) >= _SKELETON_MIN else None


def with_skeletons(terms: list[str]) -> list[str]:
    """`terms` followed by their skeletons."""
    return list(dict.fromkeys(terms + [sk for term in terms if (sk := skeleton(term)) is not None]))


_TA_MARKER = "\u06c3"  # a letter `normalize_arabic` keeps, standing for ة while tokenizing


def _marked_tokens(text: str) -> list[tuple[str, str, bool]]:
    """Each token with its hamza seats marked «ء» and whether it was written with a final ة."""
    text = unicodedata.normalize("NFKC", text or "")
    plain = tokenize(text)
    seated = _TOKEN.findall(normalize_arabic(text.translate(_HAMZA_ON_LINE)))
    marked = _TOKEN.findall(normalize_arabic(text.replace("ة", _TA_MARKER)))
    if not (len(seated) == len(marked) == len(plain)):  # a letter swap inside Arabic words: cannot happen
        seated = marked = plain  # pragma: no mutate (unreachable: the three tokenizations align)
    # The lists are equally long (checked above): `strict` changes nothing, hence no mutation of it.
    rows = zip(plain, seated, marked, strict=True)  # pragma: no mutate
    return [(t, s, m.endswith(_TA_MARKER)) for t, s, m in rows]


def search_terms(text: str) -> list[str]:
    """What search indexes: normalized tokens without stop words, stemmed (a joined ب/ف adds the bare word; a
    word of a derivation family or a loanword adds its key). The index adds Arabizi words' Arabic spellings
    (`arabizi.index_terms`)."""
    return [
        term
        for token, _seated, ta_marbuta in _marked_tokens(text)
        if token not in STOP_WORDS
        for term in _word_terms(token, ta_marbuta)
    ]


def query_alternatives(text: str) -> list[tuple[str, ...]]:
    """Per query word, the index terms it may match, its own term first.

    A word written with a hamza seat (ئ، ؤ، ء inside the word) matches the same word with any seat: «مسئول» finds
    «مسؤول» and «مسءول» (and the bare «مسوول» / «مسيول» people type).
    """
    words: list[tuple[str, ...]] = []
    for token, marked, ta_marbuta in _marked_tokens(text):
        if token in STOP_WORDS:
            continue
        variants = [token]
        if "ء" in marked[:-1]:
            variants += [marked[:-1].replace("ء", seat) + marked[-1] for seat in _HAMZA_SEATS]
        terms = [term for variant in variants for term in _word_terms(variant, ta_marbuta, query=True)]
        words.append(tuple(dict.fromkeys(terms)))
    return words


def search_query(text: str) -> list[tuple[str, ...]]:
    """Per word of an Arabic or English query, the index terms it may match: `query_alternatives`, and for an
    Arabic word the skeletons of its terms, which find the word in Arabizi text."""
    return [tuple(with_skeletons(list(group))) for group in query_alternatives(text)]


def transliterated_terms(text: str, known: set[str]) -> list[str]:
    """Index terms, each followed by its skeleton, of the Arabic words of `text` not in `known`: what the Arabic
    spelling of an Arabizi text adds to the index (`arabizi.index_terms`)."""
    return [
        term
        for token, _seated, ta_marbuta in _marked_tokens(text)
        if token not in known and token not in STOP_WORDS and _is_arabic(token)
        for term in with_skeletons(_word_terms(token, ta_marbuta))
    ]


def without_diacritics(text: str) -> str:
    """The text without Arabic vowel marks and Quranic annotation signs (letters, hamzas and tatweel kept)."""
    return _DIACRITICS.sub("", text)
