"""Arabizi (Arabic written in Latin letters and digits: «nseet el password», «ibni 3ndo ghiyab») to Arabic script.

Only tokens that look like Arabizi are transliterated: a token mixing letters with the digits users write for
Arabic letters (2 ء, 3 ع, 5 خ, 6 ط, 7 ح, 8 ق/غ, 9 ص), or a common Arabizi word («ana», «el», «abi», «kef»).
English words («password», «upload») are kept as they are so the English glossary can still translate them.
The output is for search and retrieval, not for display: it spells the way most Gulf users would read it
(«8» as ق, as in «ra8m» → «رقم»), and the normalizer folds the rest.
"""

from __future__ import annotations

import re
from itertools import combinations, product

from .arabic import search_query, search_terms, tokenize, transliterated_terms

# Longest first: digraphs before single letters.
_DIGRAPHS = (
    ("sh", "ش"),
    ("ch", "ش"),
    ("th", "ث"),
    ("dh", "ض"),
    ("kh", "خ"),
    ("gh", "غ"),
    ("ou", "و"),
    ("oo", "و"),
    ("ee", "ي"),
    ("ei", "ي"),
    ("ai", "ي"),
    ("ay", "ي"),
    ("aa", "ا"),
)
_LETTERS = {
    "2": "ء",
    "3": "ع",
    "5": "خ",
    "6": "ط",
    "7": "ح",
    "8": "ق",
    "9": "ص",
    "b": "ب",
    "t": "ت",
    "j": "ج",
    "g": "ج",
    "d": "د",
    "r": "ر",
    "z": "ز",
    "s": "س",
    "c": "ك",
    "f": "ف",
    "q": "ق",
    "k": "ك",
    "l": "ل",
    "m": "م",
    "n": "ن",
    "h": "ه",
    "w": "و",
    "y": "ي",
    "v": "ف",
    "p": "ب",
    "x": "كس",
    "u": "و",
    "o": "و",
    "i": "ي",
    "e": "",
    "a": "",
}
_ARABIZI_DIGITS = re.compile(r"[a-z][2-9]|[2-9][a-z]")
_LATIN_TOKEN = re.compile(r"[A-Za-z0-9']+")
# Frequent Arabizi words that carry no digit; mapped whole (the letter rules get short words wrong).
_WORDS = {
    "ana": "انا",
    "enta": "انت",
    "inta": "انت",
    "ente": "انتي",
    "el": "ال",
    "al": "ال",
    "il": "ال",
    "w": "و",
    "wa": "و",
    "b": "ب",
    "bi": "ب",
    "fi": "في",
    "fe": "في",
    "min": "من",
    "men": "من",
    "mn": "من",
    "ma": "ما",
    "mo": "مو",
    "mu": "مو",
    "mish": "مش",
    "msh": "مش",
    "la": "لا",
    "lel": "لل",
    "lil": "لل",
    "abi": "ابي",
    "abgha": "ابغى",
    "abga": "ابغى",
    "bdi": "بدي",
    "biddi": "بدي",
    "3ayez": "عايز",
    "kef": "كيف",
    "kif": "كيف",
    "kaif": "كيف",
    "keef": "كيف",
    "kaef": "كيف",
    "ween": "وين",
    "wein": "وين",
    "wen": "وين",
    "leish": "ليش",
    "lesh": "ليش",
    "leh": "ليه",
    "eish": "ايش",
    "esh": "ايش",
    "shu": "شو",
    "sho": "شو",
    "wesh": "وش",
    "wsh": "وش",
    "eza": "اذا",
    "iza": "اذا",
    "itha": "اذا",
    "walla": "ولا",
    "wala": "ولا",
    "bas": "بس",
    "ibni": "ابني",
    "ebni": "ابني",
    "binti": "بنتي",
    "bnti": "بنتي",
    "bint": "بنت",
    "bnt": "بنت",
    "walad": "ولد",
    "waladi": "ولدي",
    "wildi": "ولدي",
    "madrasa": "مدرسة",
    "madrasah": "مدرسة",
    "madrasa.": "مدرسة",
    "talab": "طلب",
    "natija": "نتيجة",
    "nateeja": "نتيجة",
    "shahada": "شهادة",
    "daraja": "درجة",
    "darajat": "درجات",
    "tasjeel": "تسجيل",
    "tasjil": "تسجيل",
    "hesab": "حساب",
    "hisab": "حساب",
    "nthaam": "نظام",
    "nizam": "نظام",
    "nidham": "نظام",
    "mudeer": "مدير",
    "modeer": "مدير",
    "mo3alem": "معلم",
    "thanawi": "ثانوي",
    "ibtida2i": "ابتدائي",
    "zaman": "زمان",
}


