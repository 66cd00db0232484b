"""The one Arabic normalizer: every spelling variant users type folds to the same form."""

from __future__ import annotations

import pytest

from awn.core.text.arabic import normalize_arabic, normalize_digits


@pytest.mark.parametrize(
    ("variant", "folded"),
    [
        # alef and hamza forms
        ("أحمد", "احمد"),
        ("إبراهيم", "ابراهيم"),
        ("آمنة", "امنه"),
        ("ٱلله", "الله"),
        ("مؤمن", "مومن"),
        ("هيئة", "هييه"),
        # ta marbuta and alef maqsura
        ("فاطمة", "فاطمه"),
        ("مدرسة", "مدرسه"),
        ("مصطفى", "مصطفي"),
        ("مستشفى", "مستشفي"),
        # diacritics: fatha, damma, kasra, sukun, shadda, tanwin, dagger alef
        ("مُصْطَفَى", "مصطفي"),
        ("مُحَمَّد", "محمد"),
        ("شكرًا", "شكرا"),
        ("رحمٰن", "رحمن"),
        # tatweel
        ("فـــاطمة", "فاطمه"),
        ("مـحـمـد", "محمد"),
        # letters repeated for emphasis
        ("شكرااااا", "شكرا"),
        ("مرحبببا", "مرحبا"),
        # Persian/Urdu letter shapes
        ("کتاب", "كتاب"),
        ("علی", "علي"),
        # Arabic-Indic digits, whitespace and case
        ("الصف ٣", "الصف 3"),
        ("رقم ۱۲", "رقم 12"),
        ("  عبد   الله  ", "عبد الله"),
        ("Noor SYSTEM", "noor system"),
    ],
)
def test_normalize_arabic(variant, folded):
    assert normalize_arabic(variant) == folded


def test_variants_of_one_name_meet():
    forms = ["إبراهيم", "ابراهيم", "إِبْرَاهِيم", "إبـراهيم", "أبراهيم"]
    assert len({normalize_arabic(f) for f in forms}) == 1


def test_doubled_letters_are_kept():
    # Two identical letters are real spelling (e.g. «الله», «مدد»); only runs of three or more are folded.
    assert normalize_arabic("الله") == "الله"
    assert normalize_arabic("مدد") == "مدد"


def test_empty_and_latin():
    assert normalize_arabic("") == ""
    assert normalize_arabic("abc 123") == "abc 123"


def test_normalize_digits_only_touches_digits():
    assert normalize_digits("٠٥٠١٢٣٤٥٦٧") == "0501234567"
    assert normalize_digits("۰۵۰") == "050"
    assert normalize_digits("") == ""
