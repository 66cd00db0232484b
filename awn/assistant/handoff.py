"""When a human must take over even though an article matches: what the message says, not how well it matched.

From the labelling guidelines of the team that answers these users: a person asking for a human; a specific
personal case the bot cannot move (a request stuck for weeks, the school saying it knows nothing, a child with no
school); a complaint about staff or bullying; a compromised account that needs freezing. Urgent priority (from
triage) also goes to a human. Patterns run on normalized text (awn/core/text/arabic.py), so hamza, ta marbuta and
alef maqsura spellings meet; the English ones on the lower-cased message.
"""

from __future__ import annotations

import re

from awn.core.text.arabic import normalize_arabic

ASKS_FOR_HUMAN = "asks_for_human"
PERSONAL_CASE = "personal_case"
COMPLAINT_ABOUT_STAFF = "complaint_about_staff"
ACCOUNT_COMPROMISED = "account_compromised"
STAFF_ACTION = "staff_action"
OUT_OF_SCOPE = "out_of_scope"
SMALL_TALK = "small_talk"


def _patterns(*items: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{item})" for item in items))


_WEEKS = r"(اسبوعين|اسابيع|ثلاث اسابيع|شهر|شهرين|اشهر|شهور)"
_STUCK = r"(معلق|معلقه|ما احد رد|محد رد|ما حد رد|ولا رد|بدون رد|ما انحل|ما تحل|ما تغير شي|للحين ما|لسه ما|ما احد يرد|محد يرد)"


