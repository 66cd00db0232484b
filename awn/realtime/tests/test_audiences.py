"""Who gets a push, through the real ASGI application, agent sockets signed in by session cookie and the real
channel layer: audiences come from the tickets' own policy, computed when the push leaves."""

from __future__ import annotations

from concurrent.futures import wait
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection
from django.test.utils import CaptureQueriesContext

from awn.accounts.enums import Role
from awn.accounts.services import user_create
from awn.chat.tests.conftest import start_chat, visitor_socket
from awn.core import tasks
from awn.realtime import selectors
from awn.realtime.models import AgentSocket
from awn.tickets.enums import Category, Channel, MessageKind
from awn.tickets.models import Message, Ticket, TicketWatcher
from awn.tickets.services import ticket_add_message, ticket_update
from conftest import PASSWORD

from .conftest import agent_page, post_whatsapp

pytestmark = pytest.mark.django_db(transaction=True)
NOTE = "ملاحظة داخلية: ولي الأمر غاضب، لا تذكر الغرامة"


def run(coro: Any) -> Any:
    return async_to_sync(coro)()


def _whatsapp_ticket(world: Any, whatsapp: Any, category: str = Category.REGISTRATION) -> Ticket:
    assert post_whatsapp(whatsapp, "السلام عليكم، عندي سؤال عن التسجيل", "wamid.first") == 200
    ticket = Ticket.objects.get(channel=Channel.WHATSAPP)
    return ticket_update(ticket=ticket, actor=world.admin, changes={"category": category})


def test_a_whatsapp_message_reaches_the_in_house_agent_and_never_an_uncovered_vendor(
    world: Any, whatsapp: Any
) -> None:
    ticket = _whatsapp_ticket(world, whatsapp)  # registration: not covered by the vendor team

    async def scenario() -> tuple[list[dict], list[dict], dict]:
        agent = await sync_to_async(agent_page)(world.agent)
        assert (await agent.open("ticket", ticket.pk))["subscribed"]["page"] == "ticket"
        vendor_queue = await sync_to_async(agent_page)(world.vendor_agent)
        await vendor_queue.open("queue")
        vendor_peek = await sync_to_async(agent_page)(world.vendor_agent)
        refused = await vendor_peek.open("ticket", ticket.pk)
        assert await sync_to_async(post_whatsapp)(whatsapp, "ابني لم يظهر", "wamid.second") == 200
        got = [await agent.until("message")] + await agent.frames()
        silent = await vendor_queue.frames() + await vendor_peek.frames()
        for ws in (agent, vendor_queue, vendor_peek):
            await ws.disconnect()
        return got, silent, refused

    got, silent, refused = run(scenario)
    message = Message.objects.filter(ticket=ticket).latest("id")
    assert message.body == "ابني لم يظهر" and message.channel == Channel.WHATSAPP
    assert got == [{"type": "message", "ticket": ticket.pk, "message": message.pk}]  # ids only
    assert silent == []
    # The vendor may not even open the ticket's page: not found, and its socket shows nothing.
    assert refused["subscribed"] == {"type": "subscribed", "page": "other", "ticket": None}
    assert [f["code"] for f in refused["before"]] == ["not_found"]


def test_a_covering_vendor_and_a_supervisor_get_the_queue_frame(world: Any, whatsapp: Any) -> None:
    ticket = _whatsapp_ticket(world, whatsapp, category=Category.ACCOUNT_ACCESS)  # the vendor covers it

    async def scenario() -> list[list[dict]]:
        sockets = [
            await sync_to_async(agent_page)(world.vendor_agent),
            await sync_to_async(agent_page)(world.supervisor),
        ]
        for ws in sockets:
            await ws.open("queue")
        await sync_to_async(post_whatsapp)(whatsapp, "ما زلت لا أستطيع الدخول", "wamid.third")
        got = [await ws.frames() for ws in sockets]
        for ws in sockets:
            await ws.disconnect()
        return got

    assert run(scenario) == [[{"type": "queue", "ticket": ticket.pk}]] * 2


