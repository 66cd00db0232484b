"""Search terms: tokenizer, stop words and the light stemmer."""

from __future__ import annotations

import pytest

from awn.core.text.arabic import STOP_WORDS, query_alternatives, search_terms, stem, tokenize


def test_tokenize_keeps_words_and_digits_and_drops_punctuation_and_emoji():
    assert tokenize("مرحباً! لا أستطيع الدخول 🙏 (رقم ٢٠٢٤) AWN-000123, Café") == [
        "مرحبا",
        "لا",
        "استطيع",
        "الدخول",
        "رقم",
        "2024",
        "awn",
        "000123",
        "café",
    ]
    assert tokenize("") == [] and tokenize("؟!…") == []


def test_stop_words_are_dropped_but_common_names_are_not():
    assert {"في", "من", "الي", "عن", "ان", "هل", "ما", "لا", "و", "يا"} <= STOP_WORDS
    assert search_terms("هل يمكن الدخول الى النظام من الجوال؟") == ["يمكن", "دخول", "نظام", "جوال"]
    assert search_terms("علي") == ["علي"]  # «على» folds to «علي», a first name: not a stop word


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("المدرسه", "مدرس"),
        ("مدرسه", "مدرس"),
        ("بالمدرسه", "مدرس"),
        ("والحضور", "حضور"),
        ("للطالب", "طالب"),
        ("المعلمين", "معلم"),
        ("الشهادات", "شهاد"),
        ("حسابي", "حساب"),
        ("والد", "والد"),  # too short to lose «وال»
        ("والده", "والد"),
        ("علي", "علي"),  # stems keep at least three letters
        ("2024", "2024"),
        ("password", "password"),
    ],
)
def test_light_stemmer(word, expected):
    assert stem(word) == expected


# ≥ 20 spelling/affix variants that must meet at the same terms (also used by the search recall tests).
VARIANT_PAIRS = [
    ("إعادة تعيين كلمة المرور", "اعاده تعيين كلمه مرور"),
    ("إعادة", "اعاده"),
    ("إعاده", "اعادة"),
    ("كلمة المرور", "كلمه المرور"),
    ("المدرسة", "مدرسه"),
    ("بالمدرسة", "المدرسه"),
    ("مُعَلِّم", "معلم"),
    ("المعلمين", "معلمون"),
    ("الشهادات", "شهادة"),
    ("شهادتي", "الشهاده"),
    ("الدرجات", "درجة"),
    ("نتيجته", "النتيجة"),
    ("والحضور", "حضور"),
    ("الغيــــاب", "غياب"),
    ("تسجيلها", "التسجيل"),
    ("حسابي", "الحساب"),
    ("أكاديمي", "الاكاديمي"),
    ("مستشفى", "مستشفي"),
    ("مؤسسة", "موسسه"),
    ("هيئة", "هييه"),
    ("ابنتي", "ابنه"),
    ("رقم ١٤٤٥", "رقم 1445"),
    ("آمنة", "امنه"),
    ("الطالبات", "طالبة"),
]


def meets(stored: str, typed: str) -> bool:
    """Every word of the query has an alternative among the stored text's index terms."""
    index = set(search_terms(stored))
    return all(index & set(group) for group in query_alternatives(typed))


@pytest.mark.parametrize(("a", "b"), VARIANT_PAIRS)
def test_variants_meet_at_the_same_terms(a, b):
    assert meets(a, b) and meets(b, a)


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("مدرس", "مدرسة"),  # a school is not a teacher
        ("المدرسين", "مدرسة"),
        ("مدرسة", "مدرس"),
        ("المدرسة", "المدرسين"),
        ("كاتب", "كتاب"),
        ("مسول", "مسئول"),
    ],
)
def test_different_words_do_not_meet(stored, typed):
    assert not meets(stored, typed)