_ARABIC = {
    ASKS_FOR_HUMAN: _patterns(
        r"(اكلم|اتكلم مع|اتواصل مع|ابي|ابغى|اريد|بدي|عايز|حولني|حولوني)\s*(ال)?(موظف|انسان|شخص|مختص|احد من الدعم|agent|human)",
        r"(موظف|انسان|شخص) حقيقي",
        r"(مو|مش|ليس|مب|مب) ?(ال)?(bot|بوت|روبوت|الي)\b",
        r"كلموني|اتصلوا (علي|بي)|ابي احد يتصل",
    ),
    PERSONAL_CASE: _patterns(
        # A request stuck for weeks: a duration of weeks or months *and* a sign that it is stuck. A duration alone
        # is not a case («we moved a month ago», «appointed a week ago»), and neither is «nobody answered» alone
        # (the article on following up a complaint answers it).
        rf"{_WEEKS}.{{0,60}}{_STUCK}|{_STUCK}.{{0,60}}{_WEEKS}",
        r"(المدرسه|المدير|الوكيل)\s+(قالوا|قال|تقول|يقول|يقولون)\s+(ما عندنا|ما عندهم|مالنا|ما ندري|ما يدرون|ما نعرف|ما لنا|مش عارفين)",
        r"كل (واحد|واحده|شخص) يحولني",
        r"(مو|ما هو|مش|غير) مسجل في (اي|ولا) مدرسه",
        r"رقمه\s*\d{5,}|رقم الطلب\s*\d{5,}",
        # An absence the parent disputes («marked absent, but I drove her to school myself»): only the school can
        # change the record.
        r"(غايب|غايبه|غياب).{0,60}(وانا موصل|وهو حاضر|وهي حاضره|كان حاضر|كانت حاضره|وصلته بنفسي|وصلتها بنفسي)",
        r"(كان حاضر|كانت حاضره|وهو حاضر|وهي حاضره|موصلها بنفسي|موصله بنفسي).{0,60}(غايب|غايبه|غياب)",
    ),
    STAFF_ACTION: _patterns(
        # From the labelling guidelines: what only school staff or an agent can do to a record — delete a recorded
        # absence, merge duplicate accounts or student files, undo a conduct grade, cancel an enrolment.
        r"(ابيكم|ابغاكم|نبيكم|نبغاكم|اريد منكم|ارجو منكم|ابي منكم|ابغى منكم|عايزكم|بدي ياكم)\s+(ت|\S+\s+ت)?(مسح|حذف|شيل|لغ|دمج|رجع|عدل|غير)",
        r"(ادمج|ندمج|دمج|توحيد)\s*(هم|ها)?\s*(في|ب)?\s*(حساب واحد|الحسابين|حسابين|الحسابات|ملفين|الملفين)",
        r"(حسابين|ملفين).{0,80}(ادمج|دمج|اوحد|توحيد)",
        r"(الغي|الغاء|نلغي|سحب)\s+(تسجيل|ملف)\s+\S+\s+(نهايي|نهاييا|كليا)",
        r"درجه السلوك|درجات السلوك",
    ),
    COMPLAINT_ABOUT_STAFF: _patterns(
        r"تنمر|يتنمر|تنمرو",
        r"(يهين|اهان|يضرب|ضرب|يسب|سب|يشتم|شتم|يعنف|عنف)\s*(ولدي|ابني|بنتي|ابنتي|الطالب|الطالبه|الطلاب)",
        r"(اشتكي|شكوى|اشكي)\s+(على|ضد|في)\s+(المعلم|المعلمه|الاستاذ|الاستاذه|المدير|المديره|الوكيل|الوكيله|موظف)",
    ),
    ACCOUNT_COMPROMISED: _patterns(
        r"اختر(ق|اق)|انخرق|مخترق|تهكير|تهكر|هكر",
        r"(احد|شخص|واحد) (دخل|يدخل) (على|الى|في|ل)\s*(حساب|ال)",
        r"(عطيته|اعطيته|ارسلت له|رسلت له|قلت له)\s*(ال)?(رمز|كود|الكود)",
        r"(دخل|دخول) (غير مصرح|بدون علمي|دون علمي)|دون علمي",
    ),
}
# Topics the knowledge base of an education-system helpdesk does not cover (the school system's services are in
# scope; life around school is not): transport, pay and allowances, university admission and national tests,
# canteens, holidays and the calendar, scholarships and grants, fees, licences, health, study help, staff contacts.
# Each term must start a word (after an optional conjunction or preposition: «والمنح», «بالباص»): «منح»
# (grants) is not «امنحه» (give him a permission).
_OUT_OF_SCOPE_ARABIC = _patterns(
    r"باص|حافله|حافلات|النقل المدرسي|نقل مدرسي|مواصلات المدرسه",
    r"راتب|رواتب|العلاوه|علاوه|مكافاه|مكافات|بدل سكن|انتداب",
    r"القبول الجامعي|قبول الجامعه|اختبار القدرات|القدرات العامه|التحصيلي|قياس",
    r"مقصف|كانتين|وجبات",
    r"اجازه|الاجازات|عطله|العطل الرسميه|التقويم الدراسي",
    r"منح|منحه|ابتعاث|بعثه",
    r"رسوم المدارس|رسوم المدرسه|الرسوم الدراسيه|ادفع رسوم|دفع الرسوم",
    r"رخصه مهنيه|الرخصه المهنيه|رخصه التدريس",
    r"تطعيم|لقاح|التطعيمات",
    r"الكتب (ما|لم) (وصلت|توصل)|استلام الكتب",
    r"مساله|تمرين|حل الواجب|المذاكره|طريقه للمذاكره|دروس خصوصيه",
    r"(رقم|جوال|ايميل) (ال)?(معلم|المعلمه|مدير|المدير|مديره)",
    r"احسن مدرسه|افضل مدرسه|اقوى مدرسه",
    r"رياض الاطفال|الروضه",
    r"تعليم عن بعد|التعليم عن بعد",
)
_OUT_OF_SCOPE_ENGLISH = _patterns(
    r"\bbus\b|\btransport",
    r"\bsalar(y|ies)\b|\ballowance\b|\bbonus\b",
    r"\buniversity admission\b|\baptitude\b|\bqudurat\b",
    r"\bcanteen\b|\bholiday|\bvacation\b",
    r"\bscholarship|\bgrant\b|\bsummer (program|camp)",
    r"\bfees?\b|\bpay\b",
    r"\blicen[cs]e\b",
    r"\bvaccin",
    r"\bhomework help\b|\bstudy tips?\b",
)
_GREETING_WORDS = frozenset(
    normalize_arabic(word)
    for word in [
        "السلام",
        "عليكم",
        "ورحمة",
        "الله",
        "وبركاته",
        "مرحبا",
        "هلا",
        "اهلا",
        "صباح",
        "مساء",
        "الخير",
        "النور",
        "شكرا",
        "جزيلا",
        "جزاكم",
        "الله",
        "خيرا",
        "يعطيكم",
        "العافية",
        "مشكورين",
        "تسلم",
        "تسلمون",
        "يسلمو",
        "ايديكم",
        "الله",
        "يعطيك",
        "كثر",
        "خيركم",
        "hi",
        "hello",
        "hey",
        "thanks",
        "thank",
        "you",
        "so",
        "much",
        "ok",
    ]
)
_BOT_IDENTITY = _patterns(
    r"\b(are you|r u) (a )?(bot|robot|human)\b", r"(انت|انتي|هل انت) (بوت|روبوت|انسان|ال[يى])"
)


