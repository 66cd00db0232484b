from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from awn.assistant.evaluation.intents import DatasetError, read_labelled_csv
from awn.assistant.triage.classifier import TextClassifier
from awn.tickets.enums import Category

# ~10 phrasings × 4 labels, MSA and Gulf/Levantine, with the spelling variants users type.
PHRASES = {
    "password": [
        "نسيت كلمة المرور",
        "لا أستطيع تغيير كلمة المرور",
        "كيف أستعيد كلمة السر",
        "كلمة المرور لا تعمل",
        "أريد إعادة تعيين كلمة المرور",
        "ابغى اغير كلمة السر",
        "كلمة السر غلط دايما",
        "نسيت الرقم السري للحساب",
        "الرقم السري ما يشتغل",
        "طلب تغيير كلمة المرور للحساب",
    ],
    "transfer": [
        "أريد نقل ابني إلى مدرسة أخرى",
        "كيف أنقل ابنتي لمدرسة ثانية",
        "طلب نقل طالب بين المدارس",
        "ابغى انقل ولدي من المدرسة",
        "متى يتم قبول طلب النقل",
        "رفض طلب نقل الطالب",
        "نقل الطالب إلى مدرسة قريبة من البيت",
        "بدي انقل بنتي على مدرسة تانية",
        "حالة طلب النقل ما تغيرت",
        "إلغاء طلب نقل المدرسة",
    ],
    "results": [
        "أين أجد نتيجة الاختبار",
        "لم تظهر نتائج ابني",
        "متى تصدر النتائج النهائية",
        "الشهادة ما طلعت في النظام",
        "أريد طباعة شهادة النجاح",
        "درجات الفصل الأول غير ظاهرة",
        "النتيجة فيها خطأ في الدرجات",
        "كيف اطبع الشهادة",
        "وين النتايج حقت الاختبارات",
        "تحميل شهادة نهاية العام",
    ],
    "attendance": [
        "ابني مسجل غائب وهو حاضر",
        "تصحيح الغياب في النظام",
        "الحضور والغياب غير صحيح",
        "كيف أبرر غياب ابنتي",
        "رصد غياب بالخطأ",
        "عذر طبي للغياب",
        "غياب ابني اليوم مسجل خطأ",
        "سجل الحضور فيه أيام غياب ما غابها",
        "اشعار غياب وصلني والولد بالمدرسة",
        "إلغاء غياب مسجل",
    ],
}


def _dataset() -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for label, phrases in PHRASES.items():
        texts += phrases
        labels += [label] * len(phrases)
    return texts, labels


@pytest.fixture(scope="module")
def trained() -> TextClassifier:
    return TextClassifier().fit(*_dataset())


def test_fit_predict_save_load_round_trip(trained: TextClassifier, tmp_path: Path) -> None:
    texts, labels = _dataset()
    predicted = [label for label, _ in trained.predict(texts)]
    assert sum(p == g for p, g in zip(predicted, labels, strict=True)) >= 0.9 * len(labels)
    assert sorted(trained.labels) == sorted(PHRASES)

    path = trained.save(tmp_path / "models" / "m.joblib")
    loaded = TextClassifier.load(path)
    assert loaded.predict(texts) == trained.predict(texts)
    assert trained.predict([]) == []


def test_dialect_and_spelling_variants_are_recognized(trained: TextClassifier) -> None:
    variants = {
        "password": ["نسيت كلمه المرور", "نسيـــت كَلِمَة المرور", "إعادة تعيين كلمة السر"],
        "transfer": ["ابي انقل ولدي لمدرسه ثانيه", "طلب النقل لمدرسة أخرى"],
        "results": ["وين شهادة النجاح", "نتائج الاختبار ما ظهرت"],
        "attendance": ["ولدي مسجل غايب", "الغياب مسجل بالغلط"],
    }
    for label, phrases in variants.items():
        for phrase, (predicted, _confidence) in zip(phrases, trained.predict(phrases), strict=True):
            assert predicted == label, phrase


def test_confidence_is_a_probability_and_higher_when_clear(trained: TextClassifier) -> None:
    (_, clear), (_, gibberish) = trained.predict(["نسيت كلمة المرور للحساب", "قثصض زظطك ١٢٣ xq"])
    assert 0.0 <= gibberish <= 1.0
    assert 0.0 <= clear <= 1.0
    assert clear > gibberish


