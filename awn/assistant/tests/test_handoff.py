"""Handoff cues: what a message says that may need a human (phrasings written here). They are inputs of the learned
decision (decision.py), not rules."""

from __future__ import annotations

import pytest

from awn.assistant.handoff import (
    PERSONAL_CASE,
    STAFF_ACTION,
    handoff_cues,
    is_out_of_scope,
    mentions_all,
    out_of_scope_terms,
)
from awn.assistant.question import DENSE_QUERY_CHARS, dense_query
from awn.core.text.arabizi import arabizi_to_arabic


@pytest.mark.parametrize(
    "text",
    [
        "لو سمحتوا ابغاكم تحذفون الغياب اللي انسجل على بنتي امس",
        "عندي ملفين لولدي في النظام ابي توحيدهم",
        "ابي الغاء تسجيل بنتي نهائياً من المدرسة",
        "ليش نقصوا درجة السلوك لولدي؟ ابيها ترجع",
        "please merge my two parent accounts",
    ],
)
def test_a_request_only_staff_can_fulfil_goes_to_a_human(text: str) -> None:
    assert STAFF_ACTION in handoff_cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "طلب النقل معلق من شهرين ولا احد يساعدنا",
        "صار لي ثلاث اسابيع ومحد رد على طلبي",
        "بنتي كانت حاضره والنظام مسجلها غايبه",
        "my transfer request has been pending for three weeks",
    ],
)
def test_a_case_stuck_for_weeks_or_a_disputed_record_is_personal(text: str) -> None:
    assert PERSONAL_CASE in handoff_cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "انتقلنا للرياض من شهر وابي انقل ولدي لمدرسة قريبة",
        "قدمت الطلب من اسبوع، كم ياخذ عادة؟",
        "كيف اشوف غياب ولدي هالترم",
        "كيف اقدم طلب نقل لولدي",
    ],
)
def test_a_duration_or_a_plain_question_is_not_a_case(text: str) -> None:
    assert handoff_cues(text) == []


def test_out_of_scope_words_must_start_a_word() -> None:
    assert not is_out_of_scope("كيف امنحه صلاحية وكيل شؤون الطلاب")  # «منح» (grants) inside «امنحه»
    assert out_of_scope_terms("هل فيه منح دراسية للمتفوقين") == ["منح"]
    assert out_of_scope_terms("وش مواعيد الباص") == ["باص"]
    assert out_of_scope_terms("can I pay the fees here?") == ["pay", "fees"]


def test_an_article_that_names_the_topic_covers_it() -> None:
    article = "المستندات المطلوبة: صورة الهوية وكرت التطعيمات الأصلي."
    assert mentions_all(article, out_of_scope_terms("لازم كرت التطعيمات الاصلي؟"))
    assert not mentions_all(article, out_of_scope_terms("وش مواعيد الباص"))
    assert not mentions_all("يمنحه المدير الصلاحية", ["منح"])
    assert not mentions_all(article, [])


def test_the_dense_model_reads_the_question_without_greetings_and_cut_at_a_word() -> None:
    assert dense_query("السلام عليكم، الله يعطيكم العافية. نسيت كلمة المرور") == "نسيت كلمة المرور"
    assert dense_query("السلام عليكم") == "السلام عليكم"  # all greeting: left as it is (small talk)
    assert dense_query("ana nseet kalimat el sir") == arabizi_to_arabic("ana nseet kalimat el sir")
    long = dense_query("كلمة " * 100)
    assert len(long) <= DENSE_QUERY_CHARS and long.endswith("كلمة")