def without_greeting(text: str) -> str:
    """`text` without its opening greetings and thanks («السلام عليكم، الله يعطيكم العافية، …»); itself if all greeting."""
    words = text.split()
    start = 0
    while start < len(words) and normalize_arabic(re.sub(r"\W", "", words[start])).lower() in _GREETING_WORDS:
        start += 1
    return " ".join(words[start:]) if start < len(words) else text


def is_small_talk(text: str, *, normalized: str | None = None) -> bool:
    """Greetings, thanks or asking whether it is a bot, with no request in it (`normalized`: normalize_arabic(text)
    when the caller has it)."""
    normalized = (normalize_arabic(text) if normalized is None else normalized).lower()
    words = re.findall(r"\w+", normalized)
    if _BOT_IDENTITY.search(normalized):
        return True
    return bool(words) and all(word in _GREETING_WORDS for word in words)


_WORD_START = r"(?<!\w)[وفبلك]{0,2}(?:ال)?"
_OUT_OF_SCOPE_ARABIC = re.compile(rf"{_WORD_START}(?P<term>{_OUT_OF_SCOPE_ARABIC.pattern})")


def out_of_scope_terms(text: str, *, normalized: str | None = None) -> list[str]:
    """The out-of-scope topics named in `text` (normalized Arabic or lower-case English), in order; [] if none.
    `normalized`: normalize_arabic(text) when the caller has it."""
    normalized = normalize_arabic(text) if normalized is None else normalized
    arabic = [m.group("term") for m in _OUT_OF_SCOPE_ARABIC.finditer(normalized)]
    return arabic + [m.group(0) for m in _OUT_OF_SCOPE_ENGLISH.finditer(text.lower())]


def is_out_of_scope(text: str) -> bool:
    return bool(out_of_scope_terms(text))


def mentions_all(document: str, terms: list[str]) -> bool:
    """Whether the (normalized) document itself names every one of these out-of-scope terms."""
    normalized = normalize_arabic(document).lower()
    return bool(terms) and all(_names(normalized, term) for term in terms)


def _names(document: str, term: str) -> bool:
    start = r"\b" if term.isascii() else _WORD_START
    return re.search(start + re.escape(term), document) is not None


_ENGLISH = {
    ASKS_FOR_HUMAN: _patterns(
        r"\b(talk|speak|chat) (to|with) (a |an )?(human|person|agent|someone|representative)",
        r"\breal (person|human|agent)\b",
        r"\bnot (a )?bot\b",
        r"\bagent\b.*\b(bot)\b",
    ),
    PERSONAL_CASE: _patterns(
        r"\bfor (two|three|several|\d+) (weeks|months)\b.{0,60}\b(stuck|pending|no (reply|answer|one))",
        r"\b(stuck|pending)\b.{0,60}\bfor (two|three|several|\d+) (weeks|months)\b",
    ),
    STAFF_ACTION: _patterns(
        r"\b(delete|remove|cancel) (the|this|my \w+'s) (absence|enrol?ment|registration)",
        r"\bmerge\b.{0,30}\b(accounts|files|profiles)\b",
        r"\bconduct grade\b",
    ),
    COMPLAINT_ABOUT_STAFF: _patterns(
        r"\bbully|\bbullied\b|\bbullying\b", r"\b(hit|insult\w*|abus\w*) my (son|daughter|child)\b"
    ),
    ACCOUNT_COMPROMISED: _patterns(
        r"\bhack(ed|er)?\b", r"\bcompromised\b", r"\bsomeone (logged|got) into my account\b"
    ),
}


def handoff_cues(text: str, *, normalized: str | None = None) -> list[str]:
    """The reasons (constants above) this message needs a human, in a fixed order; [] when none. `normalized`:
    normalize_arabic(text) when the caller has it (a Question)."""
    normalized = (normalize_arabic(text) if normalized is None else normalized).lower()
    lowered = text.lower()
    return [
        reason
        for reason in (
            ASKS_FOR_HUMAN,
            PERSONAL_CASE,
            STAFF_ACTION,
            COMPLAINT_ABOUT_STAFF,
            ACCOUNT_COMPROMISED,
        )
        if _ARABIC[reason].search(normalized) or _ENGLISH[reason].search(lowered)
    ]
