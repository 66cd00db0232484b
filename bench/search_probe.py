"""Arabic search probe (issue 13, defect 9): recall over hand-written must-match pairs and false matches over
must-not-match pairs, judged on the index terms and query alternatives exactly as the search builds them (a query
word matches an index term equal to one of its alternatives, or starting with it when the search would prefix-match).

    .venv/bin/python -m bench.search_probe
"""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from awn.core.tests.test_text import VARIANT_PAIRS  # noqa: E402
from awn.core.text.arabic import query_alternatives, search_terms  # noqa: E402
from awn.search.selectors import _is_prefix_term  # noqa: E402

MUST_MATCH = [
    *VARIANT_PAIRS,
    *((typed, stored) for stored, typed in VARIANT_PAIRS),
    ("مسؤول القبول", "مسئول"),
    ("مسئول القبول", "مسؤول"),
    ("مسءول القبول", "مسئول"),
    ("مسؤول القبول", "مسءول"),
    ("تساؤلات الطلاب", "تسائلات"),
    ("رئيس القسم", "رؤيس"),
    ("مشكلة في الحساب", "فالحساب"),
    ("دخلت بحسابي أمس", "حساب"),
    ("مشكلة في الحساب", "بحسابي"),
    ("وبالحساب خطأ", "الحساب"),
    ("وللطالب حق", "طالب"),
    ("فللمعلم رأي", "المعلم"),
    ("وبحسابي مشكلة", "حساب"),
    ("فالتسجيل مغلق", "تسجيل"),
    ("إلهام محمد", "إلهام"),
    ("إلهام محمد", "الالهام"),
    ("البريد الإلكتروني", "الكتروني"),
    ("المدرسة مغلقة", "بالمدرسه"),
    ("الالتزام بالموعد", "التزام"),
]
MUST_NOT = [
    ("مدرس", "مدرسة"),
    ("المدرسين", "مدرسة"),
    ("مدرسة", "مدرس"),
    ("المدرسة", "المدرسين"),
    ("إلهام محمد", "هام"),
    ("هامش الورقة", "هام"),
    ("مسول الملف", "مسئول"),
    ("البريد", "ريد"),
    ("بطاقة", "طاقة"),
    ("فريق الدعم", "ريق"),
    ("كاتب", "كتاب"),
]


def meets(stored: str, typed: str) -> bool:
    index = search_terms(stored)
    return all(
        any(term == t or (_is_prefix_term(t) and term.startswith(t)) for t in group for term in index)
        for group in query_alternatives(typed)
    )


def main() -> None:
    hits = [pair for pair in MUST_MATCH if meets(*pair)]
    false = [pair for pair in MUST_NOT if meets(*pair)]
    print(f"recall {len(hits)}/{len(MUST_MATCH)} = {len(hits) / len(MUST_MATCH):.1%}")
    print(f"false matches {len(false)}/{len(MUST_NOT)}: {false}")
    print("missed:", [pair for pair in MUST_MATCH if pair not in hits])


if __name__ == "__main__":
    main()
