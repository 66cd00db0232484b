"""Surge mode's automatic first reply is the ONE automatic first message on every channel: while an active incident
matches a new WhatsApp, Telegram, email or live-chat contact, the person gets the incident's explanation and guide,
and the assistant's generic first answer is not also sent. Through the real webhooks, outbox and a fake provider
on 127.0.0.1 (the assistant answers first on all three messaging channels here)."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

import pytest
from django.test import Client

from awn.assistant.models import FirstLineConversation
from awn.chat.enums import Sender
from awn.chat.models import Line, LiveSession
from awn.connectors.models import Inbox
from awn.incidents import services as incidents
from awn.incidents.models import FirstReply, Incident
from awn.incidents.selectors import forget_active_incidents
from awn.tickets.enums import Direction, MessageKind
from awn.tickets.models import Message, Ticket

from .conftest import load

_ids = itertools.count(1)
QUESTION = "نسيت كلمة المرور حقتي ولا اقدر ادخل حساب ولدي وش اسوي"
MESSAGE_AR = "نظام نور متوقف عن تسجيل الدخول منذ الصباح ونعمل على إصلاحه."
GUIDE = "/portal/kb/login-guide/"


@pytest.fixture(autouse=True)
def _assistant_first_everywhere(settings: Any) -> Any:
    settings.AWN_TASKS_MODE = "sync"
    settings.AWN_ASSISTANT_FIRST_CHANNELS = ("whatsapp", "telegram", "email")
    forget_active_incidents()
    yield
    forget_active_incidents()


@pytest.fixture
def incident(world: Any, django_capture_on_commit_callbacks: Any) -> Incident:
    with django_capture_on_commit_callbacks(execute=True):
        return incidents.incident_declare(
            actor=world.supervisor,
            title_ar="تعطل الدخول إلى نور",
            message_ar=MESSAGE_AR,
            guide_url=GUIDE,
            keywords="كلمة المرور, الدخول",
        )


def _whatsapp(body: str) -> dict[str, Any]:
    payload = load("whatsapp/text.json")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"] = f"wamid.incident-{next(_ids)}"
    message["text"]["body"] = body
    return payload


def _telegram(body: str) -> dict[str, Any]:
    payload = load("telegram/text.json")
    payload["update_id"] = 900000 + next(_ids)
    payload["message"]["message_id"] = 7000 + next(_ids)
    payload["message"]["text"] = body
    return payload


def _email() -> dict[str, Any]:
    # Subject "تعذر الدخول إلى نظام نور", body "…ابني لا يستطيع الدخول إلى نظام نور": a keyword of the incident.
    return copy.deepcopy(load("email/text.json"))


def _sent_texts(provider: Any) -> list[str]:
    texts = []
    for request in provider.state.sends():
        sent = request.json()
        text = sent.get("text")
        texts.append(text["body"] if isinstance(text, dict) else str(text or ""))
    return texts


def _automatic_replies(ticket: Ticket) -> list[str]:
    return list(
        Message.objects.filter(
            ticket=ticket, direction=Direction.OUTBOUND, kind=MessageKind.REPLY, author_user__isnull=True
        ).values_list("body", flat=True)
    )


@pytest.mark.parametrize(
    ("channel", "payload"),
    [("whatsapp", lambda: _whatsapp(QUESTION)), ("telegram", lambda: _telegram(QUESTION)), ("email", _email)],
)
def test_one_automatic_first_message_with_the_incidents_text(
    kb: None,
    incident: Incident,
    inboxes: dict[str, Inbox],
    deliver: Any,
    provider: Any,
    channel: str,
    payload: Any,
) -> None:
    assert deliver(inboxes[channel], payload()).status_code == 200
    ticket = Ticket.objects.get(channel=channel)
    assert ticket.problem_id == incident.problem_id
    [reply] = _automatic_replies(ticket)
    assert MESSAGE_AR in reply and GUIDE in reply
    sent = _sent_texts(provider)
    assert len(sent) == 1, sent  # the provider received exactly one message: the incident's
    assert MESSAGE_AR in sent[0]
    # The assistant looked and stayed silent: no first-line conversation, no "did this solve it?".
    assert not FirstLineConversation.objects.filter(ticket=ticket).exists()
    assert FirstReply.objects.get(ticket=ticket).message_id is not None
    # A second delivery of the answering job, and the sweep, add nothing.
    assert incidents.incident_answer_new_ticket(ticket.pk) is False
    assert incidents.first_replies_resume(stale_seconds=0) == 0
    assert len(_automatic_replies(ticket)) == 1


def test_without_a_matching_incident_the_assistant_answers_as_before(
    kb: None, incident: Incident, inboxes: dict[str, Inbox], deliver: Any, provider: Any
) -> None:
    deliver(inboxes["whatsapp"], _whatsapp("متى تظهر نتائج الفصل الأول؟"))
    ticket = Ticket.objects.get(channel="whatsapp")
    assert ticket.problem_id is None
    replies = _automatic_replies(ticket)
    assert len(replies) == 1 and MESSAGE_AR not in replies[0]
    assert FirstLineConversation.objects.filter(ticket=ticket).exists()


def test_a_later_message_on_the_same_conversation_gets_no_second_automatic_message(
    kb: None, incident: Incident, inboxes: dict[str, Inbox], deliver: Any, provider: Any
) -> None:
    deliver(inboxes["whatsapp"], _whatsapp(QUESTION))
    deliver(inboxes["whatsapp"], _whatsapp("طيب متى يرجع؟"))
    ticket = Ticket.objects.get(channel="whatsapp")
    assert len(_automatic_replies(ticket)) == 1
    assert len(_sent_texts(provider)) == 1


def test_a_claim_whose_job_was_lost_is_answered_once_by_the_sweep(
    kb: None,
    incident: Incident,
    inboxes: dict[str, Inbox],
    deliver: Any,
    provider: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(incidents, "enqueue", lambda *args: None)  # the job is lost (a broker outage)
    deliver(inboxes["whatsapp"], _whatsapp(QUESTION))
    ticket = Ticket.objects.get(channel="whatsapp")
    assert _automatic_replies(ticket) == [] and not FirstLineConversation.objects.exists()
    assert incidents.first_replies_resume(stale_seconds=30) == 0  # too recent: its job may still run
    assert incidents.first_replies_resume(stale_seconds=0) == 1
    assert incidents.first_replies_resume(stale_seconds=0) == 0
    [reply] = _automatic_replies(ticket)
    assert MESSAGE_AR in reply


def test_live_chat_shows_the_incidents_reply_as_its_one_first_answer(
    kb: None, incident: Incident, django_capture_on_commit_callbacks: Any
) -> None:
    body = {"name": "منى", "phone": "0501112233", "question": QUESTION}
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/chat/start/", json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    conversation = LiveSession.objects.get()
    bot_lines = list(Line.objects.filter(conversation=conversation, sender=Sender.BOT))
    assert len(bot_lines) == 1 and MESSAGE_AR in bot_lines[0].body and GUIDE in bot_lines[0].body
    [reply] = _automatic_replies(conversation.ticket)
    assert MESSAGE_AR in reply
    assert not Line.objects.filter(conversation=conversation, sender=Sender.AGENT).exists()
