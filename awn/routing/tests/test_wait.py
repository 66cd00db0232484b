"""The live estimated wait: the formula (against a simulation), the line of each channel group, the portal's
sentence in Arabic, and the wallboard's figures."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from awn.routing.models import AgentStatus
from awn.routing.selectors import live_waits, ticket_wait, wait_for_new_contact, wait_for_position
from awn.routing.services import activity_seen, capacity_set
from awn.routing.text import wait_sentence
from awn.routing.wait import queue_wait_seconds
from awn.tickets.enums import Channel
from awn.tickets.models import Ticket


def test_formula() -> None:
    assert queue_wait_seconds(1, slots=3, busy=2, handle_seconds=180) == 0  # a free slot takes the first
    assert (
        queue_wait_seconds(3, slots=3, busy=2, handle_seconds=180) == 120
    )  # 2 ahead of the free one: 2·180/3
    assert queue_wait_seconds(2, slots=3, busy=3, handle_seconds=180) == 120
    assert queue_wait_seconds(1, slots=0, busy=0, handle_seconds=180) is None
    assert queue_wait_seconds(0, slots=1, busy=1, handle_seconds=60) == 60  # position counts from 1


def test_formula_against_a_simulation() -> None:
    """N busy agents, exponential handle times: the k-th in line starts after k completions; memorylessness makes
    each gap the minimum of N residual handle times. The mean of 20,000 runs is within 2% of k·AHT/N."""
    rng = random.Random(18)
    slots, aht, k = 4, 180.0, 5
    runs = []
    for _ in range(20_000):
        residual = [rng.expovariate(1 / aht) for _ in range(slots)]
        clock = 0.0
        for _step in range(k):
            first = min(residual)
            clock += first
            residual = [r - first for r in residual]
            residual[residual.index(0.0)] = rng.expovariate(1 / aht)
        runs.append(clock)
    expected = queue_wait_seconds(k, slots, slots, aht)
    assert expected is not None
    assert sum(runs) / len(runs) == pytest.approx(expected, rel=0.02)


def _available(user: Any, **capacity: int) -> None:
    activity_seen(user.pk)  # a page open now: online and connected
    if capacity:
        capacity_set(actor=_supervisor(), user_id=user.pk, **capacity)
    cache.delete_many(["routing-capacity:chats", "routing-capacity:calls", "routing-capacity:tickets"])


_world: Any = None


def _supervisor() -> Any:
    return _world.supervisor


@pytest.fixture
def staff(world: Any) -> Any:
    global _world
    _world = world
    return world


@pytest.mark.django_db
def test_portal_shows_the_place_in_line_and_the_wait(staff: Any) -> None:
    world = staff
    older = [world.ticket() for _ in range(3)]
    mine = world.ticket()
    client = world.client_for(world.parent_user)
    page = client.get(f"/portal/tickets/{mine.pk}/").content.decode()
    assert "لا يوجد موظف متاح الآن" in page  # nobody online yet
    _available(world.agent)
    _available(world.vendor_agent)
    estimate = ticket_wait(mine)
    assert estimate is not None and estimate.position == 4 and estimate.agents == 2
    assert estimate.seconds == 4 * 600 // 2  # four tickets, 600 s each, two agents
    page = client.get(f"/portal/tickets/{mine.pk}/").content.decode()
    assert "ترتيبك 4 في قائمة الانتظار. الانتظار المتوقع: نحو 20 دقيقة." in page
    assert wait_sentence(estimate, "en") == "You are number 4 in line. Estimated wait: about 20 minutes."
    # Someone takes an older one: one fewer ahead.
    Ticket.objects.filter(pk=older[0].pk).update(assignee=world.agent)
    assert ticket_wait(mine).position == 3  # type: ignore[union-attr]
    # Once taken, no estimate.
    Ticket.objects.filter(pk=mine.pk).update(assignee=world.agent)
    mine.refresh_from_db()
    assert ticket_wait(mine) is None
    assert 'data-testid="wait-estimate"' not in client.get(f"/portal/tickets/{mine.pk}/").content.decode()


@pytest.mark.django_db
def test_chats_count_slots_and_chats_in_hand(staff: Any) -> None:
    world = staff
    _available(world.agent, chats=3, calls=1, tickets=20)
    in_hand = [world.ticket(channel=Channel.CHAT) for _ in range(2)]
    Ticket.objects.filter(pk__in=[t.pk for t in in_hand]).update(assignee=world.agent)
    cache.clear()
    assert wait_for_position("chats", 1).seconds == 0  # one slot free
    assert wait_for_position("chats", 3).seconds == 120  # (3 − 1) · 180 / 3
    assert wait_for_position("chats", 3, handle_seconds=300).seconds == 200  # chat's own measured AHT
    # Away agents do not count.
    AgentStatus.objects.filter(user=world.agent).update(state="away")
    cache.clear()
    assert wait_for_position("chats", 1).seconds is None
    assert "لا يوجد موظف متاح" in wait_sentence(wait_for_position("chats", 1), "ar")


@pytest.mark.django_db
def test_new_contact_and_wallboard(staff: Any) -> None:
    world = staff
    _available(world.agent)
    for _ in range(2):
        world.ticket(channel=Channel.WHATSAPP)
    estimate = wait_for_new_contact(Channel.WHATSAPP)
    assert estimate.position == 3 and estimate.seconds == 3 * 600
    boards = {row.group: row for row in live_waits(timezone.now())}
    assert set(boards) == {"chats", "calls", "tickets"}
    assert boards["tickets"].waiting == 2 and boards["tickets"].agents == 1
    assert boards["tickets"].next_wait_seconds == 3 * 600
    assert boards["tickets"].oldest_waiting_since is not None
    assert boards["chats"].waiting == 0 and boards["chats"].next_wait_seconds == 0


@pytest.mark.django_db
def test_wallboard_api(staff: Any) -> None:
    world = staff
    _available(world.agent)
    world.ticket(channel=Channel.TELEGRAM)
    from django.test import Client

    assert Client().get("/api/v1/routing/waits").status_code == 401
    assert world.client_for(world.parent_user).get("/api/v1/routing/waits").status_code == 403
    body = world.client_for(world.supervisor).get("/api/v1/routing/waits").json()
    assert body["agents_online"] == 1
    tickets = next(g for g in body["groups"] if g["group"] == "tickets")
    assert tickets["waiting"] == 1 and tickets["next_wait_seconds"] == 2 * 600
