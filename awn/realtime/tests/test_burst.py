"""A burst of ticket changes reaching the push thread together is pushed from one audience read (issue 14), and
still reaches each allowed screen once per change, and no forbidden one (real ASGI app, sockets, layer)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connections
from django.utils import timezone

from awn.realtime import handlers, selectors, services
from awn.tickets import events
from awn.tickets.enums import Category

from .conftest import agent_page

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_burst_of_creations_reads_one_audience_and_reaches_each_allowed_screen_once(
    world: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.AWN_TASKS_MODE = "off"  # production: reactions in the push thread
    first = world.ticket(category=Category.REGISTRATION)  # the vendor team does not cover registration
    second = world.ticket(category=Category.REGISTRATION)
    covered = world.ticket(category=Category.ACCOUNT_ACCESS)  # the vendor team covers this one
    services.wait_for_pushes()
    reads: list[list[int]] = []
    real = selectors.tickets_for_audience

    def counted(ticket_ids: Any) -> Any:
        reads.append(sorted(ticket_ids))
        return real(ticket_ids)

    monkeypatch.setattr(selectors, "tickets_for_audience", counted)
    hold, held = threading.Event(), threading.Event()

    def busy() -> None:  # the push thread is busy while the burst arrives
        held.set()
        assert hold.wait(5)

    def burst() -> None:
        services.forget_queue_frames()
        services.in_background(busy)
        assert held.wait(5)
        for ticket in (first, second, covered):
            handlers.on_ticket_created(events.TicketCreated(ticket_id=ticket.pk, channel="portal"))
        handlers.on_ticket_updated(events.TicketUpdated(ticket_id=first.pk, fields=("priority",)))
        hold.set()
        services.wait_for_pushes()

    async def scenario() -> dict[str, list[list[dict]]]:
        pages: dict[str, list[Any]] = {"agent": [], "supervisor": [], "vendor": []}
        for who, user, page, ticket in (
            ("agent", world.agent, "ticket", first.pk),
            ("supervisor", world.supervisor, "ticket", second.pk),
            ("supervisor", world.supervisor, "queue", None),
            ("vendor", world.vendor_agent, "queue", None),
            ("vendor", world.vendor_agent, "ticket", first.pk),  # refused: shows nothing of it
            ("vendor", world.vendor_agent, "ticket", covered.pk),
        ):
            socket = await sync_to_async(agent_page)(user)
            await socket.open(page, ticket)
            pages[who].append(socket)
        await sync_to_async(burst)()
        got = {who: [await s.frames() for s in sockets] for who, sockets in pages.items()}
        for sockets in pages.values():
            for socket in sockets:
                await socket.disconnect()
        return got

    try:
        got = async_to_sync(scenario)()
    finally:
        hold.set()
        services.in_background(connections.close_all)
        services.wait_for_pushes()
    assert reads == [sorted([first.pk, second.pk, covered.pk])]  # one audience read for the burst
    created = [{"type": "created", "ticket": first.pk}, {"type": "updated", "ticket": first.pk}]
    assert got["agent"] == [created]  # each change once, in order
    # Frames go to the user: every socket of a user hears them; the queue frame at most once a second.
    supervisor = [{"type": "queue", "ticket": first.pk}, {"type": "created", "ticket": second.pk}]
    assert got["supervisor"] == [supervisor, supervisor]
    vendor = [{"type": "created", "ticket": covered.pk}]
    assert got["vendor"] == [vendor, vendor, vendor]  # nothing of the two tickets it may not see


@pytest.mark.django_db
def test_screens_of_many_tickets_match_each_tickets_own(world: Any) -> None:
    from awn.realtime.models import AgentSocket, Page

    tickets = [world.ticket(category=c) for c in (Category.REGISTRATION, Category.ACCOUNT_ACCESS)]
    tickets.append(world.ticket(category=Category.REGISTRATION))
    for user, page, ticket in (
        (world.agent, Page.TICKET, tickets[0]),
        (world.vendor_agent, Page.QUEUE, None),
        (world.vendor_agent, Page.TICKET, tickets[1]),
        (world.supervisor, Page.QUEUE, None),
    ):
        AgentSocket.objects.create(
            user=user, channel_name=f"c{user.pk}{page}", page=page, ticket=ticket, seen_at=timezone.now()
        )
    many = selectors.screens_of_tickets(tickets)
    assert many == {t.pk: selectors.screens_for_ticket(t) for t in tickets}  # reference: one ticket's path
    assert selectors.screens_of_tickets([]) == {}