def test_untrained_and_single_label_are_errors(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError):
        TextClassifier().predict(["نص"])
    with pytest.raises(ValueError, match="two distinct labels"):
        TextClassifier().fit(["أ", "ب"], ["x", "x"])
    (tmp_path / "bad.joblib").write_bytes(b"not a model")
    with pytest.raises(Exception):  # noqa: B017 - any load failure, never a half-loaded model
        TextClassifier.load(tmp_path / "bad.joblib")


def _write_csv(path: Path, rows: list[tuple[str, str]], header: str = "id,label,text,extra") -> Path:
    lines = [header] + [f'{i},"{label}","{text}",x' for i, (label, text) in enumerate(rows)]
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_read_labelled_csv_tolerates_bom_extra_columns_and_quoted_commas(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "a.csv", [("نقل", "نقل ابني، من فضلك, بسرعة")])
    assert read_labelled_csv(path) == (["نقل ابني، من فضلك, بسرعة"], ["نقل"])


def test_eval_intents_prints_a_final_json_line(tmp_path: Path) -> None:
    texts, labels = _dataset()
    rows = list(zip(labels, texts, strict=True))
    train = _write_csv(tmp_path / "train.csv", [r for i, r in enumerate(rows) if i % 5])
    test = _write_csv(tmp_path / "test.csv", [r for i, r in enumerate(rows) if not i % 5])
    out = StringIO()
    call_command("eval_intents", "--train", str(train), "--test", str(test), stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert "accuracy" in lines[0] or len(lines) > 5
    result = json.loads(lines[-1])
    for key in ("accuracy", "macro_f1", "train_seconds", "p50_ms", "p95_ms", "n_train", "n_test", "n_labels"):
        assert key in result
    assert result["n_train"] == 32 and result["n_test"] == 8 and result["n_labels"] == 4
    assert 0.0 <= result["accuracy"] <= 1.0


def test_eval_intents_missing_column_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("category,text\nنقل,نقل ابني\n", encoding="utf-8")
    good = _write_csv(tmp_path / "good.csv", [("نقل", "نقل ابني")])
    with pytest.raises(CommandError, match="missing column"):
        call_command("eval_intents", "--train", str(bad), "--test", str(good), stdout=StringIO())
    with pytest.raises(DatasetError, match="no such file"):
        read_labelled_csv(tmp_path / "absent.csv")


ARBANKING = Path("/work/shared/data/arbanking77/Banking77_Arabized_MSA_PAL_val.csv")


@pytest.mark.skipif(not ARBANKING.exists(), reason="ArBanking77 is not available on this machine")
def test_reads_the_arbanking77_file() -> None:
    texts, labels = read_labelled_csv(ARBANKING)
    assert len(texts) > 2000 and len(set(labels)) == 77


@pytest.mark.django_db
def test_train_triage_learns_categories_from_ticket_history(world, tmp_path: Path, settings) -> None:
    settings.VAR_DIR = tmp_path
    subjects = {
        Category.ACCOUNT_ACCESS: ["لا أستطيع الدخول", "نسيت كلمة المرور", "الحساب مقفل", "رمز التحقق لا يصل"],
        Category.TRANSFER: ["نقل طالب", "طلب نقل إلى مدرسة أخرى", "متى يقبل النقل", "رفض النقل"],
    }
    for category, items in subjects.items():
        for subject in items:
            world.ticket(category=category, subject=subject, body=subject)
    world.ticket(category=Category.OTHER, subject="سؤال عام", body="سؤال")
    out = StringIO()
    call_command("train_triage", stdout=out)
    assert "8 tickets" in out.getvalue()
    model = TextClassifier.load(tmp_path / "models" / "triage_category.joblib")
    assert sorted(model.labels) == sorted([Category.ACCOUNT_ACCESS, Category.TRANSFER])
    assert model.predict(["نسيت كلمه المرور"])[0][0] == Category.ACCOUNT_ACCESS


@pytest.mark.django_db
def test_train_triage_without_history_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="at least two categories"):
        call_command("train_triage", stdout=StringIO())