def looks_like_arabizi(token: str) -> bool:
    lowered = token.lower()
    return lowered in _WORDS or bool(_ARABIZI_DIGITS.search(lowered))


def _transliterate_word(word: str) -> str:
    word = word.lower().replace("'", "")
    if word in _WORDS:
        return _WORDS[word]
    out: list[str] = []
    i = 0
    while i < len(word):
        pair = word[i : i + 2]
        mapped = next((ar for lat, ar in _DIGRAPHS if pair == lat), None)
        if mapped is not None:
            out.append(mapped)
            i += 2
            continue
        char = word[i]
        if char in "aeiou" and i == 0:
            out.append("ا")  # a word-initial vowel is written with an alef
        elif char == "a" and i == len(word) - 1:
            out.append("ه")  # final -a is usually ta marbuta («madrasa»); the normalizer folds ة/ه
        elif char == "i" and i == len(word) - 1:
            out.append("ي")
        elif char in "ou" and i == len(word) - 1:
            out.append("و")
        elif char in "iou":
            pass  # a short vowel inside a word is not written in Arabic («mo7ammad» → «محمد»)
        else:
            out.append(_LETTERS.get(char, char))
        i += 1
    # Doubled consonants («7ssa», «ma8bool») are one letter with a shadda in Arabic script.
    return re.sub(r"([\u0621-\u064a])\1", r"\1", "".join(out))


def arabizi_share(text: str) -> float:
    """Share of Latin tokens that look like Arabizi (0 when there are none)."""
    tokens = _LATIN_TOKEN.findall(text)
    if not tokens:
        return 0.0
    return sum(looks_like_arabizi(token) for token in tokens) / len(tokens)


def arabizi_to_arabic(text: str) -> str:
    """Transliterate the Arabizi tokens of `text`; Arabic and English words pass through unchanged.

    When most Latin tokens of a message are Arabizi, the message is Arabizi throughout, and its other Latin words
    («talab», «marfoodh») are transliterated too — except known English words, kept for the glossary.
    """
    mostly_arabizi = arabizi_share(text) >= 0.3

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.isdigit():
            return token
        if looks_like_arabizi(token) or (mostly_arabizi and not _is_english(token)):
            return _transliterate_word(token)
        return token

    converted = _LATIN_TOKEN.sub(replace, text)
    # «el ra8m» → «ال رقم» → «الرقم»: the article is written joined to its noun.
    return re.sub(r"(?<![\u0621-\u064a])(ال|لل) (?=[\u0621-\u064a])", r"\1", converted)


def _is_english(token: str) -> bool:
    from .glossary import ENGLISH_WORDS

    return token.lower() in ENGLISH_WORDS


# --- Spellings of an Arabizi query word (search). One Latin letter may stand for two Arabic letters and a short
# vowel for a long one; the search tries the likeliest spellings: the plain transliteration first, then those that
# differ from it in one or two places, at most `MAX_SPELLINGS`.

MAX_SPELLINGS = 24
_MAX_CHANGES = 2
_ALSO = {
    "s": ("ص",),
    "t": ("ط",),
    "d": ("ض",),
    "h": ("ح",),
    "z": ("ظ",),
    "k": ("ق",),
    "g": ("ق", "غ"),
    "8": ("غ",),
    "2": ("ق", "ا"),
}
_DIGRAPH_ALSO = {"th": ("ذ",), "dh": ("ذ", "ظ"), "oo": ("",), "ee": ("",), "aa": ("",)}
_LONG_VOWEL = {"a": "ا", "e": "ي", "i": "ي", "o": "و", "u": "و"}
_DOUBLE_CONSONANT = re.compile(r"([b-df-hj-np-tv-z])\1")
_QUERY_TOKEN = re.compile(r"[A-Za-z0-9']+|[^\sA-Za-z0-9']+")


