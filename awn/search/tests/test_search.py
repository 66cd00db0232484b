"""The search index on whichever database runs the tests (SQLite FTS5 or PostgreSQL full text)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from awn.core.tests.test_text import VARIANT_PAIRS
from awn.crm.selectors import contact_search
from awn.crm.services import contact_create, contact_merge, contact_update
from awn.search.enums import Kind
from awn.search.models import SearchEntry
from awn.search.selectors import search_ids
from awn.tickets.enums import Category
from awn.tickets.models import Ticket
from awn.tickets.selectors import ticket_queue
from awn.tickets.services import ticket_add_message, ticket_merge, ticket_update


def queue_ids(user, q, sort="newest"):
    page = ticket_queue(user, queue="all", filters={"q": q}, sort=sort, page=1, page_size=100)
    return [t.pk for t in page.object_list]


@pytest.mark.parametrize("swap", [False, True])
def test_recall_over_spelling_variants_is_complete(world, swap):
    tickets = {}
    for i, pair in enumerate(VARIANT_PAIRS):
        stored, typed = (pair[1], pair[0]) if swap else pair
        tickets[typed] = world.ticket(subject=f"{stored} {i}", body="نص")
    found = [typed for typed, ticket in tickets.items() if ticket.pk in queue_ids(world.agent, typed)]
    assert found == list(tickets), set(tickets) - set(found)


def test_agent_searches_find_hamza_ta_marbuta_diacritics_and_tatweel_variants(world):
    a = world.ticket(subject="طلب إعادة تعيين")
    b = world.ticket(subject="إعاده الاختبار")
    c = world.ticket(subject="نسيت كلمة المرور")
    d = world.ticket(subject="إِعَـــادَة الرصد")
    world.ticket(subject="مشكلة أخرى")
    assert set(queue_ids(world.agent, "اعادة")) == {a.pk, b.pk, d.pk}
    assert queue_ids(world.agent, "كلمه المرور") == [c.pk]
    assert queue_ids(world.agent, "؟؟") == []


def test_ranking_puts_the_better_match_first(world):
    weak = world.ticket(subject="استفسار عام", body="ذكرت الشهادة مرة واحدة في نهاية رسالة طويلة عن التسجيل")
    strong = world.ticket(subject="طباعة الشهادة", body="لا أستطيع طباعة الشهادة")
    assert queue_ids(world.agent, "طباعة الشهادة", sort="relevance") == [strong.pk]
    assert queue_ids(world.agent, "الشهادة", sort="relevance") == [strong.pk, weak.pk]
    assert search_ids(Kind.TICKET, "الشهادة") == [strong.pk, weak.pk]
    # Without a search, relevance is the newest first.
    assert queue_ids(world.agent, "", sort="relevance")[:2] == [strong.pk, weak.pk]


def test_reference_numbers_still_open_the_ticket(world):
    ticket = world.ticket()
    assert queue_ids(world.agent, ticket.reference) == [ticket.pk]
    assert queue_ids(world.agent, f"#{ticket.pk}") == [ticket.pk]


def test_index_follows_ticket_replies_subject_changes_and_merges(world):
    ticket = world.ticket(subject="مشكلة الدخول", body="تظهر رسالة خطأ")
    assert queue_ids(world.agent, "خطأ") == [ticket.pk]
    ticket_add_message(ticket=ticket, body="جربت المتصفح كروم", actor=None)
    ticket_add_message(ticket=ticket, body="ملاحظة سرية", actor=world.agent, kind="note")
    ticket_add_message(ticket=ticket, body="يرجى مسح ذاكرة التخزين", actor=world.agent)
    assert queue_ids(world.agent, "المتصفح") == [ticket.pk]
    assert queue_ids(world.agent, "التخزين") == [ticket.pk]
    assert queue_ids(world.agent, "سرية") == []  # internal notes are not indexed
    ticket_update(ticket=ticket, actor=world.agent, changes={"subject": "تعذر الدخول إلى المنصة"})
    assert queue_ids(world.agent, "المنصة") == [ticket.pk]
    other = world.ticket(subject="جدول الحصص", body="الجدول فارغ")
    ticket_merge(source=other, target=ticket, actor=world.agent)
    assert ticket.pk in queue_ids(world.agent, "الحصص")


def test_outsourced_agents_only_find_their_categories(world):
    covered = world.ticket(subject="الشهادة لا تظهر", category=Category.ACCOUNT_ACCESS)
    hidden = world.ticket(subject="الشهادة لا تظهر", category=Category.RESULTS_CERTIFICATES)
    assert set(queue_ids(world.agent, "الشهاده")) == {covered.pk, hidden.pk}
    assert queue_ids(world.vendor_agent, "الشهاده") == [covered.pk]
    assert queue_ids(world.vendor_agent, "الشهاده", sort="relevance") == [covered.pk]
    assert queue_ids(world.vendor_agent, str(hidden.pk)) == []


def test_contact_index_follows_create_rename_and_merge(world):
    contact = contact_create(name="فاطمة الزهراني")
    assert list(contact_search("فاطمه")) == [contact]
    assert list(contact_search("الزهراني")) == [contact]
    contact_update(contact=contact, name="فاطمة الشهري")
    assert list(contact_search("الزهراني")) == []
    assert list(contact_search("الشهري")) == [contact]
    duplicate = contact_create(name="فاطمة الشهري")
    contact_merge(source=duplicate, target=contact)
    assert list(contact_search("الشهري")) == [contact]
    assert not SearchEntry.objects.filter(kind=Kind.CONTACT, object_id=duplicate.pk).exists()


def test_contact_names_match_by_prefix_and_rank_full_names_first(world):
    full = contact_create(name="عبدالرحمن الدوسري")
    first_only = contact_create(name="عبدالرحمن")
    # Same rank for a prefix of both names, then by name: the shorter name first (issue 13, defect 10: no `or`).
    assert list(contact_search("عبدالرح")) == [first_only, full]
    assert list(contact_search("عبدالرحمن الدوسري")) == [full]


def test_rebuild_command_restores_the_index(world):
    ticket = world.ticket(subject="تعديل بيانات الطالب", body="الاسم غير صحيح")
    ticket_add_message(ticket=ticket, body="أرفقت صورة الهوية", actor=None)
    SearchEntry.objects.all().delete()
    assert queue_ids(world.agent, "الهوية") == []
    call_command("rebuild_search_index", stdout=io.StringIO())
    assert queue_ids(world.agent, "الهوية") == [ticket.pk]
    assert list(contact_search("القحطاني")) == [world.parent, world.child]
    assert SearchEntry.objects.filter(kind=Kind.TICKET).count() == Ticket.objects.count()


def test_ticket_create_adds_one_index_row(world, django_assert_max_num_queries):
    from awn.tickets.services import ticket_create

    with django_assert_max_num_queries(20) as captured:
        ticket_create(requester=world.parent, subject="اختبار", body="نص")
    search_writes = [q for q in captured.captured_queries if "search_searchentry" in q["sql"]]
    assert len(search_writes) == 1 and search_writes[0]["sql"].lstrip().upper().startswith("INSERT")
