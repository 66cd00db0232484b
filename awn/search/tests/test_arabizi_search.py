"""Searches typed in Arabizi find Arabic text; English words in a query are left alone."""

from __future__ import annotations

from awn.crm.selectors import contact_search
from awn.crm.services import contact_create
from awn.search.selectors import query_terms
from awn.tickets.models import Ticket
from awn.tickets.selectors import ticket_queue


def test_a_name_typed_in_arabizi_finds_the_contact(world):
    hasan = contact_create(name="حسن علي الشهري")
    assert hasan in contact_search("7asan 3ali")
    assert hasan in contact_search("حسن")


def test_a_ticket_is_found_from_an_arabizi_query(world):
    ticket = world.ticket(subject="الطلب مقبول لكن لم يظهر", body="تم قبول طلب النقل")
    page = ticket_queue(
        world.admin, queue="all", filters={"q": "talab ma8bool"}, sort="newest", page=1, page_size=50
    )
    assert ticket.pk in [t.pk for t in page.object_list]
    assert Ticket.objects.count() == 1


def test_english_and_ids_are_not_transliterated():
    assert query_terms("password reset") == ["password", "reset"]
    assert "2290417" in query_terms("talab 2290417")
