"""Live screen reactions run off the request (production layout, AWN_TASKS_MODE=off): the publishing request
returns before the audience is computed and the frame sent, and the frame still reaches an open page within a
second; a push thread too far behind makes the caller run the reaction (nothing dropped)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connections

from awn.realtime import handlers, selectors, services
from awn.tickets import events

from .conftest import agent_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def production_layout(settings: Any) -> None:
    settings.AWN_TASKS_MODE = "off"


def test_the_request_returns_before_the_push_and_the_page_hears_within_a_second(
    world: Any, production_layout: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket = world.ticket()
    release, computing = threading.Event(), threading.Event()
    caller = threading.get_ident()
    threads: list[int] = []
    real = selectors.tickets_for_audience

    def slow_audience(ticket_ids: Any) -> Any:
        threads.append(threading.get_ident())
        computing.set()
        assert release.wait(5)
        return real(ticket_ids)

    monkeypatch.setattr(selectors, "tickets_for_audience", slow_audience)

    def create() -> float:
        # The event map's after-commit reaction, as the request that created the ticket runs it.
        handlers.on_ticket_created(events.TicketCreated(ticket_id=ticket.pk, channel="portal"))
        returned = time.monotonic()
        assert computing.wait(2)  # the reaction started, and is still held
        release.set()
        return returned

    async def scenario() -> tuple[float, float, dict]:
        agent = await sync_to_async(agent_page)(world.agent)
        await agent.open("ticket", ticket.pk)
        returned = await sync_to_async(create)()
        frame = await agent.until("created", timeout=1)  # the "within a second" of live screens
        heard = time.monotonic()
        await agent.disconnect()
        return returned, heard, frame

    try:
        returned, heard, frame = async_to_sync(scenario)()
    finally:
        release.set()
        services.in_background(connections.close_all)  # the push thread's connection, before the flush
        services.wait_for_pushes()
    assert frame == {"type": "created", "ticket": ticket.pk}
    assert threads and caller not in threads  # computed in the push thread, not the request's
    assert heard - returned < 1.0


def test_a_push_thread_too_far_behind_runs_the_reaction_in_the_caller(
    world: Any, production_layout: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran_in: list[int] = []
    services._pusher._pool()  # made (a first use resets the count)
    monkeypatch.setattr(services._pusher, "pending", services.BACKLOG_LIMIT)
    try:
        assert services.in_background(lambda: ran_in.append(threading.get_ident())) is None
    finally:
        monkeypatch.setattr(services._pusher, "pending", 0)
    assert ran_in == [threading.get_ident()]


def test_tests_and_sync_jobs_run_reactions_inline(world: Any) -> None:
    ran_in: list[int] = []
    assert services.in_background(lambda: ran_in.append(threading.get_ident())) is None
    assert ran_in == [threading.get_ident()]
