"""Arabic search probe (issue 13, defect 9): recall over hand-written must-match pairs and false matches over
must-not-match pairs, judged on the index terms and query groups exactly as the search builds them (a query
word matches an index term equal to one of its alternatives, or starting with it when the search would prefix-match).
Set 1: spelling variants, hamza seats, joined particles. Set 2 (harder): derived forms of one word, English written
in Arabic letters and back, Arabizi ticket text and Arabizi queries, and different words sharing a root.

    .venv/bin/python -m bench.search_probe
"""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from awn.core.tests.test_text import VARIANT_PAIRS  # noqa: E402
from awn.core.text.arabizi import index_terms  # noqa: E402
from awn.search.selectors import _is_prefix_term, query_groups  # noqa: E402

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


# --- Second, harder probe set (issue 13, defect 9): written from linguistic rules, not from any eval file. ---
# Each row is (stored text, typed query). Judged through `query_groups`, so an Arabizi query is read as the
# search reads it.

# One word in another form: a verb and its verbal noun (masdar) or passive participle (مفعول) meet.
DERIVED = [
    ("صدرت الشهادة أمس", "إصدار"),
    ("متى يتم إصدار الشهادة", "صدرت"),
    ("طبعت الشهادة ولم تظهر الدرجات", "مطبوع"),
    ("الكشف مطبوع من المدرسة", "طبعت"),
    ("لم أستطع طباعة الجدول", "يطبع"),
    ("سجلت ابني في الصف الأول", "تسجيل"),
    ("مشكلة في تسجيل الطالب", "سجلت"),
    ("يسجل الطالب في المنصة", "التسجيل"),
    ("أرسلت الطلب مرتين", "إرسال"),
    ("تعذر إرسال النموذج", "ارسلت"),
    ("ألغيت الطلب بالخطأ", "إلغاء"),
    ("أريد إلغاء التسجيل", "الغيت"),
    ("المرفق محذوف", "حذفت"),
    ("عدلت رقم الجوال", "تعديل"),
    ("طلب تعديل الاسم", "عدلت"),
    ("فعلت الحساب ولم يعمل", "تفعيل"),
    ("رفضت المدرسة الطلب", "مرفوض"),
    ("الطلب مرفوض", "رفضت"),
    ("استلمت الكتب", "استلام"),
    ("تأخر استلام الشهادة", "استلمت"),
    ("الرسوم مدفوعة", "دفعت"),
    ("نقلت ابنتي إلى مدرسة أخرى", "نقل"),
    ("غيرت كلمة المرور", "تغيير"),
    ("أغلقت التذكرة", "إغلاق"),
    ("حجزت موعدا", "حجز"),
    ("اعتمدت النتيجة", "اعتماد"),
    ("رفعت الملف", "رفع"),
    ("قبلت الجامعة ابني", "قبول"),
]
# English words written in Arabic letters and back.
CROSS_SCRIPT = [
    ("ما أقدر أسوي لوجن", "login"),
    ("cannot login to the portal", "لوجن"),
    ("مشكلة في اللوقن", "login"),
    ("نسيت الباسورد", "password"),
    ("forgot my password", "باسورد"),
    ("the password expired", "الباسورد"),
    ("ما وصلني الايميل", "email"),
    ("no email received", "إيميل"),
    ("غيرت إيميلي", "email"),
    ("اكاونت ابني مقفل", "account"),
    ("account locked", "اكاونت"),
    ("the link is broken", "لينك"),
    ("أرسلوا لي لينك", "link"),
    ("رابط zoom لا يعمل", "زوم"),
    ("teams meeting", "تيمز"),
    ("اليوزر غلط", "user"),
    ("موبايل ابني", "mobile"),
    ("application error", "ابلكيشن"),
]
# Ticket text in Arabizi, found by an Arabic query.
ARABIZI_TEXT = [
    ("nseet el password", "نسيت"),
    ("ibni ma 2dr yd5ol el manassa", "المنصة"),
    ("el natija ma tl3t", "النتيجة"),
    ("abi a3adel esm ibni", "اسم"),
    ("el shahada mat6ba3at", "الشهادة"),
    ("mushkila fe el tasjeel", "مشكلة"),
    ("7sabi mgfl", "حسابي"),
    ("el mo3alem ma rad", "المعلم"),
    ("ibni 3ndo ghiyab", "غياب"),
    ("el madrasa msakra", "المدرسة"),
]
# Arabic ticket text, found by an Arabizi query of one or several words.
ARABIZI_QUERY = [
    ("نسيت الباسورد", "nseet el password"),
    ("نتيجة ابني لم تظهر", "natijat ibni"),
    ("ما أقدر أدخل المنصة", "ma a8dar ad5ol el manassa"),
    ("المدرسة مغلقة اليوم", "el madrasa"),
    ("الشهادة لم تطبع", "el shahada"),
    ("حسابي مقفل", "7sabi ma8fool"),
    ("ابني عنده غياب", "ibni 3ndo ghiyab"),
    ("طلب تعديل الاسم", "ta3deel el esm"),
]
# Different words that share letters or a root must not meet.
MUST_NOT_2 = [
    ("كاتب", "كتاب"),
    ("كتاب الرياضيات", "كاتب"),
    ("ملعب المدرسة", "لعب"),
    ("لعب الأطفال", "ملعب"),
    ("مدرسة البنات", "مدرس"),
    ("مدرس الرياضيات", "مدرسة"),
    ("مطبعة المدرسة", "طباعة"),
    ("مصدر الخطأ", "إصدار"),
    ("رسالة من المعلم", "إرسال"),
    ("مكتب المدير", "كتبت"),
    ("مكتبة المدرسة", "كتاب"),
    ("مدخل المبنى", "دخول"),
    ("عادل محمد", "تعديل"),
    ("قبل الظهر", "قبول"),
    ("باص المدرسة", "باسورد"),
    ("ميل الطالب للرياضيات", "email"),
    ("mudarris el riyadiyat", "مدرسة"),
    ("el madrasa msakra", "مدرس"),
    ("مدارس المنطقة", "el mudarris"),
]


def meets(stored: str, typed: str) -> bool:
    index = index_terms(stored)
    groups = query_groups(typed)
    return bool(groups) and all(
        any(term == t or (_is_prefix_term(t) and term.startswith(t)) for t in group for term in index)
        for group in groups
    )


def _report(name: str, must: list[tuple[str, str]], must_not: list[tuple[str, str]]) -> None:
    hits = [pair for pair in must if meets(*pair)]
    false = [pair for pair in must_not if meets(*pair)]
    print(f"{name}: recall {len(hits)}/{len(must)} = {len(hits) / len(must):.1%}")
    print(f"{name}: false matches {len(false)}/{len(must_not)}: {false}")
    print(f"{name}: missed:", [pair for pair in must if pair not in hits])


def main() -> None:
    _report("set 1", MUST_MATCH, MUST_NOT)
    classes = {
        "derived": DERIVED,
        "cross-script": CROSS_SCRIPT,
        "arabizi text": ARABIZI_TEXT,
        "arabizi query": ARABIZI_QUERY,
    }
    for name, pairs in classes.items():
        hits = sum(meets(*pair) for pair in pairs)
        print(f"set 2 {name}: {hits}/{len(pairs)}")
    _report("set 2", [pair for pairs in classes.values() for pair in pairs], MUST_NOT_2)


if __name__ == "__main__":
    main()
