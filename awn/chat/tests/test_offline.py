"""Nobody online: the chat stays open as a ticket and tells the visitor how and when (issue 13, defect 7); the
assistant does not answer a greeting with an article."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from awn.chat import services
from awn.chat.enums import ChatStatus, Sender
from awn.chat.models import Line
from awn.chat.offline import next_opening, when_we_answer
from awn.chat.text import has_content
from awn.sla.models import BusinessCalendar
from awn.sla.services import calendar_create
from awn.tickets.models import Message

from .conftest import conversation_of, start_chat

RIYADH = ZoneInfo("Asia/Riyadh")
HOUR = 3600
SUN_TO_THU_8_TO_16 = {day: [(8 * HOUR, 16 * HOUR)] for day in (6, 0, 1, 2, 3)}  # Python weekdays: Sun=6


@pytest.mark.django_db
def test_with_nobody_online_the_chat_stays_open_and_the_visitor_can_keep_writing(world: Any) -> None:
    conversation = conversation_of(start_chat(question="ابني لا يظهر في حسابي")["token"])
    assert conversation.status == ChatStatus.QUEUED and conversation.offline
    notice = Line.objects.filter(conversation=conversation, sender=Sender.SYSTEM).get()
    assert conversation.ticket.reference in notice.body and "mona@example.sa" in notice.body

    services.chat_visitor_message(conversation.pk, "رقم الهوية ١٠٥٠٠٠٠٠٠٧")
    assert Message.objects.filter(ticket=conversation.ticket, body="رقم الهوية ١٠٥٠٠٠٠٠٠٧").exists()
    status = services.status_json(conversation)
    assert status["offline"] is True and status["position"] is None
    assert conversation.ticket.reference in status["queue_text"]

    # The first agent back takes it from the queue; the chat is live again.
    taken = services.chat_accept(conversation.pk, world.agent)
    assert taken.status == ChatStatus.ASSIGNED and not taken.offline
    assert services.chat_queue_check(conversation.pk) is False


@pytest.mark.django_db
def test_the_visitor_is_told_when_the_team_is_back() -> None:
    calendar_create(name="الدعم", weekly_hours=SUN_TO_THU_8_TO_16, is_default=True)
    thursday_night = datetime(2026, 12, 10, 23, 0, tzinfo=RIYADH)  # a Thursday
    assert thursday_night.strftime("%A") == "Thursday"
    assert next_opening(None, thursday_night) == datetime(2026, 12, 13, 8, 0, tzinfo=RIYADH)  # Sunday 08:00
    monday_noon = datetime(2026, 12, 14, 12, 0, tzinfo=RIYADH)
    assert next_opening(None, monday_noon) == monday_noon
    assert "08:00" in when_we_answer(None, thursday_night)
    assert "08:00" not in when_we_answer(None, monday_noon)


@pytest.mark.django_db
def test_without_any_calendar_there_is_no_opening_time() -> None:
    BusinessCalendar.objects.all().delete()  # the migrations' default calendar too
    assert next_opening(None, datetime(2026, 12, 10, 23, 0, tzinfo=RIYADH)) is None
    assert when_we_answer(None) != ""


@pytest.mark.parametrize(
    ("text", "content"),
    [
        ("مرحبا", False),
        ("السلام عليكم ورحمة الله وبركاته", False),
        ("شكرا جزيلا", False),
        ("ممكن مساعدة؟", False),
        ("👍", False),
        ("؟؟؟", False),
        ("123", False),
        ("hi, please help", False),
        ("", False),
        ("نسيت كلمة المرور", True),
        ("السلام عليكم عندي مشكلة في الدخول", True),
        ("ابني لا يظهر في حسابي", True),
        ("login", True),
    ],
)
def test_what_counts_as_content(text: str, content: bool) -> None:
    assert has_content(text) is content


@pytest.mark.django_db
def test_a_greeting_gets_a_question_back_not_an_article(kb: None, world: Any) -> None:
    conversation = conversation_of(start_chat(question="السلام عليكم")["token"])
    bot = Line.objects.filter(conversation=conversation, sender=Sender.BOT).get()
    assert bot.article_id == "" and not bot.handoff
    conversation.refresh_from_db()
    assert conversation.status == ChatStatus.BOT  # still with the assistant, waiting for the question
    services.chat_visitor_message(conversation.pk, "نسيت كلمة المرور وما اقدر ادخل على حساب ولي الأمر")
    answer = services.chat_bot_answer(conversation.pk, "نسيت كلمة المرور وما اقدر ادخل على حساب ولي الأمر")
    assert answer is not None and answer.article_id == "kb-009"
