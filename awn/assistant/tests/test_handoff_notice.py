"""The messaging handoff's reply tells the expected wait (the routing layer's estimate for the ticket's place)."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

from awn.assistant.first_line_channels import _handed_off_notice
from awn.tickets.enums import Channel
from awn.tickets.models import Ticket

THANKS_AR = "شكرًا لك. سيرد عليك أحد أعضاء فريقنا هنا في أقرب وقت ممكن."
NOBODY_AR = "لا يوجد موظف متاح الآن. سنرد عليك حالما يعود الفريق."


def test_with_nobody_available_the_notice_says_so_in_arabic(db: None, world: Any) -> None:
    cache.clear()
    ticket = world.ticket(channel=Channel.WHATSAPP)
    assert _handed_off_notice("ar", ticket) == f"{THANKS_AR} {NOBODY_AR}"


def test_in_english_for_an_english_question(db: None, world: Any) -> None:
    cache.clear()
    ticket = world.ticket(channel=Channel.TELEGRAM)
    notice = _handed_off_notice("en", ticket)
    assert notice.startswith("Thank you. A member of our team will answer you here as soon as possible. ")
    assert "No agent is available right now" in notice


def test_a_ticket_someone_already_took_gets_no_wait(db: None, world: Any) -> None:
    cache.clear()
    ticket = world.ticket(channel=Channel.WHATSAPP)
    Ticket.objects.filter(pk=ticket.pk).update(assignee=world.agent)
    ticket.refresh_from_db()
    assert _handed_off_notice("ar", ticket) == THANKS_AR
