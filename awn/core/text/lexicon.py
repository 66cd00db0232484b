"""Controlled word lists the search normalizer reads (data only; the rules are in `arabic.py`).

DERIVATION_FAMILIES — verbs whose conjugated forms, verbal noun (masdar) and, where marked, passive participle are
one word for search: «صدرت» finds «إصدار», «طبعت» finds «مطبوع». Each row is (root, verb forms, masdars, extra
spellings). Verb forms are the classical measures: 1 فعل, 2 فعّل, 4 أفعل, 8 افتعل, 10 استفعل; a «p» after form 1
adds its passive participle مفعول. Only forms listed here are derived: agent nouns (كاتب), nouns of place (ملعب،
مدرسة، مكتب، مطبعة), instrument nouns and other nouns sharing the root (كتاب، رسالة، مصدر) are other words and
never join a family. Roots are left out when a bare spelling of the verb is a frequent other word
(حدث «happened» / تحديث, حول «about» / تحويل, ظهر «noon» / ظهور); weak roots list their spellings in full.
The first masdar is the family's key (the term every member adds to the index).

LOANWORDS — English words people write in Arabic letters, with the spellings seen in Gulf, Egyptian and Levantine
writing (without the article, normalized spelling is produced by the normalizer). The English word is the key:
«لوجن» and «login» meet at «login».
"""

from __future__ import annotations

DERIVATION_FAMILIES: tuple[tuple[str, str, str, str], ...] = (
    ("صدر", "1 4", "إصدار صدور", ""),
    ("طبع", "1p", "طباعة طبع", ""),
    ("سجل", "2", "تسجيل", ""),
    ("رسل", "4", "إرسال", ""),
    ("حذف", "1p", "حذف", ""),
    ("عدل", "2", "تعديل", ""),
    ("فعل", "2", "تفعيل", ""),
    ("رفض", "1p", "رفض", ""),
    ("سلم", "8", "استلام", ""),
    ("دفع", "1p", "دفع", ""),
    ("نقل", "1p 8", "نقل انتقال", ""),
    ("غير", "2", "تغيير", ""),
    ("غلق", "4p", "إغلاق", ""),
    ("حجز", "1p", "حجز", ""),
    ("عمد", "8", "اعتماد", ""),
    ("رفع", "1p", "رفع", ""),
    ("قبل", "1p", "قبول", ""),
    ("دخل", "1", "دخول", ""),
    ("حمل", "2", "تحميل", ""),
    ("ثبت", "2", "تثبيت", ""),
    ("شرك", "8", "اشتراك", ""),
    ("خدم", "10", "استخدام", ""),
    ("رجع", "10", "استرجاع", ""),
    ("فتح", "1p", "فتح", ""),
    ("صحح", "2", "تصحيح", ""),
    ("جدد", "2", "تجديد", ""),
    ("نجح", "1", "نجاح", ""),
    ("رسب", "1", "رسوب", ""),
    (
        "لغو",
        "",
        "إلغاء",
        "ألغى ألغي ألغيت ألغينا ألغوا ألغيتم يلغي تلغي نلغي ألغيه يلغون ملغي ملغى ملغاة ملغية",
    ),
    ("نسي", "", "نسيان", "نسي نسيت نسينا نسوا نسيتم ينسى تنسى أنسى منسي"),
)

LOANWORDS: dict[str, str] = {
    "login": "لوجن لوقن لوغن لوقين",
    "password": "باسورد باسوورد باسوود باسوردات",
    "email": "ايميل إيميل اميل إيمل ايمل إميل",
    "gmail": "جيميل",
    "account": "اكاونت أكاونت اكونت اكاونتات",
    "user": "يوزر يوزرات",
    "username": "يوزرنيم",
    "link": "لينك لنك لينكات",
    "zoom": "زوم",
    "teams": "تيمز تيمس",
    "mobile": "موبايل موبيل",
    "application": "ابلكيشن ابليكيشن أبلكيشن ابلكيشين",
    "download": "داونلود",
    "upload": "ابلود",
    "server": "سيرفر سيرفرات",
    "system": "سيستم سستم",
    "file": "فايل فايلات",
    "code": "كود",
    "update": "ابديت أبديت",
    "internet": "انترنت إنترنت",
    "wifi": "وايفاي",
    "laptop": "لابتوب",
    "computer": "كمبيوتر كومبيوتر",
    "tablet": "تابلت",
    "ipad": "ايباد آيباد",
    "iphone": "ايفون آيفون",
    "android": "اندرويد أندرويد",
    "whatsapp": "واتساب وتساب",
    "screenshot": "سكرينشوت",
    "screen": "سكرين",
    "printer": "برنتر برينتر",
    "block": "بلوك",
    "restart": "ريستارت",
    "otp": "اوتيبي",
    "website": "ويبسايت",
    "blackboard": "بلاكبورد",
    "excel": "اكسل إكسل",
    "word": "وورد",
}
