"""Arabizi transliteration and the dialect/English bridges to MSA."""

from __future__ import annotations

import pytest

from awn.core.text.arabizi import arabizi_share, arabizi_to_arabic, looks_like_arabizi
from awn.core.text.glossary import expand_query, msa_equivalents


@pytest.mark.parametrize(
    ("arabizi", "arabic"),
    [
        ("mo7ammad", "محمد"),
        ("3ali", "علي"),
        ("ma8bool", "مقبول"),
        ("ra8m el jawal", "رقم الجول"),
        ("ism 7asan", "اسم حسن"),
    ],
)
def test_transliteration(arabizi: str, arabic: str) -> None:
    assert arabizi_to_arabic(arabizi) == arabic


def test_english_arabic_and_numbers_pass_through() -> None:
    assert arabizi_to_arabic("password reset") == "password reset"
    assert arabizi_to_arabic("نسيت كلمة المرور 2024") == "نسيت كلمة المرور 2024"
    assert arabizi_to_arabic("nseet el password") == "نسيت ال password"  # the English word is kept
    assert not looks_like_arabizi("hello") and looks_like_arabizi("a7mad")
    assert arabizi_share("") == 0.0


def test_dialect_and_english_words_are_bridged_to_msa() -> None:
    assert "ابني" in msa_equivalents("ولدي ما يطلع عندي")
    assert "يظهر" in msa_equivalents("ولدي ما يطلع عندي")
    assert "كلمة المرور" in msa_equivalents("ابي اسوي reset للpassword")
    assert expand_query("كيف أطبع الشهادة؟") == "كيف أطبع الشهادة؟"  # MSA loses nothing, gains nothing
