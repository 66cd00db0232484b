"""Item 3 of issue 17: the live wallboard on a hand-built moment. Expected figures are counted by hand from the
tickets and agents set up below."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from awn.analytics.models import TicketFact
from awn.analytics.templatetags.analytics_tags import clock
from awn.analytics.wallboard import usual_until, wallboard
from awn.routing.enums import AgentState
from awn.routing.forecast import SLOTS_PER_WEEK
from awn.routing.models import AgentStatus
from awn.sla.business_time import RIYADH
from awn.tickets.enums import Channel, Status
from awn.tickets.models import Ticket
from awn.tickets.services import ticket_add_message, ticket_update

NOW = datetime(2026, 11, 10, 10, 15, tzinfo=RIYADH)  # a Tuesday, 10:15 in Riyadh


def test_usual_until_sums_the_profile_from_midnight_with_the_current_half_hour_prorated() -> None:
    flat = tuple([1.0] * SLOTS_PER_WEEK)
    assert usual_until(flat, NOW) == pytest.approx(20.5)  # 20 half-hours to 10:00, then half of 10:00–10:30
    assert usual_until(flat, NOW.replace(hour=0, minute=0)) == 0
    # Only Tuesday's slots count: a profile with contacts on Monday alone gives nothing on a Tuesday.
    monday_only = tuple(1.0 if slot < 48 else 0.0 for slot in range(SLOTS_PER_WEEK))
    assert usual_until(monday_only, NOW) == 0


@pytest.mark.parametrize(("seconds", "text"), [(0, "0:00"), (65, "1:05"), (3599, "59:59"), (3723, "1:02:03")])
def test_clock(seconds: int, text: str) -> None:
    assert clock(seconds) == text


def at(ticket: Ticket, moment: datetime) -> None:
    Ticket.objects.filter(pk=ticket.pk).update(created_at=moment)
    TicketFact.objects.filter(pk=ticket.pk).update(created_at=moment)


@pytest.fixture
def floor(world: Any) -> dict[str, Ticket]:
    t: dict[str, Ticket] = {}
    t["email_old"] = world.ticket(channel=Channel.EMAIL)  # waiting 25 min, no team
    t["email_new"] = world.ticket(channel=Channel.EMAIL)  # waiting 5 min, no team
    t["whatsapp"] = world.ticket(channel=Channel.WHATSAPP)  # waiting 12 min, in-house team
    ticket_update(ticket=t["whatsapp"], actor=world.supervisor, changes={"team_id": world.in_house.pk})
    t["vendor"] = world.ticket(channel=Channel.PORTAL)  # waiting 2 min, vendor team
    ticket_update(ticket=t["vendor"], actor=world.supervisor, changes={"team_id": world.vendor.pk})
    t["taken"] = world.ticket(channel=Channel.EMAIL)  # assigned: not waiting
    ticket_update(ticket=t["taken"], actor=world.agent, changes={"assignee_id": world.agent.pk})
    t["answered"] = world.ticket(channel=Channel.EMAIL)  # answered, then pending: not waiting
    ticket_add_message(ticket=t["answered"], body="تم", actor=world.agent, status_after=Status.PENDING)
    t["chat"] = world.ticket(channel=Channel.CHAT)  # the agent is on this chat
    ticket_update(ticket=t["chat"], actor=world.agent, changes={"assignee_id": world.agent.pk})
    for key, minutes in (("email_old", 25), ("email_new", 5), ("whatsapp", 12), ("vendor", 2)):
        at(t[key], NOW - timedelta(minutes=minutes))
    for key in ("taken", "answered", "chat"):
        at(t[key], NOW - timedelta(hours=1))
    # SLA: due in 10 min (at risk), 5 min ago (overdue), in 2 h (fine); a paused (pending) ticket never counts.
    Ticket.objects.filter(pk=t["email_new"].pk).update(next_due_at=NOW + timedelta(minutes=10))
    Ticket.objects.filter(pk=t["whatsapp"].pk).update(next_due_at=NOW - timedelta(minutes=5))
    Ticket.objects.filter(pk=t["taken"].pk).update(next_due_at=NOW + timedelta(hours=2))
    Ticket.objects.filter(pk=t["answered"].pk).update(next_due_at=NOW - timedelta(hours=1))
    # Staff: admin, supervisor, agent, vendor agent. The agent is online with a page open, the vendor agent away,
    # the supervisor "online" but with no page open for an hour (not available); the admin has never set a state.
    AgentStatus.objects.create(user=world.agent, state=AgentState.ONLINE, state_since=NOW, seen_at=NOW)
    AgentStatus.objects.create(user=world.vendor_agent, state=AgentState.AWAY, state_since=NOW, seen_at=NOW)
    AgentStatus.objects.create(
        user=world.supervisor, state=AgentState.ONLINE, state_since=NOW, seen_at=NOW - timedelta(hours=1)
    )
    return t


@pytest.mark.django_db
def test_the_board_counts_the_line_the_agents_and_the_sla_by_hand(
    world: Any, floor: dict[str, Ticket]
) -> None:
    board = wallboard(now=NOW)
    assert board.waiting == 4 and board.longest_wait_seconds == 25 * 60
    lines = [(line.channel, line.team_name, line.waiting, line.longest_wait_seconds) for line in board.lines]
    assert lines == [
        ("email", "", 2, 25 * 60),
        ("whatsapp", "داخلي", 1, 12 * 60),
        ("portal", "مشغّل", 1, 2 * 60),
    ]
    assert (board.agents.available, board.agents.on_contact, board.agents.away, board.agents.offline) == (
        1,
        1,
        1,
        2,
    )
    assert (board.sla.at_risk, board.sla.breached) == (1, 1)
    assert board.volume.today == 7  # every ticket above was created this morning
    assert wallboard(now=NOW + timedelta(days=1)).volume.today == 0  # a new day starts from zero


@pytest.mark.django_db
def test_a_vendor_supervisor_sees_only_their_team(world: Any, floor: dict[str, Ticket]) -> None:
    board = wallboard(only_team_id=world.vendor.pk, now=NOW)
    assert [(line.channel, line.waiting) for line in board.lines] == [("portal", 1)]
    assert (board.agents.available, board.agents.away, board.agents.offline) == (0, 1, 0)
    assert (board.sla.at_risk, board.sla.breached) == (0, 0)


@pytest.mark.django_db
def test_the_page_is_for_supervisors_only_and_rtl(world: Any, floor: dict[str, Ticket]) -> None:
    assert world.client_for(world.agent).get("/workspace/wallboard/").status_code == 404
    assert world.client_for(world.agent).get("/workspace/wallboard/board/").status_code == 404
    anonymous = Client().get("/workspace/wallboard/")
    assert anonymous.status_code == 302 and "/accounts/login" in anonymous["Location"]
    page = world.client_for(world.supervisor).get("/workspace/wallboard/")
    html = page.content.decode()
    assert page.status_code == 200 and 'dir="rtl"' in html and 'hx-trigger="every 5s"' in html
    assert 'data-testid="wb-waiting"><bdi dir="ltr">4<' in html
    fragment = world.client_for(world.supervisor).get("/workspace/wallboard/board/")
    assert fragment.status_code == 200 and fragment["Cache-Control"] == "no-store"
    assert "<html" not in fragment.content.decode() and 'data-testid="wb-lines"' in fragment.content.decode()


@pytest.mark.django_db
def test_an_empty_floor_shows_nobody_waiting(world: Any) -> None:
    board = wallboard(now=timezone.now())
    assert board.waiting == 0 and board.lines == [] and board.volume.usual is None
    html = world.client_for(world.supervisor).get("/workspace/wallboard/").content.decode()
    assert 'data-testid="wb-empty"' in html


@pytest.mark.django_db
def test_the_usual_volume_comes_from_the_last_weeks_at_this_hour(world: Any) -> None:
    from awn.routing.models import IntervalVolume

    # The two Tuesdays before: 10 contacts each at 09:00–09:30 and 20 at 11:00 (after 10:15: not yet "usual").
    for weeks in (1, 2):
        day = NOW - timedelta(weeks=weeks)
        IntervalVolume.objects.create(channel=Channel.EMAIL, start=day.replace(hour=9, minute=0), contacts=10)
        IntervalVolume.objects.create(
            channel=Channel.EMAIL, start=day.replace(hour=11, minute=0), contacts=20
        )
    assert wallboard(now=NOW).volume.usual == pytest.approx(10.0)  # (10 + 10) / 2 weeks


@pytest.mark.django_db
def test_the_board_costs_a_fixed_number_of_queries(
    world: Any, floor: dict[str, Ticket], django_assert_max_num_queries: Any
) -> None:
    wallboard(now=NOW)  # the forecast's calendar and caches warm
    for _ in range(30):  # more waiting tickets, more teams' lines: not more queries
        world.ticket(channel=Channel.TELEGRAM)
    with django_assert_max_num_queries(10):
        wallboard(now=NOW)