def _letter_options(word: str) -> list[tuple[str, ...]]:
    """Per position of an Arabizi word, its Arabic letters, the plain transliteration's first."""
    word = _DOUBLE_CONSONANT.sub(r"\1", word)
    options: list[tuple[str, ...]] = []
    i = 0
    while i < len(word):
        pair = word[i : i + 2]
        mapped = next((ar for lat, ar in _DIGRAPHS if pair == lat), None)
        if mapped is not None:
            options.append((mapped, *_DIGRAPH_ALSO.get(pair, ())))
            i += 2
            continue
        char, last = word[i], i == len(word) - 1
        if char in "aeiou" and i == 0:
            options.append(("ا",))
        elif char == "a" and last:
            options.append(("ه", "ا"))
        elif char in "ou" and last:
            options.append(("و", "ه"))
        elif char == "i" and last:
            options.append(("ي",))
        elif char in "aeiou":
            options.append(("", _LONG_VOWEL[char]))  # a short vowel is not written; it may be a long one
        elif char == "t" and last and word[i - 1] == "a":
            options.append(("ت", "ة", "ط"))  # «natijat»: the ة of a noun before its complement
        else:
            options.append((_LETTERS.get(char, char), *_ALSO.get(char, ())))
        i += 1
    return options


def arabizi_spellings(word: str) -> list[str]:
    """Arabic spellings of one Arabizi word, the plain transliteration first."""
    word = word.lower().replace("'", "")
    if word in _WORDS:
        return [_WORDS[word]]
    options = _letter_options(word)
    ambiguous = [i for i, choices in enumerate(options) if len(choices) > 1]
    spellings: list[str] = []
    for changes in range(_MAX_CHANGES + 1):
        for positions in combinations(ambiguous, changes):
            for picks in product(*(options[p][1:] for p in positions)):
                letters = [choices[0] for choices in options]
                for position, letter in zip(positions, picks, strict=True):
                    letters[position] = letter
                spelling = re.sub(r"([\u0621-\u064a])\1", r"\1", "".join(letters))
                if spelling not in spellings:
                    spellings.append(spelling)
                if len(spellings) >= MAX_SPELLINGS:
                    return spellings
    return spellings


def query_spellings(text: str) -> list[list[str]]:
    """Per word of an Arabizi query, the spellings to search for. Arabizi words get their Arabic spellings; English
    words, digits and Arabic words stay as they are; the article and one-letter particles (el, w, b) are dropped,
    the stemmer strips them from Arabic words anyway."""
    mostly_arabizi = arabizi_share(text) >= 0.3
    words: list[list[str]] = []
    for token in _QUERY_TOKEN.findall(text):
        latin = token.isascii() and not token.isdigit()
        if not latin or not (looks_like_arabizi(token) or (mostly_arabizi and not _is_english(token))):
            words.append([token])
            continue
        spellings = arabizi_spellings(token)
        if spellings[0] not in ("ال", "لل") and len(spellings[0]) > 1:
            words.append(spellings)
    return words


# --- Search: Arabizi ticket text is indexed with its Arabic spelling too; an Arabizi query is read word by word.

MAX_ALTERNATIVES = 40  # index terms one query word may stand for
_LATIN_LETTER = re.compile("[A-Za-z]")


def index_terms(text: str) -> list[str]:
    """What search indexes for `text`: its `search_terms`, then the Arabic spelling of its Arabizi words with their
    consonant skeletons («nseet el password» also gives «نسيت» and «ٮنست»)."""
    terms = search_terms(text)
    if not text or not _LATIN_LETTER.search(text):
        return terms
    converted = arabizi_to_arabic(text)
    if converted == text:
        return terms
    return terms + transliterated_terms(converted, set(tokenize(text)))


def arabizi_search_query(text: str) -> list[tuple[str, ...]]:
    """Per word of an Arabizi query («ma a8dar ad5ol el manassa»), the index terms of its likely Arabic spellings
    (and their skeletons); English words, digits and Arabic words of the query are searched as they are."""
    groups: list[tuple[str, ...]] = []
    for spellings in query_spellings(text):
        terms = [term for spelling in spellings for group in search_query(spelling) for term in group]
        if terms:
            groups.append(tuple(dict.fromkeys(terms))[:MAX_ALTERNATIVES])
    return groups
