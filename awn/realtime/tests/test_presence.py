"""Collision detection through the real ASGI application and channel layer: who has a ticket open and who is
typing a reply reaches the other agents allowed to see it, and nobody else; it ends when the page goes."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from awn.realtime import presence
from awn.tickets.enums import Category
from awn.tickets.services import ticket_update

from .conftest import AgentPage, agent_page

pytestmark = pytest.mark.django_db(transaction=True)


def run(coro: Any) -> Any:
    return async_to_sync(coro)()


async def _open(user: Any, ticket_id: int) -> tuple[AgentPage, dict[str, Any]]:
    page = await sync_to_async(agent_page)(user)
    opened = await page.open("ticket", ticket_id)
    return page, opened


def _seen(frame: dict[str, Any]) -> tuple[Any, ...]:
    return frame["type"], frame["ticket"], frame["user"], frame["name"], frame["state"], frame["ttl"]


def test_viewers_see_each_other_and_who_types_and_an_uncovered_vendor_hears_nothing(world: Any) -> None:
    ticket = world.ticket(category=Category.REGISTRATION)  # not in the vendor's contract

    async def scenario() -> dict[str, Any]:
        agent, _ = await _open(world.agent, ticket.pk)
        vendor, refused = await _open(world.vendor_agent, ticket.pk)
        supervisor, _ = await _open(world.supervisor, ticket.pk)
        got: dict[str, Any] = {"refused": refused}
        got["agent_sees"] = await agent.until("presence")  # the supervisor's hello
        got["supervisor_sees"] = await supervisor.until("presence")  # the agent's answer
        await supervisor.send_json_to({"type": "presence", "state": "typing"})
        got["typing"] = await agent.until("presence", state="typing")
        await supervisor.disconnect()
        got["left"] = await agent.until("presence", state="left")
        got["vendor"] = await vendor.frames()
        got["agent_after"] = await agent.frames()
        for ws in (agent, vendor):
            await ws.disconnect()
        return got

    got = run(scenario)
    # The vendor may not open the page: its socket shows nothing and joins no presence group.
    assert got["refused"]["subscribed"] == {"type": "subscribed", "page": "other", "ticket": None}
    assert got["vendor"] == []
    # The names are the users' own (the agent's first name in the fixture, the supervisor's username).
    assert _seen(got["agent_sees"]) == (
        "presence",
        ticket.pk,
        world.supervisor.pk,
        "supervisor",
        "viewing",
        30,
    )
    assert _seen(got["supervisor_sees"]) == ("presence", ticket.pk, world.agent.pk, "هند", "viewing", 30)
    assert _seen(got["typing"]) == ("presence", ticket.pk, world.supervisor.pk, "supervisor", "typing", 8)
    assert got["left"]["key"] == got["agent_sees"]["key"] and got["left"]["user"] == world.supervisor.pk
    assert got["agent_after"] == []
    # Frames name who, never what: no ticket content.
    assert set(got["typing"]) == {"type", "ticket", "user", "name", "key", "state", "ttl"}


def test_an_agents_own_other_tab_is_not_a_collision_and_another_ticket_hears_nothing(world: Any) -> None:
    ticket = world.ticket()
    other = world.ticket(subject="تذكرة أخرى")

    async def scenario() -> tuple[list[dict], list[dict]]:
        first, _ = await _open(world.agent, ticket.pk)
        elsewhere, _ = await _open(world.supervisor, other.pk)
        second, _ = await _open(world.agent, ticket.pk)
        await second.send_json_to({"type": "presence", "state": "typing"})
        got = await first.frames() + await second.frames()
        silent = await elsewhere.frames()
        for ws in (first, second, elsewhere):
            await ws.disconnect()
        return got, silent

    got, silent = run(scenario)
    assert got == [] and silent == []


def test_moving_to_another_page_says_left_and_bad_states_are_ignored(world: Any) -> None:
    ticket = world.ticket()

    async def scenario() -> list[dict]:
        agent, _ = await _open(world.agent, ticket.pk)
        supervisor, _ = await _open(world.supervisor, ticket.pk)
        await agent.until("presence")
        await supervisor.send_json_to({"type": "presence", "state": "<b>hacking</b>"})
        await supervisor.send_json_to({"type": "presence"})
        await supervisor.show("queue")
        got = await agent.frames()
        for ws in (agent, supervisor):
            await ws.disconnect()
        return got

    got = run(scenario)
    assert [f["state"] for f in got] == ["left"]


def test_a_viewer_who_loses_the_ticket_leaves_at_the_next_check(world: Any, monkeypatch: Any) -> None:
    ticket = world.ticket(category=Category.ACCOUNT_ACCESS)  # covered by the vendor's contract
    monkeypatch.setattr(presence, "RECHECK_SECONDS", 0)

    async def scenario() -> tuple[list[dict], list[dict]]:
        agent, _ = await _open(world.agent, ticket.pk)
        vendor, _ = await _open(world.vendor_agent, ticket.pk)
        assert (await agent.until("presence"))["user"] == world.vendor_agent.pk
        await vendor.frames()
        await sync_to_async(ticket_update)(
            ticket=ticket, actor=world.admin, changes={"category": Category.REGISTRATION}
        )
        await vendor.frames()  # the ticket's own "updated" push
        await vendor.send_json_to({"type": "presence", "state": "viewing"})  # the heartbeat checks again
        told = await agent.frames()
        await agent.send_json_to({"type": "presence", "state": "typing"})
        vendor_got = await vendor.frames()
        for ws in (agent, vendor):
            await ws.disconnect()
        return told, vendor_got

    told, vendor_got = run(scenario)
    assert [(f["user"], f["state"]) for f in told if f["type"] == "presence"] == [
        (world.vendor_agent.pk, "left")
    ]
    assert [f for f in vendor_got if f["type"] == "presence"] == []
