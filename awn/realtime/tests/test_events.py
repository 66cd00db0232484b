"""Every event that should reach screens does, through the event map: each type of change on a ticket, the
notifications (assignment, @mentions, watchers, the call pop) and the queue's coalesced refresh."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import transaction

from awn.connectors.events import CallAnswered, DeliveryStatusChanged
from awn.core.events import DomainEvent, Moment, publish
from awn.incidents.events import SpikeDetected
from awn.realtime import handlers, services
from awn.realtime.models import AgentNotification
from awn.sla.events import SlaBreached, SlaWarning
from awn.tickets import events
from awn.tickets.enums import Category, MessageKind, Status
from awn.tickets.models import Message, Ticket
from awn.tickets.services import (
    ticket_add_message,
    ticket_merge,
    ticket_unwatch,
    ticket_update,
    ticket_watch,
)

from .conftest import agent_page

pytestmark = pytest.mark.django_db(transaction=True)


def run(coro: Any) -> Any:
    return async_to_sync(coro)()


# ---- the event map ------------------------------------------------------------------------------------------

# What each event that should reach screens looks like on the socket of an agent with the ticket's page open.
Example = Callable[[Any, Ticket, Ticket, Message], tuple[DomainEvent, dict[str, Any]]]
EXAMPLES: dict[type[DomainEvent], Example] = {
    events.TicketCreated: lambda w, t, o, m: (
        events.TicketCreated(ticket_id=t.pk, channel="portal"),
        {"type": "created", "ticket": t.pk},
    ),
    events.MessageReceived: lambda w, t, o, m: (
        events.MessageReceived(ticket_id=t.pk, message_id=m.pk),
        {"type": "message", "ticket": t.pk, "message": m.pk},
    ),
    events.ReplySent: lambda w, t, o, m: (
        events.ReplySent(ticket_id=t.pk, message_id=m.pk, actor_id=w.supervisor.pk),
        {"type": "message", "ticket": t.pk, "message": m.pk},
    ),
    events.NoteAdded: lambda w, t, o, m: (
        events.NoteAdded(ticket_id=t.pk, message_id=m.pk, actor_id=w.supervisor.pk),
        {"type": "message", "ticket": t.pk, "message": m.pk},
    ),
    events.TicketAssigned: lambda w, t, o, m: (
        events.TicketAssigned(ticket_id=t.pk, assignee_id=w.supervisor.pk, team_id=None),
        {"type": "assigned", "ticket": t.pk},
    ),
    events.TicketUpdated: lambda w, t, o, m: (
        events.TicketUpdated(ticket_id=t.pk, fields=("priority",)),
        {"type": "updated", "ticket": t.pk},
    ),
    events.TicketStatusChanged: lambda w, t, o, m: (
        events.TicketStatusChanged(ticket_id=t.pk, old_status="new", new_status="open"),
        {"type": "status", "ticket": t.pk},
    ),
    events.TicketMerged: lambda w, t, o, m: (
        events.TicketMerged(source_id=o.pk, target_id=t.pk),
        {"type": "merged", "ticket": t.pk, "source": o.pk},
    ),
    DeliveryStatusChanged: lambda w, t, o, m: (
        DeliveryStatusChanged(ticket_id=t.pk, message_id=m.pk, status="delivered"),
        {"type": "delivery", "ticket": t.pk, "message": m.pk},
    ),
    CallAnswered: lambda w, t, o, m: (
        CallAnswered(ticket_id=t.pk, contact_id=t.requester_id, agent_id=w.agent.pk, call_id="c-1"),
        {"type": "notification", "kind": "call", "ticket": t.pk},
    ),
    SlaWarning: lambda w, t, o, m: (
        SlaWarning(ticket_id=t.pk, metric="first_reply", due_at=t.created_at),
        {"type": "updated", "ticket": t.pk},
    ),
    SlaBreached: lambda w, t, o, m: (
        SlaBreached(ticket_id=t.pk, metric="first_reply", due_at=t.created_at),
        {"type": "updated", "ticket": t.pk},
    ),
}


def _realtime_reactions() -> dict[type[DomainEvent], list[Any]]:
    from config.event_subscriptions import SUBSCRIPTIONS

    return {
        event_class: [r for r in reactions if r.handler.__module__ == handlers.__name__]
        for event_class, reactions in SUBSCRIPTIONS.items()
    }


def test_the_events_that_should_reach_screens_are_mapped_after_commit() -> None:
    mapped = {cls for cls, reactions in _realtime_reactions().items() if reactions}
    assert mapped == {
        events.MessageReceived,
        events.ReplySent,
        events.NoteAdded,
        events.TicketCreated,
        events.TicketAssigned,
        events.TicketUpdated,
        events.TicketStatusChanged,
        events.TicketMerged,
        DeliveryStatusChanged,
        CallAnswered,
        SlaWarning,
        SlaBreached,
        SpikeDetected,  # not about one ticket: supervisors' screens (test_spike_alerts.py)
    }
    for reactions in _realtime_reactions().values():
        assert all(r.moment == Moment.ON_COMMIT for r in reactions)  # a push never leaves before the commit


def test_every_mapped_event_reaches_the_screen_of_an_agent_with_the_ticket_open(world: Any) -> None:
    ticket, other = world.ticket(), world.ticket(subject="تذكرة مكررة")
    message = ticket.messages.get()
    mapped = [
        cls for cls, reactions in _realtime_reactions().items() if reactions and cls is not SpikeDetected
    ]
    missing = [cls.__name__ for cls in mapped if cls not in EXAMPLES]
    assert missing == [], "add an example for each event that reaches screens"

    def publish_committed(event: DomainEvent) -> None:
        with transaction.atomic():
            publish(event)

    async def scenario() -> list[tuple[str, dict, list[dict]]]:
        agent = await sync_to_async(agent_page)(world.agent)
        await agent.open("ticket", ticket.pk)
        seen = []
        for cls in mapped:
            event, expected = EXAMPLES[cls](world, ticket, other, message)
            await sync_to_async(services.forget_queue_frames)()
            await sync_to_async(publish_committed)(event)
            seen.append((cls.__name__, expected, await agent.frames(timeout=0.3)))
        await agent.disconnect()
        return seen

    for name, expected, frames in run(scenario):
        assert expected in frames, name


# ---- each change through the services ----------------------------------------------------------------------


def test_each_change_on_a_ticket_reaches_its_open_page(world: Any) -> None:
    ticket = world.ticket()
    other = world.ticket(subject="طلب مكرر")

    async def scenario() -> dict[str, list[dict]]:
        agent = await sync_to_async(agent_page)(world.agent)
        await agent.open("ticket", ticket.pk)
        seen: dict[str, list[dict]] = {}

        async def step(name: str, action: Callable[[], Any]) -> None:
            await sync_to_async(action)()
            seen[name] = await agent.frames(timeout=0.3)

        await step(
            "customer", lambda: ticket_add_message(ticket=ticket, body="أي جديد؟", actor=world.parent_user)
        )
        await step(
            "reply",
            lambda: ticket_add_message(ticket=ticket, body="نعمل على طلبك", actor=world.supervisor),
        )
        await step(
            "note",
            lambda: ticket_add_message(
                ticket=ticket, body="راجعت السجل", actor=world.supervisor, kind="note"
            ),
        )
        await step(
            "status",
            lambda: ticket_update(ticket=ticket, actor=world.supervisor, changes={"status": Status.PENDING}),
        )
        await step(
            "assign",
            lambda: ticket_update(
                ticket=ticket, actor=world.supervisor, changes={"assignee_id": world.agent.pk}
            ),
        )
        await step("merge", lambda: ticket_merge(source=other, target=ticket, actor=world.supervisor))
        await agent.disconnect()
        return seen

    seen = run(scenario)
    ids = list(ticket.messages.order_by("id").values_list("pk", flat=True))
    customer, reply, note = (
        Message.objects.get(body="أي جديد؟").pk,
        Message.objects.get(body="نعمل على طلبك").pk,
        Message.objects.get(body="راجعت السجل").pk,
    )
    t = ticket.pk
    assert seen["customer"] == [{"type": "message", "ticket": t, "message": customer}]
    # The first reply also opens the ticket (new → open).
    assert seen["reply"] == [
        {"type": "message", "ticket": t, "message": reply},
        {"type": "status", "ticket": t},
    ]
    assert seen["note"] == [{"type": "message", "ticket": t, "message": note}]
    assert seen["status"] == [{"type": "status", "ticket": t}, {"type": "updated", "ticket": t}]
    assert seen["assign"] == [
        {"type": "assigned", "ticket": t},
        {"type": "notification", "kind": "assigned", "ticket": t},  # to this agent, the new assignee
        {"type": "updated", "ticket": t},
    ]
    assert seen["merge"] == [{"type": "merged", "ticket": t, "source": other.pk}]
    assert len(ids) == 6  # the two first messages, the reply, the note, the merge note (moved + written)


# ---- notifications ------------------------------------------------------------------------------------------


def test_a_mention_notifies_an_agent_who_may_see_the_ticket_and_nobody_else(world: Any) -> None:
    ticket = world.ticket(category=Category.REGISTRATION)  # not covered by the vendor team

    async def scenario() -> tuple[list[dict], list[dict], list[dict]]:
        agent = await sync_to_async(agent_page)(world.agent)
        await agent.open("other")  # the contacts page: only notifications reach it
        vendor = await sync_to_async(agent_page)(world.vendor_agent)
        await vendor.open("other")
        supervisor = await sync_to_async(agent_page)(world.supervisor)
        await supervisor.open("other")
        await sync_to_async(ticket_add_message)(
            ticket=ticket,
            body="@agent و @vendor و @supervisor و @nobody انظروا إلى هذا",
            actor=world.supervisor,
            kind=MessageKind.NOTE,
        )
        got = (await agent.frames(), await vendor.frames(), await supervisor.frames())
        for ws in (agent, vendor, supervisor):
            await ws.disconnect()
        return got

    to_agent, to_vendor, to_author = run(scenario)
    assert to_agent == [{"type": "notification", "kind": "mentioned", "ticket": ticket.pk}]
    assert to_vendor == []  # mentioned, but may not see the ticket: never told
    assert to_author == []  # the note's own author
    rows = list(AgentNotification.objects.values_list("user__username", "kind", "ticket_id"))
    assert rows == [("agent", "mentioned", ticket.pk)]


def test_watchers_hear_of_new_messages_until_they_unwatch(world: Any) -> None:
    ticket = world.ticket(category=Category.ACCOUNT_ACCESS)
    ticket_watch(ticket=ticket, user=world.agent)
    ticket_watch(ticket=ticket, user=world.agent)  # twice is once
    ticket_watch(ticket=ticket, user=world.vendor_agent)  # covered now

    async def scenario() -> list[list[dict]]:
        agent = await sync_to_async(agent_page)(world.agent)
        await agent.open("queue")
        vendor = await sync_to_async(agent_page)(world.vendor_agent)
        await vendor.open("other")
        seen = []
        await sync_to_async(ticket_add_message)(ticket=ticket, body="سؤال جديد", actor=world.parent_user)
        seen.append(await agent.frames())
        seen.append(await vendor.frames())
        # The vendor loses sight of the ticket: still a watcher row, but never told again.
        await sync_to_async(ticket_update)(
            ticket=ticket, actor=world.admin, changes={"category": Category.REGISTRATION}
        )
        await agent.frames()
        await sync_to_async(services.forget_queue_frames)()
        await sync_to_async(ticket_add_message)(
            ticket=ticket, body="@agent هل من جديد؟", actor=world.supervisor
        )
        seen.append(await agent.frames())
        seen.append(await vendor.frames())
        await sync_to_async(ticket_unwatch)(ticket=ticket, user=world.agent)
        await sync_to_async(services.forget_queue_frames)()
        await sync_to_async(ticket_add_message)(ticket=ticket, body="وأيضًا", actor=world.parent_user)
        seen.append(await agent.frames())
        for ws in (agent, vendor):
            await ws.disconnect()
        return seen

    first, vendor_first, second, vendor_later, after_unwatch = run(scenario)
    t = ticket.pk
    watched = {"type": "notification", "kind": "watched", "ticket": t}
    assert first == [{"type": "queue", "ticket": t}, watched]
    assert vendor_first == [watched]
    # A public reply with "@agent" is no mention (only notes mention), but agent watches: told once.
    assert second == [{"type": "queue", "ticket": t}, watched]
    assert vendor_later == []
    assert after_unwatch == [{"type": "queue", "ticket": t}]
    kinds = list(AgentNotification.objects.order_by("id").values_list("user__username", "kind"))
    assert kinds == [("agent", "watched"), ("vendor", "watched"), ("agent", "watched")]


def test_a_watcher_who_is_also_mentioned_is_told_once(world: Any) -> None:
    ticket = world.ticket()
    ticket_watch(ticket=ticket, user=world.agent)
    ticket_add_message(ticket=ticket, body="@agent راجع هذا", actor=world.supervisor, kind=MessageKind.NOTE)
    assert list(AgentNotification.objects.values_list("kind", flat=True)) == ["mentioned"]


def test_the_assignee_is_notified_not_the_agent_who_assigned_themselves(world: Any) -> None:
    ticket = world.ticket()
    ticket_update(ticket=ticket, actor=world.agent, changes={"assignee_id": world.agent.pk})
    assert not AgentNotification.objects.exists()
    ticket_update(ticket=ticket, actor=world.agent, changes={"assignee_id": world.supervisor.pk})
    assert list(AgentNotification.objects.values_list("user__username", "kind", "actor__username")) == [
        ("supervisor", "assigned", "agent")
    ]


# ---- the queue ----------------------------------------------------------------------------------------------


def test_a_queue_page_gets_one_frame_a_second_whatever_the_rate_of_changes(world: Any) -> None:
    tickets = [world.ticket(subject=f"تذكرة {n}") for n in range(3)]

    async def scenario() -> tuple[list[dict], list[dict]]:
        agent = await sync_to_async(agent_page)(world.agent)
        await agent.open("queue")
        for ticket in tickets:
            await sync_to_async(ticket_add_message)(ticket=ticket, body="متابعة", actor=world.parent_user)
        burst = await agent.frames()
        await sync_to_async(services.forget_queue_frames)()  # as a second later
        await sync_to_async(ticket_add_message)(ticket=tickets[0], body="مرة أخرى", actor=world.parent_user)
        later = await agent.frames()
        await agent.disconnect()
        return burst, later

    burst, later = run(scenario)
    assert burst == [{"type": "queue", "ticket": tickets[0].pk}]  # the page refreshes again on its own
    assert later == [{"type": "queue", "ticket": tickets[0].pk}]


def test_the_sweep_forgets_sockets_of_a_dead_process_and_old_notifications(world: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from awn.realtime.models import AgentSocket
    from awn.realtime.tasks import sweep

    ticket = world.ticket()
    now = timezone.now()
    AgentSocket.objects.create(channel_name="alive", user=world.agent, seen_at=now - timedelta(seconds=290))
    AgentSocket.objects.create(channel_name="dead", user=world.agent, seen_at=now - timedelta(seconds=310))
    services.notify(ticket_id=ticket.pk, user_ids=[world.agent.pk], kind="assigned", key="old")
    services.notify(ticket_id=ticket.pk, user_ids=[world.agent.pk], kind="assigned", key="new")
    AgentNotification.objects.filter(dedupe_key="assigned:old").update(created_at=now - timedelta(days=31))
    sweep()
    assert list(AgentSocket.objects.values_list("channel_name", flat=True)) == ["alive"]
    assert list(AgentNotification.objects.values_list("dedupe_key", flat=True)) == ["assigned:new"]


def test_a_ping_brings_back_the_row_of_a_socket_a_sweep_took(world: Any, monkeypatch: Any) -> None:
    """A process paused past the sweep's age keeps its socket open: its next ping records it again, so pushes
    find it."""
    from awn.realtime import consumers
    from awn.realtime.models import AgentSocket

    monkeypatch.setattr(consumers, "SEEN_EVERY_SECONDS", 0)
    ticket = world.ticket()

    async def scenario() -> list[dict]:
        agent = await sync_to_async(agent_page)(world.agent)
        await agent.open("ticket", ticket.pk)
        await sync_to_async(AgentSocket.objects.all().delete)()  # as the sweep would
        await agent.send_json_to({"type": "ping"})
        await agent.until("pong")
        await sync_to_async(ticket_add_message)(ticket=ticket, body="بعد التوقف", actor=world.parent_user)
        got = await agent.frames()
        await agent.disconnect()
        return got

    frames = run(scenario)
    assert frames == [
        {"type": "message", "ticket": ticket.pk, "message": Message.objects.get(body="بعد التوقف").pk}
    ]
