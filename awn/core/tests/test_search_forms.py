"""Search across word forms and scripts (issue 13, defect 9, second probe set): derived forms of one word, English
written in Arabic letters, Arabizi ticket text and Arabizi queries. Reference words are written by hand from the
rules of Arabic morphology and the usual Arabizi spellings; each class has words that must meet and must not."""

from __future__ import annotations

import pytest

from awn.core.text import arabic
from awn.core.text.arabic import (
    SKELETON_MARK,
    query_alternatives,
    search_query,
    search_terms,
    skeleton,
    transliterated_terms,
)
from awn.core.text.arabizi import (
    MAX_ALTERNATIVES,
    MAX_SPELLINGS,
    arabizi_search_query,
    arabizi_spellings,
    index_terms,
    query_spellings,
)
from awn.core.text.lexicon import LOANWORDS


def meets(stored: str, typed: str, *, arabizi: bool = False) -> bool:
    """Exact-term meeting (no prefix matching): every query word has an alternative among the index terms."""
    index = set(index_terms(stored))
    groups = arabizi_search_query(typed) if arabizi else search_query(typed)
    return bool(groups) and all(any(term in index for term in group) for group in groups)


# --- derived forms ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("صدرت الشهادة", "إصدار"),  # form 1 perfect ↔ form 4 masdar of the same family
        ("أصدرت المدرسة الشهادة", "الإصدار"),  # form 4 perfect
        ("تصدر النتائج غدا", "إصدار"),  # imperfect
        ("طبعت الكشف", "طباعة"),
        ("الكشف مطبوع", "طبعت"),  # form 1 passive participle
        ("طبعته أمس", "طباعة"),  # a perfect with an object pronoun
        ("سجلت ابني", "تسجيل"),  # form 2
        ("وسجلت ابني", "التسجيل"),  # a joined و
        ("ذهبت لتسجيل ابني", "سجلت"),  # a joined ل on the masdar
        ("يسجلون الطلاب", "تسجيل"),  # imperfect plural
        ("أرسلتها مرتين", "إرسال"),  # form 4 perfect + object pronoun
        ("اعتمدت النتيجة", "اعتماد"),  # form 8
        ("استلمنا الكتب", "استلام"),  # form 8, first person plural
        ("استخدمت التطبيق", "استخدام"),  # form 10
        ("المدرسة مغلقة", "إغلاق"),  # form 4 participle, listed for this family
        ("ألغيت الطلب", "إلغاء"),  # weak root: spellings listed in full
        ("الطلب ملغى", "الغيت"),
        ("نسيت كلمة المرور", "النسيان"),
        ("إصدار الشهادة", "صدرت"),  # and each the other way
        ("طباعة الكشف", "مطبوع"),
        ("تسجيل ابني", "يسجلون"),
        ("إغلاق المدرسة", "مغلقة"),
        ("إلغاء الطلب", "ملغي"),
    ],
)
def test_derived_forms_of_one_word_meet(stored: str, typed: str) -> None:
    assert meets(stored, typed)


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("كاتب", "كتاب"),  # agent noun ≠ another noun of the root
        ("كتاب", "كاتب"),
        ("ملعب المدرسة", "لعب"),  # noun of place ≠ the verb
        ("مدرس الرياضيات", "مدرسة"),  # agent noun ≠ noun of place
        ("مدرسة البنات", "مدرس"),
        ("مطبعة المدرسة", "طباعة"),  # noun of place ≠ masdar
        ("مصدر الخطأ", "إصدار"),  # مصدر «source» is not the participle of أصدر
        ("رسالة من المعلم", "إرسال"),
        ("مدخل المبنى", "دخول"),
        ("عادل محمد", "تعديل"),
        ("قبل الظهر", "قبول"),  # «قبل» (before) is a stop word, not the verb
        ("الطالب مسجل", "تسجيل"),  # form 2 participles are agent nouns too (مدرس): not derived
        ("حدث خطأ", "تحديث"),  # roots whose bare verb is a frequent other word are left out
    ],
)
def test_different_words_sharing_a_root_do_not_meet(stored: str, typed: str) -> None:
    assert not meets(stored, typed)


@pytest.mark.parametrize(
    ("root", "form", "stems"),
    [
        ("سجل", "1", ("سجل", "سجل")),
        ("سجل", "2", ("سجل", "سجل")),
        ("صدر", "4", ("اصدر", "صدر")),
        ("عمد", "8", ("اعتمد", "عتمد")),
        ("خدم", "10", ("استخدم", "ستخدم")),
    ],
)
def test_verb_measures(root: str, form: str, stems: tuple[str, str]) -> None:
    assert arabic._measure(root, form) == stems


