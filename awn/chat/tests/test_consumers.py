"""Live chat over Channels' WebsocketCommunicator: the real ASGI application, routing, auth and channel layer."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from awn.chat.enums import ChatStatus, Sender
from awn.chat.models import AgentPresence, Line, LiveSession
from awn.tickets.enums import Category, Channel, Direction, MessageKind
from awn.tickets.models import Message

from .conftest import (
    agent_socket,
    conversation_of,
    receive_until,
    session_cookie,
    start_chat,
    visitor_socket,
)

pytestmark = pytest.mark.django_db(transaction=True)


def run(coro: Any) -> Any:
    return async_to_sync(coro)()


def test_a_bad_or_forged_token_is_refused(world: Any) -> None:
    token = start_chat()["token"]
    pk = conversation_of(token).pk

    async def scenario() -> None:
        for bad in ("nope", token[:-2] + "xx", f"{pk}"):
            ws = visitor_socket(bad)
            connected, code = await ws.connect()
            assert not connected and code == 4403
            await ws.disconnect()
        ws = visitor_socket(token)
        connected, _ = await ws.connect()
        assert connected
        await ws.disconnect()

    run(scenario)


def test_the_visitor_sees_history_and_only_its_own_conversation(world: Any) -> None:
    async def scenario() -> None:
        agent = await sync_to_async(agent_socket)(
            world.agent
        )  # someone online: handed-off chats wait in the queue
        assert (await agent.connect())[0]
        mine = (await sync_to_async(start_chat)(question="نسيت كلمة المرور"))["token"]
        other = (
            await sync_to_async(start_chat)(name="سعد", email="saad@example.sa", question="سؤال سعد الخاص")
        )["token"]
        ws = visitor_socket(mine)
        assert (await ws.connect())[0]
        history = await receive_until(ws, "history")
        bodies = [line["body"] for line in history["lines"]]
        assert bodies[0] == "نسيت كلمة المرور"
        assert history["lines"][1]["sender"] == Sender.BOT  # the assistant answered first
        assert not any("سعد" in b for b in bodies)
        # Another visitor's message never reaches this socket.
        theirs = visitor_socket(other)
        assert (await theirs.connect())[0]
        await receive_until(theirs, "history")
        await theirs.send_json_to({"type": "message", "text": "رسالة سرية من سعد"})
        assert (await receive_until(theirs, "line"))["line"]["body"] == "رسالة سرية من سعد"
        assert await ws.receive_nothing(timeout=0.3)
        await theirs.disconnect()
        await ws.disconnect()
        await agent.disconnect()

    run(scenario)


def test_no_agent_online_turns_the_chat_into_a_ticket(world: Any) -> None:
    data = start_chat(question="ابني لا يظهر في حسابي")
    conversation = conversation_of(data["token"])
    # The assistant has no article for this (empty knowledge base): it hands off, nobody is online. The chat
    # stays open in the queue (issue 13, defect 7): the visitor may keep writing, the first agent back takes it.
    assert conversation.status == ChatStatus.QUEUED and conversation.offline
    assert conversation.ticket.channel == Channel.CHAT and conversation.ticket.status == "new"
    notice = Line.objects.filter(conversation=conversation, sender=Sender.SYSTEM).get()
    assert conversation.ticket.reference in notice.body
    # The assistant's attempt is on the ticket for whoever answers it.
    assert Message.objects.filter(ticket=conversation.ticket, kind=MessageKind.NOTE).exists()


def test_message_handoff_accept_reply_typing_and_close(world: Any, mailoutbox: list[Any]) -> None:
    async def scenario() -> None:
        agent = await sync_to_async(agent_socket)(world.agent)
        assert (await agent.connect())[0]
        assert (await receive_until(agent, "chats"))["chats"] == []
        assert await sync_to_async(AgentPresence.objects.filter(user=world.agent).exists)()

        data = await sync_to_async(start_chat)(question="ابني لا يظهر في حسابي")
        conversation = await sync_to_async(conversation_of)(data["token"])
        assert conversation.status == ChatStatus.QUEUED  # handed off, an agent is online
        queued = await receive_until(agent, "chat")
        assert queued["chat"]["id"] == conversation.pk and queued["chat"]["status"] == ChatStatus.QUEUED

        visitor = visitor_socket(data["token"])
        assert (await visitor.connect())[0]
        history = await receive_until(visitor, "history")
        assert history["status"]["status"] == ChatStatus.QUEUED
        assert history["status"]["position"] == 1
        assert history["status"]["wait_seconds"] == 180  # 1 × 180 s default handle time ÷ 1 agent online

        await agent.send_json_to({"type": "accept", "conversation": conversation.pk})
        lines = await receive_until(agent, "lines", conversation=conversation.pk)
        assert lines["lines"][0]["body"] == "ابني لا يظهر في حسابي"
        status = await receive_until(visitor, "status", status=ChatStatus.ASSIGNED)
        assert status["agent"] == "هند"

        await visitor.send_json_to({"type": "typing"})
        assert (await receive_until(agent, "typing"))["conversation"] == conversation.pk
        await visitor.send_json_to({"type": "message", "text": "<b>اسمه</b> <script>alert(1)</script>فهد"})
        line = (await receive_until(agent, "line", conversation=conversation.pk))["line"]
        assert line["sender"] == Sender.VISITOR and line["body"] == "<b>اسمه</b> <script>alert(1)</script>فهد"

        await agent.send_json_to({"type": "typing", "conversation": conversation.pk})
        assert (await receive_until(visitor, "typing"))["from"] == "agent"
        await agent.send_json_to(
            {"type": "reply", "conversation": conversation.pk, "text": "تم ربط فهد بحسابك"}
        )
        got = (await receive_until(visitor, "line"))["line"]
        assert got["sender"] == Sender.AGENT and got["body"] == "تم ربط فهد بحسابك" and got["name"] == "هند"

        await agent.send_json_to({"type": "close", "conversation": conversation.pk})
        await receive_until(visitor, "status", status=ChatStatus.CLOSED)
        await visitor.disconnect()
        await agent.disconnect()
        assert not await sync_to_async(AgentPresence.objects.filter(user=world.agent).exists)()

    run(scenario)
    conversation = LiveSession.objects.select_related("thread__ticket").get()
    ticket = conversation.ticket
    reply = Message.objects.get(ticket=ticket, direction=Direction.OUTBOUND)
    assert (reply.author_user_id, reply.channel, reply.kind) == (
        world.agent.pk,
        Channel.CHAT,
        MessageKind.REPLY,
    )
    assert ticket.assignee_id == world.agent.pk and ticket.status == "resolved"
    assert Message.objects.filter(
        ticket=ticket, body="<b>اسمه</b> <script>alert(1)</script>فهد", direction=Direction.INBOUND
    ).exists()
    # No email per chat line: one transcript when the chat ends (the "resolved" notice aside).
    with_reply = [m for m in mailoutbox if "تم ربط فهد بحسابك" in m.body]
    assert len(with_reply) == 1 and with_reply[0].to == ["mona@example.sa"]
    assert (
        ticket.reference in with_reply[0].subject
        and "<b>اسمه</b> <script>alert(1)</script>فهد" in with_reply[0].body
    )
    html_part = [body for body, kind in with_reply[0].alternatives if kind == "text/html"]
    assert all("<script>alert" not in body for body in html_part)  # the HTML alternative escapes it


def test_agent_socket_needs_a_staff_session(world: Any) -> None:
    async def scenario() -> None:
        for user in (None, world.parent_user):
            ws = await sync_to_async(agent_socket)(user)
            connected, code = await ws.connect()
            assert not connected and code == 4401
            await ws.disconnect()

    run(scenario)


def test_an_outsourced_agent_only_gets_chats_its_team_covers(world: Any) -> None:
    async def scenario() -> None:
        vendor = await sync_to_async(agent_socket)(
            world.vendor_agent
        )  # the vendor team covers account_access only
        inhouse = await sync_to_async(agent_socket)(world.agent)
        assert (await vendor.connect())[0] and (await inhouse.connect())[0]
        await receive_until(vendor, "chats")
        await receive_until(inhouse, "chats")
        data = await sync_to_async(start_chat)(question="ابني لا يظهر في حسابي")
        conversation = await sync_to_async(conversation_of)(data["token"])
        await sync_to_async(_set_category)(conversation.ticket_id, Category.REGISTRATION)
        await vendor.send_json_to({"type": "watch", "conversation": conversation.pk})
        assert (await receive_until(vendor, "error"))["code"] == "not_found"
        await vendor.send_json_to({"type": "accept", "conversation": conversation.pk})
        assert (await receive_until(vendor, "error"))["code"] == "not_found"
        # Queue broadcasts of an uncovered chat are not forwarded to the vendor's socket.
        await inhouse.send_json_to({"type": "accept", "conversation": conversation.pk})
        await receive_until(inhouse, "chat")
        assert await vendor.receive_nothing(timeout=0.3)
        await vendor.disconnect()
        await inhouse.disconnect()

    run(scenario)


def _set_category(ticket_id: int, category: str) -> None:
    from awn.tickets.models import Ticket

    Ticket.objects.filter(pk=ticket_id).update(category=category)


def test_a_flood_of_messages_is_rate_limited(world: Any) -> None:
    from awn.chat.services import RATE_MESSAGES

    async def scenario() -> int:
        agent = await sync_to_async(agent_socket)(world.agent)
        assert (await agent.connect())[0]
        token = (await sync_to_async(start_chat)())["token"]
        ws = visitor_socket(token)
        assert (await ws.connect())[0]
        await receive_until(ws, "history")
        for i in range(20):
            await ws.send_json_to({"type": "message", "text": f"رسالة {i}"})
        refused = 0
        for _ in range(20):
            frame = await ws.receive_json_from(timeout=3)
            while frame["type"] not in ("line", "error"):
                frame = await ws.receive_json_from(timeout=3)
            refused += frame["type"] == "error" and frame["code"] == "rate_limited"
        await ws.disconnect()
        await agent.disconnect()
        return refused

    refused = run(scenario)
    stored = Line.objects.filter(sender=Sender.VISITOR).count() - 1  # the pre-chat question aside
    # Fixed 10-second windows: 20 messages sent within a second span at most two of them.
    assert stored + refused == 20
    assert RATE_MESSAGES <= stored <= 2 * RATE_MESSAGES and refused >= 20 - 2 * RATE_MESSAGES


def test_only_embedding_sites_open_visitor_sockets_and_agents_stay_same_origin(
    world: Any, settings: Any
) -> None:
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    settings.AWN_CHAT_ORIGINS = ["https://noor.example.sa"]
    token = start_chat()["token"]

    async def scenario() -> None:
        def socket(
            path: str, origin: bytes, extra: tuple[tuple[bytes, bytes], ...] = ()
        ) -> WebsocketCommunicator:
            return WebsocketCommunicator(application, path, headers=[(b"origin", origin), *extra])

        visitor = socket(f"/ws/chat/{token}/", b"https://noor.example.sa")
        assert (await visitor.connect())[0]
        await visitor.disconnect()
        foreign = socket(f"/ws/chat/{token}/", b"https://evil.example")
        assert not (await foreign.connect())[0]
        cookie = await sync_to_async(session_cookie)(world.agent)
        agent = socket("/ws/agent/", b"https://noor.example.sa", ((b"cookie", cookie),))
        assert not (await agent.connect())[0]  # an embedding site never gets an agent's socket

    run(scenario)


def test_a_queued_chat_becomes_a_ticket_when_the_last_agent_leaves(world: Any, monkeypatch: Any) -> None:
    from awn.chat import services

    monkeypatch.setattr(services, "QUEUE_CHECK_SECONDS", 0.2)

    async def scenario() -> None:
        agent = await sync_to_async(agent_socket)(world.agent)
        assert (await agent.connect())[0]
        token = (await sync_to_async(start_chat)())["token"]
        visitor = visitor_socket(token)
        assert (await visitor.connect())[0]
        assert (await receive_until(visitor, "history"))["status"]["status"] == ChatStatus.QUEUED
        assert await visitor.receive_nothing(timeout=0.5)  # an agent is online: the chat keeps waiting
        await agent.disconnect()
        status = await receive_until(visitor, "status", offline=True)
        assert status["status"] == ChatStatus.QUEUED and status["position"] is None
        assert "لا يوجد موظف متصل" in status["queue_text"]
        await visitor.disconnect()

    run(scenario)
    conversation = LiveSession.objects.select_related("thread__ticket").get()
    notice = Line.objects.filter(conversation=conversation, sender=Sender.SYSTEM).order_by("id").last()
    assert notice is not None and conversation.ticket.reference in notice.body
    assert conversation.ticket.status == "new"  # the ticket stays open for the team
    assert conversation.status == ChatStatus.QUEUED and conversation.offline  # and the chat too
