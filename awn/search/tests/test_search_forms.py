"""Issue 13, defect 9 (second probe set) through the ticket queue on the database: derived forms of one word,
English written in Arabic letters and back, Arabizi ticket text found in Arabic and the reverse. Reference words are
written by hand; each class has a ticket that must be found and one that must not."""

from __future__ import annotations

import pytest

from awn.tickets.selectors import ticket_queue


def queue_ids(user, q):
    page = ticket_queue(user, queue="all", filters={"q": q}, sort="relevance", page=1, page_size=100)
    return [t.pk for t in page.object_list]


@pytest.mark.parametrize(
    ("stored", "other", "typed"),
    [
        ("صدرت الشهادة أمس", "مصدر الخطأ غير معروف", "إصدار"),
        ("الكشف مطبوع", "مطبعة المدرسة معطلة", "طبعت"),
        ("سجلت ابني في الصف الأول", "الطالب مسجل غياب", "تسجيل"),
        ("كتاب الرياضيات ناقص", "كاتب المحضر", "كتاب"),
        ("ملعب المدرسة مغلق", "لعب الأطفال", "ملعب"),
    ],
)
def test_derived_forms(world, stored, other, typed):
    ticket = world.ticket(subject=stored, body="نص")
    different = world.ticket(subject=other, body="نص")
    found = queue_ids(world.agent, typed)
    assert ticket.pk in found and different.pk not in found


@pytest.mark.parametrize(
    ("stored", "other", "typed"),
    [
        ("ما أقدر أسوي لوجن", "لجين محمد", "login"),
        ("cannot login to the portal", "لجين محمد", "لوجن"),
        ("نسيت الباسورد", "باص المدرسة", "password"),
        ("forgot my password", "باص المدرسة", "الباسورد"),
        ("ما وصلني الايميل", "ميل الطالب", "email"),
    ],
)
def test_english_in_arabic_letters_and_back(world, stored, other, typed):
    ticket = world.ticket(subject=stored, body="نص")
    different = world.ticket(subject=other, body="نص")
    found = queue_ids(world.agent, typed)
    assert ticket.pk in found and different.pk not in found


def test_arabizi_ticket_text_is_found_in_arabic_and_the_reverse(world):
    arabizi = world.ticket(subject="talab", body="ibni ma 2dr yd5ol el manassa")
    arabic = world.ticket(subject="طلب", body="ما أقدر أدخل المنصة")
    lesson = world.ticket(subject="طلب", body="سورة الفاتحة")
    assert set(queue_ids(world.agent, "المنصة")) == {arabic.pk, arabizi.pk}
    # A multi-word Arabizi query:
    assert set(queue_ids(world.agent, "ad5ol el manassa")) == {arabic.pk, arabizi.pk}
    assert lesson.pk not in queue_ids(world.agent, "صورة")  # Arabic text never meets through the skeleton