def test_a_customer_never_receives_an_internal_note(world: Any) -> None:
    chat = start_chat(question="ابني لا يظهر في حسابي")  # no agent online: the chat is an open ticket
    ticket = Ticket.objects.get(channel=Channel.CHAT)

    async def scenario() -> tuple[list[dict], list[dict], tuple[bool, Any]]:
        customer = await sync_to_async(agent_page)(world.parent_user)
        refused = await customer.connect()
        visitor = visitor_socket(chat["token"])
        assert (await visitor.connect())[0]
        await visitor.receive_json_from(timeout=5)  # its history
        agent = await sync_to_async(agent_page)(world.agent)
        await agent.open("ticket", ticket.pk)
        await sync_to_async(ticket_add_message)(
            ticket=ticket, body=NOTE, actor=world.agent, kind=MessageKind.NOTE
        )
        to_agent = await agent.frames()
        to_visitor = await _all(visitor)
        for ws in (visitor, agent):
            await ws.disconnect()
        return to_agent, to_visitor, refused

    to_agent, to_visitor, refused = run(scenario)
    note = Message.objects.get(kind=MessageKind.NOTE, body=NOTE)
    assert refused == (False, 4401)  # a customer session gets no agent socket at all
    assert to_visitor == []
    assert to_agent == [{"type": "message", "ticket": ticket.pk, "message": note.pk}]
    assert NOTE not in repr(to_agent)  # the note's words travel only through the authorized fetch


async def _all(ws: Any, timeout: float = 0.5) -> list[dict]:
    got = []
    while not await ws.receive_nothing(timeout=timeout):
        got.append(await ws.receive_json_from(timeout=1))
    return got


def test_the_audience_is_computed_when_the_push_leaves(world: Any, whatsapp: Any) -> None:
    """A vendor that could see the ticket when its page opened gets nothing once the ticket moves out of its
    categories."""
    ticket = _whatsapp_ticket(world, whatsapp, category=Category.ACCOUNT_ACCESS)

    async def scenario() -> list[dict]:
        vendor = await sync_to_async(agent_page)(world.vendor_agent)
        assert (await vendor.open("ticket", ticket.pk))["subscribed"]["page"] == "ticket"
        await sync_to_async(ticket_update)(
            ticket=ticket, actor=world.admin, changes={"category": Category.REGISTRATION}
        )
        await sync_to_async(post_whatsapp)(whatsapp, "رسالة بعد تغيير التصنيف", "wamid.moved")
        got = await vendor.frames()
        await vendor.disconnect()
        return got

    assert run(scenario) == []


def test_the_screens_of_a_ticket_cost_the_same_queries_for_many_agents(world: Any, whatsapp: Any) -> None:
    ticket = _whatsapp_ticket(world, whatsapp)
    for n in range(40):
        user = user_create(username=f"agent{n}", password=PASSWORD, role=Role.AGENT, team=world.in_house)
        on_ticket = n % 2 == 0
        AgentSocket.objects.create(
            channel_name=f"x.{n}",
            user=user,
            page="ticket" if on_ticket else "queue",
            ticket=ticket if on_ticket else None,
            seen_at=ticket.created_at,
        )
    # Not an audience: the uncovered vendor's queue, and an in-house agent on another page.
    AgentSocket.objects.create(
        channel_name="v", user=world.vendor_agent, page="queue", seen_at=ticket.created_at
    )
    AgentSocket.objects.create(channel_name="o", user=world.agent, page="other", seen_at=ticket.created_at)
    TicketWatcher.objects.bulk_create(
        [TicketWatcher(ticket=ticket, user=u) for u in (world.agent, world.vendor_agent, world.supervisor)]
    )
    with CaptureQueriesContext(connection) as queries:
        audience = selectors.ticket_audience(ticket, with_watchers=True)
    assert len(queries) == 2  # the teams, then the sockets and watchers of the allowed users (one union)
    screens = audience.screens
    assert len(screens) == 40 and sum(s.ticket_open for s in screens) == 20
    assert audience.watchers == sorted([world.agent.pk, world.supervisor.pk])  # not the uncovered vendor


def test_a_push_from_a_job_on_the_embedded_thread_pool_reaches_the_socket(
    world: Any, whatsapp: Any, settings: Any
) -> None:
    """Embedded mode: the webhook's job runs on the in-process pool, its push reaches this process's sockets."""
    ticket = _whatsapp_ticket(world, whatsapp)
    settings.AWN_TASKS_MODE = "thread"
    tasks.submitted.clear()

    async def scenario() -> dict:
        agent = await sync_to_async(agent_page)(world.agent)
        await agent.open("ticket", ticket.pk)
        assert await sync_to_async(post_whatsapp)(whatsapp, "من خيط العمل", "wamid.thread") == 200
        frame = await agent.until("message", timeout=20)
        await agent.disconnect()
        return frame

    try:
        frame = run(scenario)
    finally:
        wait(list(tasks.submitted), timeout=30)
        tasks.shutdown()
    assert frame["message"] == Message.objects.get(body="من خيط العمل").pk