def test_family_spellings_written_out() -> None:
    spellings = arabic._family_spellings("طبع", "1p", "طباعة", "")
    assert {"طبع", "طبعت", "طبعتي", "طبعتم", "طبعتو", "طبعنا", "طبعوا", "طبعن"} <= spellings  # perfect
    assert {"يطبع", "تطبع", "نطبع", "اطبع", "يطبعون", "تطبعين", "يطبعوا", "يطبعان", "يطبعو"} <= spellings
    assert {"مطبوع", "طباعه"} <= spellings
    assert "مطبعه" not in spellings and "طابع" not in spellings
    assert "مغلق" in arabic._family_spellings("غلق", "4p", "إغلاق", "")
    assert "مسجل" not in arabic._family_spellings("سجل", "2", "تسجيل", "")
    assert {"الغي", "ملغاه"} <= arabic._family_spellings("لغو", "", "إلغاء", "ألغى ملغاة")


def test_a_spelling_two_families_claim_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arabic, "DERIVATION_FAMILIES", (("درس", "1", "دراسة", ""), ("درس", "2", "تدريس", "")))
    monkeypatch.setattr(arabic, "LOANWORDS", {"lesson": "ليسون", "class": "كلاس"})
    table = arabic._lexicon_table()
    assert "درس" not in table and "يدرس" not in table  # both families
    assert table["دراسه"] == "دراسه" and table["تدريس"] == "تدريس"
    assert table["ليسون"] == "lesson" and table["كلاس"] == "class"


@pytest.mark.parametrize(
    ("token", "keys"),
    [
        ("سجلت", ["تسجيل"]),
        ("وسجلت", ["تسجيل"]),
        ("لتسجيل", ["تسجيل"]),
        ("بالتسجيل", ["تسجيل"]),
        ("الغيت", ["الغاء"]),  # the word's own «ال» is not the article
        ("طبعته", ["طباعه"]),
        ("الباسورد", ["password"]),
        ("ايميلي", ["email"]),
        ("كتاب", []),
        ("password", []),
        ("", []),
    ],
)
def test_lexicon_keys(token: str, keys: list[str]) -> None:
    assert arabic._lexicon_keys(token) == keys


# --- English written in Arabic letters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("english", "spelling"), [(en, ar) for en, spellings in LOANWORDS.items() for ar in spellings.split()]
)
def test_each_loanword_spelling_meets_its_english_word(english: str, spelling: str) -> None:
    assert meets(f"مشكلة {spelling}", english)
    assert meets(f"problem {english}", spelling)
    assert meets(f"مشكلة ال{spelling}", english)


def test_loanwords_do_not_catch_native_words() -> None:
    assert not meets("باص المدرسة", "باسورد")
    assert not meets("ميل الطالب", "email")
    assert not meets("لجين محمد", "login")


# --- Arabizi text and queries ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("منصه", "منسه"),  # ص → س
        ("ثابت", "سبت"),  # ث → س, long vowel dropped
        ("ذوق", "زك"),  # ذ → ز, ق → ك
        ("ظرف", "زرف"),
        ("ضرب", "درب"),
        ("طلع", "تلع"),
        ("حساب", "هسب"),  # ح → ه
        ("مدد", "مد"),  # a doubled letter is one
        ("سءال", "سل"),  # hamza dropped
        ("غياب", "غب"),
    ],
)
def test_skeleton(term: str, expected: str) -> None:
    assert skeleton(term) == SKELETON_MARK + expected


@pytest.mark.parametrize("term", ["", "اب", "وي", "password", "2024", SKELETON_MARK + "منس"])
def test_no_skeleton(term: str) -> None:
    assert skeleton(term) is None


def test_arabizi_text_is_indexed_in_arabic_too() -> None:
    terms = index_terms("nseet el password")
    assert terms[:3] == ["nseet", "el", "password"] and terms == search_terms("nseet el password") + terms[3:]
    assert {"نسيت", SKELETON_MARK + "نست"} <= set(terms[3:])
    assert index_terms("نسيت كلمة المرور") == ["نسيت", "نسيان", "كلمه", "مرور"]  # Arabic: nothing added
    assert index_terms("password reset") == ["password", "reset"]  # English: nothing added
    assert index_terms("") == []
    # An Arabic word already in the text is not indexed twice.
    assert index_terms("المدرسة el madrasa").count("مدرسه") == 1


