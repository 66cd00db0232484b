"""triage_text: urgent cues, sentiment, dialect, the learned category, speed."""

from __future__ import annotations

import pytest

from awn.assistant.triage.engine import TriageResult, triage_text

from .kb_fixture import load_kb


@pytest.mark.parametrize(
    ("text", "priority", "cue"),
    [
        ("شخص مجهول اخترق حسابي وغير كلمة المرور", "urgent", "account_intrusion"),
        ("someone hacked my son's account", "urgent", "account_intrusion"),
        ("كلمني واحد قال انه موظف واعطيته الكود اللي جاني", "urgent", "code_given_away"),
        ("انا معلمة والدرجات تغيرت بدون علمي في النظام", "urgent", "grades_changed_by_someone"),
        (
            "نتيجة ابني فيها خطأ والتقديم على الجامعة ينتهي بعد يومين",
            "urgent",
            "result_error_before_university",
        ),
        ("اليوم آخر يوم رصد وكل المعلمين ما يقدرون يرصدون", "urgent", "school_blocked_on_deadline"),
        ("بنتي عندها اختبار بكره ومش قادرة تدخل الحساب", "high", "exam_or_homework_soon"),
        ("الطالب يتعرض للتنمر من زملائه كل يوم", "high", "safety_or_abuse"),
        ("the system is down at our school, no teacher can log in", "high", "system_down_school"),
        ("وصلتني رسالة فيها رابط وطلبوا رقم التحقق وارسلته لهم", "urgent", "code_given_away"),
        ("kalimat el sir mesh shaghala w 3andi imti7an bokra", "high", "exam_or_homework_soon"),
        ("ولدي ما عنده مدرسة للحين والنقل مرفوض", "high", "child_without_school"),
        ("عندي اقتراح لتحسين التطبيق", "low", "suggestion"),
        ("please add a dark theme to the app", "low", "suggestion"),
        ("متى رواتب المعلمين تنزل", "low", "out_of_scope"),
        ("كيف أغير كلمة المرور", "normal", None),
    ],
)
def test_priority_follows_the_cues(db, text, priority, cue):
    result = triage_text(text)
    assert result.priority == priority
    if cue:
        assert cue in result.cue_codes
        assert len(result.cues) == len(result.cue_codes) and all(result.cues)
    else:
        assert result.cue_codes == ()


def test_thanks_alone_is_low_and_positive(db):
    result = triage_text("شكراً جزيلاً على المساعدة")
    assert (result.priority, result.sentiment) == ("low", "positive")


@pytest.mark.parametrize(
    ("text", "sentiment"),
    [
        ("الموقع ما يفتح من امس وتعبت من المحاولة 😡", "negative"),
        ("كيف أطبع شهادة ابنتي؟", "neutral"),
        ("كيف أطبع شهادة ابنتي؟ شكرا لكم", "positive"),
        ("thank you, how do I link my daughter?", "positive"),
    ],
)
def test_sentiment(db, text, sentiment):
    assert triage_text(text).sentiment == sentiment


@pytest.mark.parametrize(
    ("text", "language", "dialect"),
    [
        ("أود الاستفسار عن موعد فتح باب التسجيل للطلاب المستجدين", "ar", "msa"),
        ("ابغى اعرف وش صار على طلب النقل حقي", "ar", "gulf"),
        ("عايز اعرف ازاي اسجل ابني في المدرسة", "ar", "egyptian"),
        ("بدي اعرف شو لازم اعمل لانقل ابني", "ar", "levantine"),
        ("ana ma a3rf kif a7ot el password", "ar", "arabizi"),
        ("How can I reset my password?", "en", "english"),
        ("ما اقدر اسوي login للحساب", "mixed", "mixed"),
    ],
)
def test_language_and_dialect(db, text, language, dialect):
    result = triage_text(text)
    assert (result.language, result.dialect) == (language, dialect)
    assert 0 < result.dialect_confidence <= 1


def test_without_any_model_the_category_is_other_with_low_confidence(db):
    result = triage_text("ابغى انقل ولدي لمدرسة ثانية")
    assert isinstance(result, TriageResult)
    assert result.category == "other"
    assert result.category_confidence < 0.3
    assert result.model_version == ""


def test_a_fresh_install_bootstraps_the_category_model_from_the_knowledge_base(db):
    load_kb()
    result = triage_text("ابغى انقل ولدي لمدرسة قريبة من البيت")
    assert result.category == "transfer"
    assert result.model_version.startswith("kb-bootstrap")
    assert triage_text("ولدي مسجل غياب وهو حضر، كيف أرفع عذر").category == "attendance"
    assert triage_text("نسيت كلمة المرور ورمز التحقق ما يوصل").category == "account_access"


def test_out_of_scope_questions_go_to_other(db):
    load_kb()
    result = triage_text("متى تنزل العلاوة السنوية للمعلمين")
    assert (result.category, result.priority) == ("other", "low")


def test_latin_script_messages_are_bridged_to_the_arabic_model(db):
    load_kb()
    assert triage_text("ana abi an8el ibni la madrasa thanya").category == "transfer"
    assert triage_text("How do I transfer my son to another school?").category == "transfer"
    assert triage_text("nseet el password w el code ma yosal").category == "account_access"


def test_an_unreadable_model_file_falls_back_to_the_knowledge_base(db, settings):
    load_kb()
    path = settings.VAR_DIR / "models" / "triage_category.joblib"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a model")
    result = triage_text("ابغى انقل ولدي لمدرسة قريبة من البيت")
    assert (result.category, result.model_version[:12]) == ("transfer", "kb-bootstrap")


def test_eval_triage_reports_accuracy_per_field_and_latency(db, tmp_path):
    import json
    from io import StringIO

    from django.core.management import call_command

    from .kb_fixture import ARTICLES

    kb = tmp_path / "kb.jsonl"
    kb.write_text("\n".join(json.dumps(a, ensure_ascii=False) for a in ARTICLES), encoding="utf-8")
    queries = tmp_path / "q.jsonl"
    rows = [
        {
            "text": "ابغى انقل ولدي لمدرسة ثانية",
            "category": "transfer",
            "priority": "normal",
            "dialect": "gulf",
        },
        {
            "text": "someone hacked my account",
            "category": "account_access",
            "priority": "urgent",
            "dialect": "english",
        },
    ]
    queries.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = StringIO()
    call_command("eval_triage", queries=str(queries), kb=str(kb), history=str(queries), stdout=out)
    report = json.loads(out.getvalue().splitlines()[-1])
    assert report["n"] == 2
    assert report["priority"]["accuracy"] == 1.0 and report["dialect"]["accuracy"] == 1.0
    assert set(report["by_dialect"]) == {"gulf", "english"}
    assert report["p95_ms"] > 0
