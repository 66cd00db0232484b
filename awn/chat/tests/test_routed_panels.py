"""Skills routing of live chats over the agents' sockets (issue 18, faults): a chat routed to the agent reaches
their socket only; when they go offline with it in hand it returns to the line and routing offers it to another
agent, whose socket gets it at once, none lost."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.core.cache import cache
from django.test import override_settings

from awn.accounts.enums import Role
from awn.accounts.services import user_create
from awn.chat import services as chat
from awn.chat.enums import ChatStatus
from awn.chat.models import LiveSession
from awn.routing.services import (
    activity_seen,
    capacity_set,
    route_ticket,
    route_waiting,
    skills_set,
    status_set,
)
from awn.tickets.enums import Category
from awn.tickets.services import ticket_update
from conftest import PASSWORD

from .conftest import agent_socket, receive_until

pytestmark = pytest.mark.django_db(transaction=True)


def open_chat() -> int:
    with override_settings(AWN_ROUTING_AUTO_ASSIGN=False):
        conversation = chat.chat_start(name="منى", phone="0551234567", question="لا أستطيع الدخول")
    ticket_update(ticket=conversation.ticket, actor=None, changes={"category": Category.ACCOUNT_ACCESS})
    chat.chat_request_human(conversation.pk)  # held from routing until the assistant hands it over
    route_ticket(conversation.ticket.pk)
    return conversation.pk


async def chat_frame(ws: Any, status: str) -> dict[str, Any]:
    """The next "chat" frame of the panel with the chat in `status` (others skipped)."""
    while True:
        frame = await receive_until(ws, "chat")
        if frame["chat"]["status"] == status:
            return frame


def test_offline_agent_chat_goes_back_and_is_offered_to_another_over_the_socket(
    world: Any, settings: Any
) -> None:
    settings.AWN_ROUTING_AUTO_ASSIGN = True
    settings.AWN_ROUTING_OFFER_SECONDS = 30
    agent_b = user_create(username="agent_b", password=PASSWORD, role=Role.AGENT, team=world.in_house)
    skills_set(actor=world.supervisor, user_id=world.agent.pk, text="category:account_access, language:ar")
    skills_set(actor=world.supervisor, user_id=agent_b.pk, text="category:transfer")
    for user in (world.agent, agent_b):
        capacity_set(actor=world.supervisor, user_id=user.pk, chats=2, calls=1, tickets=20)

    async def scenario() -> None:
        a = await sync_to_async(agent_socket)(world.agent)
        b = await sync_to_async(agent_socket)(agent_b)
        assert (await a.connect())[0] and (await b.connect())[0]
        await sync_to_async(cache.clear)()
        for user in (world.agent, agent_b):
            await sync_to_async(activity_seen)(user.pk)
        cid = await sync_to_async(open_chat)()
        offered = await chat_frame(a, ChatStatus.QUEUED)
        assert offered["chat"]["id"] == cid and offered["chat"]["offered_to"] == world.agent.pk
        assert (await receive_until(b, "chat_gone"))["id"] == cid  # never on B's panel
        await a.send_json_to({"type": "accept", "conversation": cid})
        await chat_frame(a, ChatStatus.ASSIGNED)

        await sync_to_async(status_set)(actor=world.supervisor, user_id=world.agent.pk, state="offline")
        back = await sync_to_async(LiveSession.objects.get)(pk=cid)
        assert back.status == ChatStatus.QUEUED and back.agent_id is None  # back in the line, not lost
        assert await sync_to_async(route_waiting)() == 1
        reoffered = await chat_frame(b, ChatStatus.QUEUED)
        assert reoffered["chat"]["id"] == cid and reoffered["chat"]["offered_to"] == agent_b.pk
        await b.send_json_to({"type": "accept", "conversation": cid})
        taken = await chat_frame(b, ChatStatus.ASSIGNED)
        assert taken["chat"]["agent_id"] == agent_b.pk
        await a.disconnect()
        await b.disconnect()

    async_to_sync(scenario)()
