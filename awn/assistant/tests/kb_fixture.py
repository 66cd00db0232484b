"""A tiny knowledge base (written for the tests) to bootstrap the triage model from."""

from __future__ import annotations

from awn.knowledge.services import kb_import

ARTICLES = [
    {
        "id": "t-1",
        "category": "account_access",
        "title_ar": "استعادة كلمة المرور",
        "title_en": "Reset a forgotten password",
        "tags": ["كلمة المرور", "الدخول", "رمز التحقق"],
        "body_ar": "إذا نسيت كلمة المرور اضغط على نسيت كلمة المرور في صفحة الدخول.\n"
        "1. أدخل رقم الهوية ثم رمز التحقق الذي يصل إلى جوالك.\n"
        "2. اختر كلمة مرور جديدة لا تقل عن ثمانية أحرف.\n"
        "إذا قفل الحساب بعد محاولات دخول خاطئة انتظر ثلاثين دقيقة.",
    },
    {
        "id": "t-2",
        "category": "transfer",
        "title_ar": "نقل طالب إلى مدرسة أخرى",
        "title_en": "Transfer a student to another school",
        "tags": ["نقل", "طلب نقل", "مدرسة جديدة"],
        "body_ar": "يقدم ولي الأمر طلب نقل الطالب من الخدمات الإلكترونية.\n"
        "1. اختر الطالب ثم المدرسة الجديدة القريبة من السكن.\n"
        "2. تابع حالة طلب النقل حتى تقبله المدرسة الجديدة.\n"
        "يمكن إلغاء طلب النقل قبل قبوله من المدرسة.",
    },
    {
        "id": "t-3",
        "category": "attendance",
        "title_ar": "الغياب وتقديم العذر",
        "title_en": "Absences and excuses",
        "tags": ["غياب", "عذر طبي", "الحضور"],
        "body_ar": "يظهر سجل الحضور والغياب في حساب ولي الأمر.\n"
        "1. لتقديم عذر عن غياب ارفع التقرير الطبي خلال خمسة أيام.\n"
        "2. تصحيح غياب مسجل بالخطأ يتم من المدرسة.",
    },
    {
        "id": "t-4",
        "category": "results_certificates",
        "title_ar": "عرض النتائج وطباعة الشهادة",
        "title_en": "View results and print the certificate",
        "tags": ["النتائج", "الشهادة", "الدرجات"],
        "body_ar": "تظهر نتائج الطالب بعد اعتمادها من المدرسة.\n"
        "1. افتح صفحة النتائج واختر الفصل الدراسي.\n"
        "2. اضغط طباعة الشهادة لتحميلها بصيغة PDF.",
    },
]


def load_kb() -> None:
    kb_import(ARTICLES)
