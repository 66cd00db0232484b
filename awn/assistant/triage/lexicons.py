"""Cue lexicons for rule-based triage: priority cues, sentiment markers and dialect markers.

Written from the labelling guidelines (issue 3, item 5) and from how parents, students and teachers write:
Modern Standard Arabic, Gulf, Egyptian and Levantine spellings, Arabizi and English. Every entry is matched on
`normalize_arabic` text (alef/hamza, ta marbuta, alef maqsura and diacritics folded, Latin lower-cased), so one
spelling covers its variants. A phrase matches at the start of a word (optionally after an attached و/ف/ب/ل/ال)
and may continue: «اخترق» also finds «واخترقوا».

An urgent or high cue is usually the meeting of two things in one message (a grade *and* a change nobody made;
a result error *and* a university deadline): those are `Combo`s of word groups that must all be present.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


def phrases(text: str) -> tuple[str, ...]:
    """Phrases separated by «|» (one or more per line), as written: normalized later, when compiled."""
    return tuple(p.strip() for p in text.replace("\n", "|").split("|") if p.strip())


def _tokens(text: str) -> list[str]:
    return text.split()


def _weights(text: str) -> dict[str, float]:
    """«word=weight» pairs separated by spaces: 1 for a sure marker, less for a word other dialects share."""
    pairs = (item.rsplit("=", 1) for item in text.split())
    return {word: float(weight) for word, weight in pairs}


@dataclass(frozen=True)
class Combo:
    """A cue found when the message holds at least one phrase of every group."""

    code: str
    label: Promise
    priority: str  # "urgent", "high" or "low"
    groups: tuple[tuple[str, ...], ...]
    weight: float = 1.0  # < 1: a weak cue, shown to agents but not trusted alone to raise a ticket


# ── word groups (normalized spelling is applied at compile time; write them as people type them) ──────────
ACCOUNT = phrases(
    """
    حساب | الحساب | حسابي | account | الaccount | اكاونت | ايميلي | my email | login | حسابه | حسابها
    """
)
INTRUSION = phrases(
    """
    اخترق | مخترق | اختراق | انخترق | تهكير | تهكر | انهكر | هكر | هاكر | تم اختراق | hack | compromis
    someone logged | somebody logged | someone got into | someone accessed | احد دخل | أحد دخل
    احدا دخل | أحداً دخل | شخص دخل | واحد دخل | حد دخل | حدا دخل | فوت على حسابي | دخل الى حسابي
    دخل على حسابي | دخلوا على حسابي | سرق حسابي | سرقوا حسابي | انسرق حسابي | سرقه الحساب
    stolen account | account was stolen | غير الايميل | غيروا الايميل | غير كلمه المرور
    غيروا كلمه المرور | غير الرقم | changed my password | changed my email | changed the email
    """
)
CODE = phrases(
    """
    الرمز | رمز | الكود | كود | otp | code | رمز التحقق | verification | رقم التحقق | رمز التفعيل | one-time
    """
)
GAVE_CODE = phrases(
    """
    ارسلته لهم | ارسلتها لهم | ارسلته لها | عطيتهم | اعطيتهم | رسلته | رسلتها | ضغطت على رابط | ضغطت الرابط | رابط مشبوه | رابط غريب | clicked a link | suspicious link
    عطيته | اعطيته | أعطيته | اديته | اديتله | عطيتو | ارسلته له | ارسلت له | بعته له | بعتله
    قلت له الرمز | قلتله | gave | shared | sent him | told him | طلب مني الرمز | طلب الرمز
    يقول انه من الدعم | يقول انه من الوزاره | انتحل | احتيال | محتال | نصاب | scam | fraud | phishing
    """
)
GRADES = ("درجات", "الدرجات", "درجه", "الدرجه", "علامات", "العلامات", "grades", "marks", "درجاتي")
CHANGED_BY_SOMEONE = phrases(
    """
    تغيرت دون علمي | تغيرت بدون علمي | دون علمي | بدون علمي | من غير علمي | بدون ما اعرف | ما غيرتها
    ما عدلتها | مو انا | مش انا | ما انا اللي | without my knowledge | i didn't change
    i did not change | someone changed | احد غير | أحد غير | احد عدل | شخص غير | شخص عدل | حد غير
    """
)
RESULT = phrases(
    """
    نتيجه | النتيجه | نتائج | النتائج | نتايج | النتايج | درجه | الدرجه | درجات | المعدل | النسبه
    شهاده | الشهاده | result | grade | gpa | marks | certificate
    """
)
RESULT_WRONG = phrases(
    """
    غلط | خطا | خاطئ | خاطئه | غير صحيح | غير صحيحه | مو صحيح | مش صحيح | محجوب | محجوبه | حجب | ناقص
    ناقصه | مرصود له | wrong | incorrect | error | withheld | mistake
    """
)
UNIVERSITY_DEADLINE = phrases(
    """
    الجامعه | جامعه | للجامعه | القبول الجامعي | التقديم على الجامعه | بيقدم على الجامعه | university
    college | admission | الابتعاث | البعثه | منحه الجامعه
    """
)
WHOLE_SCHOOL = phrases(
    """
    المدرسه كلها | المدرسه كامله | كل المعلمين | جميع المعلمين | كل المعلمات | جميع المعلمات | ولا معلم
    ولا معلمه | معلم ما رصد | معلمين ما | معلمات ما | كل الفصول | جميع الفصول | whole school
    entire school | all teachers | all the teachers | none of the teachers | no teacher | عن المدرسه
    عند المدرسه كلها | المدرسه بالكامل
    """
)
GRADE_ENTRY = phrases(
    """
    رصد | الرصد | ارصد | نرصد | يرصد | رصدوا | اعتماد | الاعتماد | اعتمد | نعتمد | grade entry
    enter grades | entering grades | approve | approval | النظام واقف | النظام معطل
    """
)
DEADLINE_TODAY = phrases(
    """
    اخر يوم | آخر يوم | اليوم اخر | اليوم آخر | ينتهي اليوم | تنتهي اليوم | الموعد النهائي اليوم
    اخر موعد اليوم | اخر مهله | last day | deadline is today | deadline today | closes today | due today
    """
)
DEADLINE = phrases(
    """
    اخر موعد | آخر موعد | الموعد النهائي | قبل اخر الشهر | قبل نهايه | قبل اخر | المهله | deadline
    تروح علي | يروح علي | يفوتني | تفوتني | بتفرق معه | الاسبوع الجاي | الاسبوع القادم | next week
    """
)
STUDY_TASK = phrases(
    """
    imti7an | emte7an | emti7an | ekhtebar | e5tebar | ikhtibar | wajeb | wajib | waajib
    امتحان | الامتحان | اختبار | الاختبار | اختبارات | واجب | الواجب | واجبات | الواجبات | exam | test
    quiz | homework | assignment | تسليم
    """
)
SOON = phrases(
    """
    bokra | bukra | boukra | bokrah | ellela | el lela | el leila | elyom | el yom | alyoum
    بكره | بكرا | بكرة | غدا | غداً | باكر | الليله | الليلة | اليوم | tomorrow | tonight | today
    الساعه | قبل الساعه | خلال ساعه | this evening
    """
)
PROBLEM = phrases(
    """
    mesh shaghal | mish shaghal | msh shaghal | mo shaghal | mu shaghal | ma yeshta8el | ma yshta8el | مب شغال | مو شغال | ما عندي صلاحيه
    ما يوصل | ما يوصلني | ما وصل | ما وصلني | مش بيوصل | مش واصل | لم يصل | ما يفتح | ما يقبل | مش شغال
    ما يشتغل | ما زبط | موقوف | مقفل | انقفل | مغلق | ما قدرت | ما اقدر | مش قادر | لا استطيع
    لا أستطيع | نسي | نسيت | ناسي | never arrives | not working | can't | cannot | locked | doesn't
    does not | won't | exceeded | تجاوزت | مش عارف | مو قادر | مو راضي | ما رضي
    """
)
NO_SCHOOL = phrases(
    """
    ما عنده مدرسه | ماعنده مدرسه | ما عندها مدرسه | ماعندها مدرسه | ما لقينا له مدرسه | مالقينا له مدرسه | has no school | without any school
    قاعد في البيت | قاعد بالبيت | قاعده في البيت | قاعده بالبيت | جالس في البيت | جالس بالبيت
    قاعد فالبيت | بدون مدرسه | بلا مدرسه | ما له مدرسه | ما لها مدرسه | ماله مدرسه | مالها مدرسه
    من غير مدرسه | ملوش مدرسه | ملهاش مدرسه | بدون مقعد | no school | without a school | out of school
    not enrolled anywhere | stays at home | staying home | at home since | مو مسجل في اي مدرسه
    غير مسجل في اي مدرسه | مش متسجل في اي مدرسه
    """
)
TERM_STARTED = phrases(
    """
    الدراسه بدات | بدات الدراسه | المدارس بدات | بدات المدارس | المدارس فتحت | الدراسه بلشت
    school started | school has started | term started | classes started | الدراسه ابتدت
    """
)
STUCK = phrases(
    """
    مرفوض | انرفض | رفض | معلق | قيد المراجعه | قيد الدراسه | ولسه | للحين | ما احد رد | ما حد رد
    pending | rejected | stuck | no answer | no reply
    """
)
DOCUMENT = phrases(
    """
    شهاده | الشهاده | للشهاده | وثيقه | الوثيقه | سجل اكاديمي | السجل الاكاديمي | كشف درجات
    certificate | transcript | diploma | تعريف
    """
)
NEEDED_NOW = phrases(
    """
    اليوم | الحين | الان | حالا | today | right now | now | urgently | عاجل | ضروري
    """
)
ABUSE = phrases(
    """
    يهين | اهانه | أهان | يضرب | ضرب ولدي | ضرب بنتي | ضربه | ضربها | ضربوه | تنمر | يتنمر | يتنمرون
    تحرش | يتحرش | عنف | اعتداء | يعتدي | تهديد | يهدد | يشتم | سب ولدي | يسب | بالقاب | bully | bullied
    harass | abuse | abused | hit my | beat my | threat | insult | خطر على | سلامه ولدي | سلامه بنتي
    safety
    """
)
SUSPICIOUS_SIGNIN = phrases(
    """
    جهاز ما اعرفه | جهاز غير معروف | جهاز مش عارفه | جهاز ما بعرفه | دخول مشبوه | تسجيل دخول غريب
    اشعار دخول | unknown device | unrecognized device | suspicious login | suspicious sign
    login i didn't | sign-in i didn't | wasn't me
    """
)
LOST_PHONE = phrases(
    """
    انسرق جوالي | سرق جوالي | سرقوا جوالي | ضاع جوالي | انسرق الجوال | الجوال انسرق | اتسرق موبايلي
    اتسرق الموبايل | موبايلي اتسرق | انسرق تلفوني | ضاع تلفوني | phone was stolen | stolen phone
    lost my phone | phone stolen | الشريحه انسرقت
    """
)
SYSTEM = phrases(
    """
    النظام | نظام | السيستم | سيستم | الموقع | المنصه | البوابه | system | site | platform | portal
    """
)
DOWN = phrases(
    """
    واقف | واقع | معطل | متعطل | متوقف | طايح | ما يفتح | ما يشتغل | مش شغال | مش بيفتح | لا يعمل
    لا يفتح | down | not working | not loading | unreachable | can log in | can't log in | cannot log in
    can login
    """
)
SCHOOL_WIDE = phrases(
    """
    كل المدارس | جميع المدارس | عند الجميع | كل مدارس | all schools | every school
    عندنا في المدرسه | في المدرسه | بالمدرسه | المدرسه كلها | عن المدرسه | عند الكل | عندنا
    كل المعلمين | جميع المعلمين | المعلمين | our school | whole school | the school | teachers
    """
)
ABSENT = ("غايب", "غايبه", "غائب", "غائبه", "غياب", "absent", "marked absent")
BUT_AT_SCHOOL = phrases(
    """
    وانا موصله | وانا موصلها | وصلته بنفسي | وصلتها بنفسي | موصلها | موصله | وهو في المدرسه
    وهي في المدرسه | وهو بالمدرسه | وهي بالمدرسه | dropped him | dropped her | was at school
    is at school | اوصلته | اوصلتها
    """
)
SIGN_IN = phrases(
    """
    ادخل | الدخول | دخول | تسجيل الدخول | log in | login | sign in | otp | رمز التحقق | كود التفعيل | الرمز
    """
)
LONG_WAIT = phrases(
    """
    من يومين | يومين | من امس | من أمس | من اسبوع | من أسبوع | من الصبح | من الصباح | منذ يومين | منذ أيام
    for two days | for days | since yesterday | for a week | since morning | all day | طول اليوم
    """
)
URGENT_WORDS = phrases(
    """
    عاجل | ضروري | ضروريه | بسرعه | فورا | في اسرع وقت | الله يخليكم | تكفون | تكفى | ارجوكم | urgent
    asap | emergency | immediately | please help
    """
)

# Low priority: thanks, greetings, chit-chat, suggestions, general information outside the system's services.
SUGGESTION = phrases(
    """
    please add | could you add | can you add | would be great if | اتمنى تضيفون | نتمنى اضافه | نتمنى تضيفون | ياريت تضيف | يا ريت تضيف | ياليت تضيف | يا ليت تضيف | اقترح اضافه
    اقتراح | اقترح | مقترح | ياليت تضيفون | يا ليت تضيفون | ليش ما تضيفون | ليه ما تضيفوا | ياريت تضيفوا
    لو تضيفون | suggest | suggestion | feature request | it would be nice
    """
)
CHITCHAT = phrases(
    """
    انت بوت | انت روبوت | هل انت بوت | هل انت انسان | ولا انسان | او انسان | are you a bot
    are you human | are you a robot | are you real | كيف حالك | شلونك | ازيك | كيفك | how are you | نكته
    joke | تساعدني بمساله | حل مساله | حل المساله | حل الواجب عني | solve this | ذاكر | مذاكره
    المذاكره | study tips | how to study
    """
)
OUT_OF_SCOPE = phrases(
    """
    3otla | 3utla | rateb | ratib | school bus
    راتب | رواتب | الراتب | علاوه | العلاوه | مكافاه | المكافاه | مكافاه شهريه | salary | salaries
    bonus | باص | الباص | حافله | الحافله | النقل المدرسي | school bus | bus | المقصف | مقصف | canteen
    اجازه | الاجازه | العطله | عطله | holiday | holidays | vacation | منح | منحه | بعثات | scholarship
    scholarships | القدرات | اختبار القدرات | التحصيلي | qudurat | رخصه مهنيه | الرخصه المهنيه
    teaching license | professional license | رسوم | الرسوم | fees | tuition | افضل مدرسه | احسن مدرسه
    best school | اهليه | الاهليه | private school | برنامج صيفي | summer program | summer camp
    رقم مدير | رقم مكتب التعليم | الدوام | موعد الدوام | وظيفه | وظائف | توظيف | jobs | job
    الزي المدرسي | uniform | التقويم الدراسي | academic calendar | بدايه الدراسه | متى تبدا الدراسه
    enrichment
    """
)
THANKS = phrases(
    """
    شكرا | شكر | مشكور | مشكورين | يعطيكم العافيه | يعطيك العافيه | الله يعطيكم | جزاكم الله | جزاك الله
    بارك الله | يسلمو | يسلموا | تسلم | تسلمون | تسلموا | ربنا يخليكم | الله يسعدكم | الله يوفقكم
    ممتنه | ممتن | متشكر | متشكرين | ميرسي | thanks | thank you | thank u | thx | appreciate | grateful
    shukran | shokran | merci
    """
)
PRAISE = phrases(
    """
    ممتاز | رائع | روعه | ابداع | مبدعين | خدمه ممتازه | سرعه الاستجابه | great job | excellent
    amazing | well done | love the | awesome
    """
)
GREETING = phrases(
    """
    السلام عليكم | سلام عليكم | مرحبا | مرحباً | اهلا | هلا | صباح الخير | مساء الخير | hello | hi | hey
    good morning | salam
    """
)

# Negative sentiment: frustration, complaint, distress. Failure phrases count too: a report that something
# does not work is written in frustration far more often than not.
NEGATIVE = phrases(
    """
    مش باين | مو باين | مب باين | مش ظاهر | not showing | not appearing | not shown
    mesh shaghal | mish shaghal | msh shaghal | mo shaghal | ma yeshta8el | ma yshta8el | مب شغال | مو شغال
    ما يطلع | ما تطلع | ما طلع | ما طلعت | ما يفتح | ما تفتح | ما يشتغل | ما تشتغل | ما يوصل | ما يوصلني
    ما وصل | ما وصلت | ما وصلني | ما يقبل | ما قبل | ما يخليني | ما زبط | ما ظهر | ما يظهر | ما تظهر
    ما يصير شي | ما صار شي | ما تغير | ما لقيت | ما قدرت | ما احد رد | ما حد رد | ماهي طالعه | مو طالع
    مش ظاهر | مش ظاهره | مش شغال | مش بيوصل | مش بيفتح | مش راضي | مفيش | مش موجود | لا يظهر | لا تظهر
    لا يعمل | لا يفتح | لم يصل | لم تظهر | لم يظهر | لم اتمكن | لا يتيح | لا استطيع | غلط | خطا | خطأ
    خاطئ | خاطئه | ايرور | error | مرفوض | انرفض | رفضت | رفض | مقفل | انقفل | موقوف | معلق | يعلق
    بطيء | بطيئ | ناقص | ناقصه | اختفى | اختفت | ضاع | ضاعت | مختفي | تعارض | زايد | مستحيل | للاسف
    مع الاسف | زهقت | تعبت | تعبنا | طفشت | طفشنا | حرام | ظلم | مهزله | سيء | سيئ | سيئه | فاشل
    مو معقول | مش معقول | حسبي الله | منهار | منهاره | متوتر | متوتره | زعلان | قهر | قهرتوني | شكوى
    اشتكي | اشتكى | اعترض | اعتراض | تظلم | بدون سبب | بدون ما يبلغوني | empty | not working | doesn't
    does not | didn't | did not | can't | cannot | won't | never | failed | fails | wrong | stuck
    missing | broken | terrible | useless | frustrat | angry | ridiculous | keeps | timing out
    times out | complain | unacceptable | exceeded | حقيقي مو bot | مو bot | مو بوت | مش بوت | ولا حد
    ولا احد | بدون فايده | وش الفايده | ايش الفايده | طيب وش | ليش ما | ليه مش | ليش محجوب | عم يعلق
    ما عم | هكر | اخترق | سرق | انسرق | احتيال | hack | stolen | يهين | تنمر | ضرب | يكره
    """
)
NEGATIVE_SYMBOLS = ("😡", "😠", "😤", "😭", "😢", "😞", "😔", "💔", "🤬", "!!", "؟؟", "??", "!؟", "؟!")
POSITIVE_SYMBOLS = ("🌹", "🌸", "❤", "💐", "👍", "🙏", "😊", "🤍", "💙", "💚")

# ── dialect markers: whole normalized tokens ────────────────────────────────────────────────────────────────
GULF_MARKERS = _weights(
    """
    ابي=1 ابغى=1 ابغي=1 ابا=0.5 وش=1 ايش=0.6 حقي=1 حقت=1 حقه=0.8 حقها=0.8 حقته=1 حقتها=1 حقتي=1 حقنا=0.8
    للحين=1 الحين=0.8 ذحين=1 توه=0.8 توني=0.8 عيالي=1 عيال=0.8 وايد=1 شلون=1 يبي=1 تبي=1 تبيها=1 يبغى=1
    تبغى=1 نبي=0.8 نبغى=1 ابيكم=1 ابيها=1 ابيه=1 جاني=1 جاتني=1 جتني=1 اسوي=1 يسوي=1 نسوي=1 تسوي=1
    سويت=1 سوينا=1 سوت=0.8 سووا=0.8 سوو=0.8 تكفى=1 تكفون=1 ماهي=0.8 مب=1 هذي=0.6 ولدي=0.6 بنتي=0.4 زين=0.6 مره=0.4 كذا=0.5
    وين=0.5 ليش=0.5 مو=0.6 اللي=0.4 يطلع=0.5 طلع=0.4 يمديني=1 يمدي=1 عشان=0.3 شي=0.3 حيل=0.6 ودي=0.6
    هالحين=1 زبط=1 اقدر=0.4 القى=0.6 الحينه=1 ترا=0.8 ترى=0.3 عاد=0.3 انسرق=0.6 قاعد=0.4 ياخي=0.6
    يالغالي=1 هلا=0.5 بروحي=0.5 بيقدم=0.4
    """
)
EGYPTIAN_MARKERS = _weights(
    """
    عايز=1 عايزه=1 عاوز=1 عاوزه=1 ازاي=1 ليه=1 مش=1 مفيش=1 ايه=0.8 دلوقتي=1 بتاع=1 بتاعت=1 بتاعي=1
    بتاعه=1 بتاعتي=1 كده=1 كدا=1 خالص=0.8 اوي=1 قوي=0.3 حاجه=0.6 بقى=0.6 لسه=0.6 امتى=1 فين=1 ده=1
    دي=0.8 دا=0.6 احنا=0.4 ابني=0.1 عشان=0.3 بيوصلني=1 بيوصل=0.8 بيفتح=0.8 بيقول=0.8 بيطلع=0.8 حد=0.5
    زمايله=0.6 بكره=0.3 اعمل=0.4 اعمله=0.6 ازيك=1 ايوه=1 برضه=1 برضو=1 علشان=1 ربنا=0.6 يخليكم=0.2
    مبيفتحش=1 مبيوصلش=1 ينفع=1 تستني=0.8 عايزين=1 عاوزين=1 بيدرس=0.8 بيدرسوا=0.8 هنا=0.1 اتوثق=0.6 هو=0.1 زرار=1 اتسرق=1
    """
)
LEVANTINE_MARKERS = _weights(
    """
    بدي=1 بدك=1 بده=1 بدها=1 بدنا=1 شو=1 هلق=1 هلا=0 هلء=1 عم=0.8 كتير=1 منيح=1 منيحه=1 هيك=1 لسا=1
    نحنا=1 هاد=1 هادا=1 هاي=0.5 هيدا=1 هيدي=1 مشان=1 مبارح=1 قديش=1 يسلمو=1 ايديكن=1 ايديك=0.8 كيفك=0.8
    تانيه=0.6 تاني=0.4 برا=0.3 ليش=0.3 وين=0.3 شي=0.3 بقدر=0.6 فيني=1 لاقي=0.6 كلهن=1 اربطهن=1
    هن=0.5 ولادي=0.5 صار=0.2 سكنا=0.2 بلشت=1 بلش=1 هون=1 هنيك=1 شلون=0 بنتي=0.1 خيي=1
    """
)
# Raw (not normalized) markers that normalization would make ambiguous: «هلأ» (Levantine "now") folds to «هلا».
LEVANTINE_RAW = ("هلأ", "هلّأ")

# Arabizi: Arabic in Latin letters, digits standing for letters (3 ع, 7 ح, 5 خ, 8 غ/ق, 2 ء, 6 ط, 9 ص).
ARABIZI_WORDS = frozenset(
    _tokens(
        """
    ana enta enti ente inta inti ahl abi abgha abgh abga abee wesh wsh wish esh eish shu shou sho shno shlon kif
    keef kaif leh lesh leish leesh mesh mish msh mafi mafish fi fe feh fih el al il wel wal bel bil lel lil
    ya yaa 3ashan 3shan 3alashan ya3ni y3ni law mumkin momken mmkn kaman kman bas bs tayeb tayb hal hala
    ahlan marhaba salam shukran shokran 3ayez 3ayz 3awz 3ayza 3awez ezay ezzay izzay emta imta feen fen wein
    ween wen badi bade baddi halla2 hala2 ktir kteer ktiir ma3 m3 3and 3ndi 3indi ibni ibnti binti bnti walad
    waladi wlade madrasa madrase madares madaris natija nateeja nata2ej shahada kalimat sir hesab 7esab 7sab
    raqam ra8m rakam jawal jawwal gawal mobile ta3lim mudir modeer mo3alem mu3allim talib taleb tullab
    hakomiya 7ekomiya 7ukumiya ahliya a7san ahsan afdal ghayart 8ayart yroo7 yru7 yrou7 raa7 ra7 2adeem
    8adeem qadeem jdeed jadeed gedeed ma3lesh ma3lish inshallah insha2allah wallah walla yalla khalas 5alas
    a3rf a3ref a3raf a3rif ba3d ba3den
    """
    )
)
ARABIZI_DIGITS = frozenset("2356789")
NOT_ARABIZI = frozenset({"mp3", "mp4", "4g", "5g", "3g", "2fa", "b2b", "h2", "a4", "g8", "y2k"})

# ── the cues: what an agent reads on the triage card ─────────────────────────────────────────────────────
COMBOS: tuple[Combo, ...] = (
    # urgent
    Combo("account_intrusion", _("Someone else got into the account"), "urgent", (INTRUSION,)),
    Combo(
        "code_given_away",
        _("A one-time code was given to someone (possible scam)"),
        "urgent",
        (CODE, GAVE_CODE),
    ),
    Combo(
        "grades_changed_by_someone",
        _("Grades changed without the teacher's knowledge (account may be compromised)"),
        "urgent",
        (GRADES, CHANGED_BY_SOMEONE),
    ),
    Combo(
        "result_error_before_university",
        _("Wrong or withheld final result before a university deadline"),
        "urgent",
        (RESULT, RESULT_WRONG, UNIVERSITY_DEADLINE),
    ),
    Combo(
        "school_blocked_on_deadline",
        _("A whole school cannot enter or approve grades on the deadline day"),
        "urgent",
        (WHOLE_SCHOOL, GRADE_ENTRY, DEADLINE_TODAY),
    ),
    # high
    Combo(
        "exam_or_homework_soon",
        _("A student is blocked with an exam or homework due soon"),
        "high",
        (STUDY_TASK, SOON, PROBLEM),
    ),
    Combo("child_without_school", _("A child is left without a school"), "high", (NO_SCHOOL,)),
    Combo(
        "term_started_request_stuck",
        _("School has started and the request is still stuck"),
        "high",
        (TERM_STARTED, STUCK),
    ),
    Combo(
        "document_needed_now", _("A certificate or record is needed today"), "high", (DOCUMENT, NEEDED_NOW)
    ),
    Combo("document_deadline", _("A document is needed before a deadline"), "high", (DOCUMENT, DEADLINE)),
    Combo("safety_or_abuse", _("Safety, abuse or bullying complaint"), "high", (ABUSE,)),
    Combo("suspicious_sign_in", _("Sign-in from an unknown device"), "high", (SUSPICIOUS_SIGNIN,)),
    Combo("phone_stolen", _("The phone that receives the codes was stolen or lost"), "high", (LOST_PHONE,)),
    Combo(
        "system_down_school", _("The system is down for a whole school"), "high", (SYSTEM, DOWN, SCHOOL_WIDE)
    ),
    Combo(
        "absent_but_at_school",
        _("Marked absent although the child was taken to school"),
        "high",
        (ABSENT, BUT_AT_SCHOOL),
    ),
    Combo(
        "locked_out_for_long",
        _("Unable to sign in for a long time"),
        "high",
        (SIGN_IN, PROBLEM, LONG_WAIT),
    ),
    Combo("urgent_words", _("The writer says it is urgent"), "high", (URGENT_WORDS,), weight=0.5),
    # low
    Combo("suggestion", _("A suggestion"), "low", (SUGGESTION,)),
    Combo("chit_chat", _("Chit-chat or a general question"), "low", (CHITCHAT,)),
    Combo("out_of_scope", _("General information outside the system's services"), "low", (OUT_OF_SCOPE,)),
)

# Colloquial words shared across Gulf speech (the deployment's default colloquial) that MSA does not use.
COLLOQUIAL_MARKERS = _weights(
    """
    ضفت=1 حطيت=1 حطيته=1 احط=0.8 اشيل=1 اشيله=1 شلت=0.8 طاحت=1 طاح=1 فيه=0.3 لما=0.3 بس=0.5 كم=0.2
    اشوف=0.8 يشوف=0.8 شفت=0.8 زي=0.6 علي=0.1 اطلع=0.4 تطلع=0.6 يطلع=0.6 طلعت=0.4 ادمج=0.3 ادمجهم=0.8
    درستها=0.2 برا=0.5 بالغلط=0.8 انقفل=0.8 تفتح=0.3 يوصلني=0.8 وصلني=0.6 حينا=0.6 سكنا=0.6 بيعيدون=1
    مقدما=0.3 اصلحها=0.6 محتاجه=0.3 اقدر=0.6 عندي=0.3 عندنا=0.3 اللي=0.6 الباسورد=0.8
    """
)
# Formal MSA words: a message with these and proper hamzas is standard Arabic even if it names a dialect word.
FORMAL_MARKERS = _weights(
    """
    لدي=1 لدينا=1 اود=1 يمكنني=1 بصفتي=1 ماذا=1 لماذا=1 الذي=0.6 التي=0.6 الي=0.3 رغم=0.6 كيفيه=1 يرجي=1
    اريد=0.5 لم=0.6 لن=0.6 ليس=0.8 لا=0.4 هل=0.3 يسمح=0.8 يوجد=0.6 اين=0.6 منذ=0.6 نفسها=0.5 بحسب=0.6
    """
)
