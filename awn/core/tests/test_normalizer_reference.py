"""The normalizer folds text that looks the same but is written with other code points (issue 13, defect 10:
removing NFKC survived the suite). Inputs are written as explicit code points so the file itself cannot fold them.
"""

from __future__ import annotations

import pytest

from awn.core.text.arabic import normalize_arabic, search_terms

CASES = [
    # Arabic presentation forms (initial/medial/final glyphs some PDFs and old systems emit)
    ("\ufedb\ufee0\ufee4\ufe94", "كلمه", "ﻛﻠﻤﺔ: kaf, lam, meem initial/medial forms, ta marbuta final"),
    ("\ufefb", "لا", "ﻻ: the lam-alef ligature"),
    ("\ufe8d\ufedf\ufee4\ufeaa\ufead\ufeb3\ufe94", "المدرسه", "ﺍﻟﻤﺪﺭﺳﺔ"),
    # Fullwidth forms (East Asian keyboards, some phones)
    ("\uff11\uff12\uff13", "123", "fullwidth digits"),
    ("\uff21\uff22\uff23", "abc", "fullwidth Latin letters, then lower-cased"),
    # Arabic-Indic and Persian digits
    ("\u0661\u0662\u0663", "123", "Arabic-Indic digits"),
    ("\u06f4\u06f5\u06f6", "456", "Eastern Arabic-Indic digits"),
    # Hamza seats, alef maqsura, diacritics, tatweel
    ("\u0623\u062d\u0645\u062f", "احمد", "أحمد: hamza above alef"),
    ("\u0625\u0628\u0631\u0627\u0647\u064a\u0645", "ابراهيم", "إبراهيم: hamza below alef"),
    ("\u0645\u0635\u0637\u0641\u0649", "مصطفي", "مصطفى: alef maqsura"),
    ("\u0645\u0640\u0640\u062f\u0631\u0633\u0629", "مدرسه", "tatweel"),
    ("\u0645\u064e\u062f\u0652\u0631\u064e\u0633\u064e\u0629", "مدرسه", "harakat"),
    ("", "", "empty"),
]


@pytest.mark.parametrize(("raw", "folded", "why"), CASES)
def test_normalize_arabic_folds_to_the_reference(raw: str, folded: str, why: str) -> None:
    assert normalize_arabic(raw) == folded, why


def test_presentation_forms_find_the_same_search_terms_as_plain_text() -> None:
    assert search_terms("\ufe8d\ufedf\ufee4\ufeaa\ufead\ufeb3\ufe94") == search_terms("المدرسة")
    assert search_terms("\ufe8d\ufedf\ufee4\ufeaa\ufead\ufeb3\ufe94")  # not empty
