"""The assistant's first line is one flow (awn/assistant/first_line.py) for the portal and live chat: the ticket,
or the chat's answer, and the assistant's attempt as an internal note commit together or not at all."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from awn.assistant import first_line
from awn.assistant.first_line import NewTicket, answers_alone, first_line_ask, first_line_ticket
from awn.chat.enums import ChatStatus, Sender
from awn.chat.models import Line, LiveSession
from awn.core.errors import ValidationError
from awn.tickets.enums import Category, Channel, Direction, MessageKind
from awn.tickets.models import Message, Ticket

FORGOT = "نسيت كلمة المرور وما اقدر ادخل على حساب ولي الأمر"
PORTAL_FORM = {
    "subject": "نسيت كلمة المرور",
    "body": FORGOT,
    "category": Category.ACCOUNT_ACCESS,
    "about": "self",
    "assistant_declined": "kb-009",
}


def notes() -> list[Message]:
    return list(Message.objects.filter(kind=MessageKind.NOTE).order_by("pk"))


class NoteFailed(ValidationError):
    pass


@pytest.fixture
def note_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The attempt's note fails after the ticket (or the chat's line) was written."""

    def failing(**kwargs: Any) -> Message:
        raise NoteFailed("the note could not be written")

    monkeypatch.setattr(first_line, "ticket_add_message", failing)


# ---- the service --------------------------------------------------------------------------------------------


def test_a_new_ticket_and_the_attempt_note_are_written_together(kb: None, world: Any) -> None:
    attempt = first_line_ask(FORGOT)
    assert answers_alone(attempt) and attempt.article_id == "kb-009"
    ticket = first_line_ticket(
        NewTicket(requester=world.parent, subject="نسيت كلمة المرور", body=FORGOT),
        attempt=attempt,
        declined=True,
    )
    assert ticket.channel == Channel.PORTAL and ticket.requester == world.parent
    [note] = notes()
    assert note.ticket_id == ticket.pk and note.direction == Direction.INTERNAL
    assert note.author_user_id is None and note.author_contact_id is None
    assert "kb-009" in note.body and "أفاد العميل بأنه لم يحل المشكلة" in note.body


def test_an_existing_ticket_gets_only_the_note_and_no_attempt_writes_no_note(kb: None, world: Any) -> None:
    ticket = world.ticket()
    assert first_line_ticket(ticket, attempt=first_line_ask(FORGOT)).pk == ticket.pk
    assert Ticket.objects.count() == 1 and len(notes()) == 1
    first_line_ticket(NewTicket(requester=world.parent, subject="مرفق", body="صورة الشاشة"), attempt=None)
    assert Ticket.objects.count() == 2 and len(notes()) == 1


def test_a_handoff_or_no_article_never_answers_alone(kb: None) -> None:
    assert not answers_alone(first_line_ask("احد دخل على حسابي وغير الايميل والرقم، ساعدوني بسرعة"))
    assert not answers_alone(first_line_ask("؟؟"))


def test_a_note_that_fails_takes_the_new_ticket_with_it(kb: None, world: Any, note_fails: None) -> None:
    with pytest.raises(NoteFailed):
        first_line_ticket(
            NewTicket(requester=world.parent, subject="نسيت كلمة المرور", body=FORGOT),
            attempt=first_line_ask(FORGOT),
        )
    assert Ticket.objects.count() == 0 and Message.objects.count() == 0


# ---- the portal uses it -------------------------------------------------------------------------------------


def test_the_portal_sends_the_ticket_with_the_attempt(kb: None, world: Any) -> None:
    response = world.client_for(world.parent_user).post(reverse("portal:ticket_new"), PORTAL_FORM)
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert [n.ticket_id for n in notes()] == [ticket.pk]


def test_the_portal_sends_nothing_when_the_note_fails(kb: None, world: Any, note_fails: None) -> None:
    response = world.client_for(world.parent_user).post(reverse("portal:ticket_new"), PORTAL_FORM)
    assert response.status_code == 400  # the customer sees the error beside the form and may send again
    assert "the note could not be written" in response.content.decode()
    assert Ticket.objects.count() == 0 and Message.objects.count() == 0


# ---- live chat uses it --------------------------------------------------------------------------------------


def start_chat() -> Any:
    body = {"name": "منى", "phone": "0501112233", "question": FORGOT}
    return Client().post("/chat/start/", json.dumps(body), content_type="application/json")


def test_the_chat_answer_and_the_attempt_commit_together(kb: None, world: Any) -> None:
    response = start_chat()
    assert response.status_code == 200
    conversation = LiveSession.objects.get()
    bot = Line.objects.get(conversation=conversation, sender=Sender.BOT)
    assert bot.article_id == "kb-009"
    [note] = notes()
    assert note.ticket_id == conversation.ticket_id and "kb-009" in note.body


def test_the_chat_keeps_no_answer_without_its_note(kb: None, world: Any, note_fails: None) -> None:
    with pytest.raises(NoteFailed):
        start_chat()
    # The chat and its ticket were opened before the assistant spoke; its answer and note are not there.
    conversation = LiveSession.objects.get()
    assert conversation.status == ChatStatus.BOT
    assert not Line.objects.filter(conversation=conversation, sender=Sender.BOT).exists()
    assert notes() == []
