"""The chat's HTTP side: pre-chat form, upload (the tickets' attachment checks), the assistant's deflection,
transfers, replies written on the ticket page, and the pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from awn.accounts.enums import Role
from awn.accounts.services import user_create
from awn.chat import services
from awn.chat.enums import ChatStatus, Sender
from awn.chat.models import Line, LiveSession
from awn.core.errors import ValidationError
from awn.knowledge.models import Article
from awn.portal.tests.files import HTML_BYTES, png_bytes
from awn.tickets.enums import Channel, Direction, MessageKind, Status
from awn.tickets.models import Attachment, Message
from awn.tickets.services import ticket_add_message
from conftest import PASSWORD

from .conftest import conversation_of, start_chat

pytestmark = pytest.mark.django_db


def _post_start(**body: Any) -> Any:
    return Client().post("/chat/start/", json.dumps(body), content_type="application/json")


def test_the_pre_chat_form_needs_a_name_a_way_back_and_a_question(world: Any) -> None:
    response = _post_start(name="منى", question="سؤال")
    assert response.status_code == 400 and response.json()["field"] == "email"
    assert "رقم جوال أو بريدًا" in response.json()["message"]  # Arabic by default
    assert _post_start(name="", email="a@example.sa", question="سؤال").json()["field"] == "name"
    assert _post_start(name="منى", phone="05", question="سؤال").status_code == 400  # not a phone number
    assert Client().post("/chat/start/", "not json", content_type="application/json").status_code == 400
    ok = _post_start(name="<b>منى</b>", phone="0551234567", question="<script>x()</script>متى النتائج؟")
    assert ok.status_code == 200
    conversation = conversation_of(ok.json()["token"])
    # Stored as typed (issue 13, defect 5): the pages escape it, the widget inserts it as text.
    assert conversation.visitor_name == "<b>منى</b>" and conversation.visitor_phone == "+966551234567"
    assert conversation.ticket.channel == Channel.CHAT
    assert [line.body for line in conversation.lines.all()][:1] == ["<script>x()</script>متى النتائج؟"]


def test_the_start_endpoint_is_rate_limited_per_address(world: Any) -> None:
    codes = [
        _post_start(name="منى", email=f"m{i}@example.sa", question="سؤال").status_code for i in range(12)
    ]
    assert codes.count(200) == 10 and codes[-1] == 429


def test_the_assistant_answers_and_a_yes_ends_the_chat(kb: None, world: Any) -> None:
    token = start_chat(question="نسيت كلمة المرور وما اقدر ادخل على حساب ولي الأمر")["token"]
    conversation = conversation_of(token)
    bot = Line.objects.get(conversation=conversation, sender=Sender.BOT)
    assert bot.article_id == "kb-009" and not bot.handoff
    assert conversation.status == ChatStatus.BOT
    services.chat_bot_solved(conversation.pk)
    conversation.refresh_from_db()
    assert conversation.status == ChatStatus.CLOSED and not conversation.offline
    assert conversation.ticket.status == Status.RESOLVED
    assert Article.objects.get(external_id="kb-009").helpful_count == 1  # counted for the article


def test_a_no_counts_against_the_article_and_asks_for_a_person(kb: None, world: Any) -> None:
    token = start_chat(question="نسيت كلمة المرور وما اقدر ادخل على حساب ولي الأمر")["token"]
    conversation = conversation_of(token)
    services.chat_bot_declined(conversation.pk)
    conversation.refresh_from_db()
    assert conversation.status == ChatStatus.QUEUED and conversation.offline  # nobody online: open, queued
    assert Article.objects.get(external_id="kb-009").not_helpful_count == 1


def test_upload_goes_through_the_attachment_checks(world: Any, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    token = start_chat()["token"]
    conversation = conversation_of(token)
    LiveSession.objects.filter(pk=conversation.pk).update(status=ChatStatus.QUEUED)
    client = Client()
    ok = client.post(
        "/chat/upload/",
        {"token": token, "file": SimpleUploadedFile("شاشة.png", png_bytes(4, 4), "image/png")},
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["line"]["attachment"] == "شاشة.png"
    attachment = Attachment.objects.get()
    assert attachment.message.ticket_id == conversation.ticket_id and attachment.content_type == "image/png"
    bad = client.post(
        "/chat/upload/", {"token": token, "file": SimpleUploadedFile("x.png", HTML_BYTES, "image/png")}
    )
    assert bad.status_code == 400 and Attachment.objects.count() == 1
    forged = client.post(
        "/chat/upload/",
        {"token": token[:-3] + "abc", "file": SimpleUploadedFile("a.png", png_bytes(), "image/png")},
    )
    assert forged.status_code == 404


def _queued(world: Any) -> LiveSession:
    conversation = conversation_of(start_chat()["token"])
    LiveSession.objects.filter(pk=conversation.pk).update(status=ChatStatus.QUEUED)
    conversation.refresh_from_db()
    return conversation


def test_accept_is_first_come_and_transfer_checks_coverage(world: Any) -> None:
    conversation = _queued(world)
    services.chat_accept(conversation.pk, world.agent)
    with pytest.raises(Exception) as taken:
        services.chat_accept(conversation.pk, world.supervisor)
    assert getattr(taken.value, "code", "") == "conflict"
    # The vendor's team does not cover "other": a transfer to its agent is refused.
    with pytest.raises(ValidationError):
        services.chat_transfer(conversation.pk, world.agent, to_agent_id=world.vendor_agent.pk)
    services.chat_transfer(conversation.pk, world.agent, to_agent_id=world.supervisor.pk)
    conversation.refresh_from_db()
    assert (
        conversation.agent_id == world.supervisor.pk
        and conversation.ticket.assignee_id == world.supervisor.pk
    )
    services.chat_transfer(conversation.pk, world.supervisor, to_team_id=world.in_house.pk)
    conversation.refresh_from_db()
    assert conversation.status == ChatStatus.QUEUED and conversation.agent_id is None
    assert conversation.ticket.team_id == world.in_house.pk


def test_queue_position_and_estimated_wait(world: Any) -> None:
    first, second = _queued(world), _queued(world)
    for pk in (first.pk, second.pk):
        LiveSession.objects.filter(pk=pk).update(queued_at=LiveSession.objects.get(pk=pk).created_at)
    second.refresh_from_db()
    info = services.queue_info(second)
    assert info is not None and info.position == 2
    # Formula: position × average handle time ÷ agents online (at least 1); 3 min before any chat closed.
    assert info.wait_seconds == 2 * services.DEFAULT_HANDLE_SECONDS
    assert services.queue_text(2, 360, "ar") == "ترتيبك 2 في قائمة الانتظار. الانتظار المتوقع: نحو 6 دقائق."
    assert (
        services.queue_text(1, 60, "en") == "You are number 1 in the queue. Estimated wait: about 1 minute."
    )


def test_a_reply_written_on_the_ticket_page_reaches_the_chat(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = _queued(world)
    services.chat_accept(conversation.pk, world.agent)
    with django_capture_on_commit_callbacks(execute=True):  # the ReplySent subscriber runs after commit
        ticket_add_message(ticket=conversation.ticket, body="رد من صفحة التذكرة", actor=world.agent)
    line = Line.objects.get(conversation=conversation, sender=Sender.AGENT)
    assert line.body == "رد من صفحة التذكرة" and line.author_name == "هند"
    services.chat_agent_reply(conversation.pk, world.agent, "ورد من المحادثة")
    assert Line.objects.filter(conversation=conversation, sender=Sender.AGENT).count() == 2
    assert Message.objects.filter(ticket=conversation.ticket, direction=Direction.OUTBOUND).count() == 2
    # Notes stay internal.
    with django_capture_on_commit_callbacks(execute=True):
        ticket_add_message(
            ticket=conversation.ticket, body="ملاحظة", actor=world.agent, kind=MessageKind.NOTE
        )
    assert not Line.objects.filter(body="ملاحظة").exists()


def test_only_the_agent_in_the_chat_replies(world: Any) -> None:
    conversation = _queued(world)
    with pytest.raises(Exception) as refused:
        services.chat_agent_reply(conversation.pk, world.agent, "مرحبا")
    assert getattr(refused.value, "code", "") == "forbidden"
    services.chat_accept(conversation.pk, world.agent)
    other = user_create(username="agent2", password=PASSWORD, role=Role.AGENT, team=world.in_house)
    with pytest.raises(Exception) as refused:
        services.chat_agent_reply(conversation.pk, other, "مرحبا")
    assert getattr(refused.value, "code", "") == "forbidden"


def test_pages(world: Any) -> None:
    assert 'src="/static/chat/widget.js"' in Client().get("/chat/demo/").content.decode()
    strings = Client().get("/chat/strings/?lang=en").json()
    assert strings["dir"] == "ltr" and strings["strings"]["human"] == "Talk to a person"
    assert Client().get("/chat/strings/").json()["strings"]["human"] == "أريد التحدث مع موظف"
    assert Client().get("/workspace/chats/").status_code == 302  # sign in first
    assert world.client_for(world.parent_user).get("/workspace/chats/").status_code == 404
    page = world.client_for(world.agent).get("/workspace/chats/")
    assert page.status_code == 200 and 'data-socket="/ws/agent/"' in page.content.decode()


def test_sites_listed_in_awn_chat_origins_may_embed_the_widget(world: Any, settings: Any) -> None:
    settings.AWN_CHAT_ORIGINS = ["https://noor.example.sa"]
    client = Client()
    allowed = {"Origin": "https://noor.example.sa"}
    preflight = client.options("/chat/start/", headers=allowed)
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "https://noor.example.sa"
    body = json.dumps({"name": "منى", "email": "mona@example.sa", "question": "سؤال"})
    started = client.post("/chat/start/", body, content_type="application/json", headers=allowed)
    assert started.status_code == 200 and started["Access-Control-Allow-Origin"] == "https://noor.example.sa"
    foreign = client.post(
        "/chat/start/", body, content_type="application/json", HTTP_ORIGIN="https://evil.example"
    )
    assert "Access-Control-Allow-Origin" not in foreign
    assert "Access-Control-Allow-Origin" not in client.get(
        "/chat/strings/", HTTP_ORIGIN="https://evil.example"
    )


def test_a_chat_is_a_conversation_of_the_web_chat_inbox(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from awn.connectors.models import Conversation as Thread
    from awn.connectors.models import OutboundMessage

    conversation = _queued(world)
    thread = Thread.objects.select_related("inbox").get(ticket=conversation.ticket)
    assert (thread.inbox.kind, thread.external_id) == ("web_chat", str(conversation.pk))
    assert (thread.contact_id, thread.address) == (conversation.contact_id, "mona@example.sa")
    start_chat(name="سعاد", email="", phone="0503334444", question="سؤال آخر")  # the same inbox, a new thread
    assert Thread.objects.filter(inbox=thread.inbox).count() == 2
    assert Thread.objects.filter(inbox=thread.inbox, address="+966503334444").exists()
    services.chat_accept(conversation.pk, world.agent)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_add_message(ticket=conversation.ticket, body="رد من صفحة التذكرة", actor=world.agent)
    # Said in the live session, not sent through the outbox.
    assert Line.objects.filter(conversation=conversation, sender=Sender.AGENT).count() == 1
    assert not OutboundMessage.objects.exists()