def test_transliterated_terms() -> None:
    assert transliterated_terms("نسيت الباسورد في المدرسة", {"نسيت"}) == [
        "باسورد",
        "password",
        SKELETON_MARK + "بسرد",
        "مدرسه",
        SKELETON_MARK + "مدرسه",
    ]


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("ibni ma 2dr yd5ol el manassa", "المنصة"),  # ص written as s: met through the skeleton
        ("7sabi mgfl", "حسابي"),  # a long vowel not written
        ("ibni 3ndo ghiyab", "غياب"),
        ("el madrasa msakra", "المدرسة"),
    ],
)
def test_arabic_query_finds_arabizi_text(stored: str, typed: str) -> None:
    assert meets(stored, typed)


def test_arabic_text_never_meets_arabic_text_through_the_skeleton() -> None:
    assert not meets("صورة الشهادة", "سورة")  # ص and س share a skeleton, the words differ
    assert not meets("mudarris el riyadiyat", "مدرسة")
    assert not meets("el madrasa msakra", "مدرس")


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("نسيت الباسورد", "nseet el password"),
        ("نتيجة ابني لم تظهر", "natijat ibni"),
        ("ما أقدر أدخل المنصة", "ma a8dar ad5ol el manassa"),
        ("حسابي مقفل", "7sabi ma8fool"),
        ("ابني عنده غياب", "ibni 3ndo ghiyab"),
        ("طلب تعديل الاسم", "ta3deel el esm"),
        ("ibni 3ndo ghiyab", "ibni 3ndo ghiyab"),  # Arabizi text, Arabizi query
    ],
)
def test_multi_word_arabizi_query_finds_arabic_text(stored: str, typed: str) -> None:
    assert meets(stored, typed, arabizi=True)


@pytest.mark.parametrize(
    ("word", "plain", "also"),
    [
        ("7sabi", "حسبي", "حسابي"),  # a → ا
        ("manassa", "منسه", "منصه"),  # ss is one letter; s → ص
        ("natijat", "نتجت", "نتيجة"),  # two changes: i → ي and the final ت → ة
        ("ma8fool", "مقفول", "مقفل"),  # oo may be unwritten
        ("3ndo", "عندو", "عنده"),  # final o is the pronoun ه
        ("dhahab", "ضهب", "ذهب"),
        ("2alam", "ءلم", "قلم"),  # 2 is ق in Egyptian
    ],
)
def test_arabizi_spellings(word: str, plain: str, also: str) -> None:
    spellings = arabizi_spellings(word)
    assert spellings[0] == plain and also in spellings and len(spellings) <= MAX_SPELLINGS


def test_arabizi_spellings_limits() -> None:
    assert arabizi_spellings("ibni") == ["ابني"]  # a known word: its spelling only
    assert len(arabizi_spellings("mustashfayatuhum")) == MAX_SPELLINGS
    assert all("ط" not in s or "ص" not in s or "ض" not in s for s in arabizi_spellings("stds"))  # ≤ 2 changes


def test_query_spellings_keep_english_digits_and_arabic_and_drop_particles() -> None:
    words = query_spellings("el shahada w password 2024 المدرسة b")
    assert words == [["شهادة"], ["password"], ["2024"], ["المدرسة"]]
    assert query_spellings("") == []


def test_arabizi_query_groups() -> None:
    groups = arabizi_search_query("ma a8dar ad5ol el manassa")
    assert [group[0] for group in groups] == ["اقدر", "ادخل", "منسه"]  # «ma» is a stop word, «el» dropped
    assert "دخول" in groups[1]  # ادخل is in the family of الدخول
    assert "منصه" in groups[2] and SKELETON_MARK + "منس" in groups[2]
    assert all(len(group) <= MAX_ALTERNATIVES for group in arabizi_search_query("mustashfayatuhum wa2t"))


def test_a_final_h_in_a_query_means_the_ta_marbuta_word_also_without_a_joined_ba() -> None:
    # In a query a final ه stands for ة, not a pronoun: «بحسابه» is not cut to «حساب», with or without its ب.
    assert query_alternatives("بحسابه") == [("بحسابه", "حسابه")]
    # The index keeps both readings:
    assert set(search_terms("بحسابه")) == {"بحساب", "بحسابه", "حساب", "حسابه"}
