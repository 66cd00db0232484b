"""The warning and breach scan: each exactly once per (ticket, metric, due time), whatever the scheduler does.

A normal ticket created Sunday 2026-12-06 09:00 owes its first reply at 10:00 (1 business hour); the default
warning share is 75 %, so the warning is due at 09:45.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from awn.core.events import capture_events
from awn.realtime.models import AgentNotification
from awn.sla.enums import ClockState, Metric
from awn.sla.events import SlaBreached, SlaWarning
from awn.sla.models import SlaClock, SlaMetricEvent
from awn.sla.scan import sla_scan
from awn.sla.tests.helpers import riyadh
from awn.tickets.enums import Priority
from awn.tickets.services import ticket_update

pytestmark = pytest.mark.django_db


def alerts(events: Sequence[object]) -> list[tuple[str, str, object]]:
    return [(type(e).__name__, e.metric, e.due_at) for e in events if isinstance(e, SlaWarning | SlaBreached)]


def test_the_scan_warns_then_breaches_each_once_even_run_twice(world, policies, now) -> None:
    ticket = world.ticket()
    with capture_events() as events:
        assert sla_scan(riyadh(2026, 12, 6, 9, 44)).warnings == 0
        assert sla_scan(riyadh(2026, 12, 6, 9, 45)).warnings == 1
        assert sla_scan(riyadh(2026, 12, 6, 9, 45)).warnings == 0  # the same minute again
        assert sla_scan(riyadh(2026, 12, 6, 9, 59)).warnings == 0
        first = sla_scan(riyadh(2026, 12, 6, 10, 0))
        again = sla_scan(riyadh(2026, 12, 6, 10, 1))
    assert (first.breaches, again.breaches) == (1, 0)
    due = riyadh(2026, 12, 6, 10, 0)
    assert alerts(events) == [
        ("SlaWarning", Metric.FIRST_REPLY, due),
        ("SlaBreached", Metric.FIRST_REPLY, due),
    ]
    clock = SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_REPLY)
    assert clock.state == ClockState.BREACHED and clock.breached_at == due and clock.warned
    rows = SlaMetricEvent.objects.filter(ticket=ticket, kind__in=["warning", "breach"])
    assert sorted(rows.values_list("kind", "at")) == [
        ("breach", due),
        ("warning", riyadh(2026, 12, 6, 9, 45)),
    ]


def test_a_scheduler_restart_across_a_boundary_neither_misses_nor_doubles(world, policies, now) -> None:
    world.ticket()
    with capture_events() as events:
        # The scheduler was down from 09:30 to 12:00: both the warning (09:45) and the due time (10:00) passed.
        sla_scan(riyadh(2026, 12, 6, 9, 30))
        sla_scan(riyadh(2026, 12, 6, 12, 0))
        sla_scan(riyadh(2026, 12, 6, 12, 1))
    # The breach is reported once, at its due time; a warning for a clock already past its target is moot.
    assert alerts(events) == [("SlaBreached", Metric.FIRST_REPLY, riyadh(2026, 12, 6, 10, 0))]


def test_a_breach_written_before_a_crash_is_not_sent_again(world, policies, now) -> None:
    ticket = world.ticket()
    sla_scan(riyadh(2026, 12, 6, 10, 0))
    # A crash after the row was written but before the clock was marked: the next run finds the row.
    SlaClock.objects.filter(ticket=ticket, metric=Metric.FIRST_REPLY).update(state=ClockState.ACTIVE)
    with capture_events() as events:
        result = sla_scan(riyadh(2026, 12, 6, 10, 1))
    assert result.breaches == 0 and alerts(events) == []
    assert SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_REPLY).state == ClockState.BREACHED


def test_the_scan_across_a_due_time_change(world, policies, now) -> None:
    ticket = world.ticket()
    with capture_events() as events:
        sla_scan(riyadh(2026, 12, 6, 9, 45))  # warned for the 10:00 due time
        now.value = riyadh(2026, 12, 6, 9, 50)
        # Urgent: first reply within 30 min of 09:00 = 09:30, already past.
        ticket_update(ticket=ticket, actor=world.agent, changes={"priority": Priority.URGENT})
        sla_scan(riyadh(2026, 12, 6, 9, 50))
        sla_scan(riyadh(2026, 12, 6, 9, 51))
    assert alerts(events) == [
        ("SlaWarning", Metric.FIRST_REPLY, riyadh(2026, 12, 6, 10, 0)),
        ("SlaBreached", Metric.FIRST_REPLY, riyadh(2026, 12, 6, 9, 30)),
    ]


def test_a_later_due_time_is_not_warned_twice(world, policies, now) -> None:
    ticket = world.ticket(priority=Priority.URGENT)  # first reply 09:30, warning 09:22:30
    with capture_events() as events:
        sla_scan(riyadh(2026, 12, 6, 9, 23))
        now.value = riyadh(2026, 12, 6, 9, 24)
        ticket_update(ticket=ticket, actor=world.agent, changes={"priority": Priority.NORMAL})  # due 10:00
        sla_scan(riyadh(2026, 12, 6, 9, 50))
    assert [kind for kind, *_ in alerts(events)] == ["SlaWarning"]


def test_alerts_are_held_until_business_hours_when_the_policy_says_so(world, policies, now) -> None:
    policies.hold_alerts_outside_hours = True
    policies.save()
    now.value = riyadh(2026, 12, 10, 15, 0)  # Thursday: first reply due 16:00, the end of the working day
    world.ticket()
    with capture_events() as events:
        held = sla_scan(riyadh(2026, 12, 10, 16, 30))
        sla_scan(riyadh(2026, 12, 12, 12, 0))  # Saturday
        sla_scan(riyadh(2026, 12, 13, 8, 1))  # Sunday morning
    assert held.held >= 1
    assert alerts(events) == [("SlaBreached", Metric.FIRST_REPLY, riyadh(2026, 12, 10, 16, 0))]


def test_supervisors_and_the_assignee_are_notified_of_a_breach_in_real_time(
    world, policies, now, django_capture_on_commit_callbacks
) -> None:
    ticket = world.ticket()
    ticket_update(
        ticket=ticket,
        actor=world.admin,
        changes={"team_id": world.in_house.pk, "assignee_id": world.agent.pk},
    )
    with django_capture_on_commit_callbacks(execute=True):
        sla_scan(riyadh(2026, 12, 6, 9, 45))
    assert list(AgentNotification.objects.values_list("user__username", "kind")) == [("agent", "sla_warning")]
    with django_capture_on_commit_callbacks(execute=True):
        sla_scan(riyadh(2026, 12, 6, 10, 0))
        sla_scan(riyadh(2026, 12, 6, 10, 1))
    breached = AgentNotification.objects.filter(kind="sla_breached")
    assert sorted(breached.values_list("user__username", flat=True)) == ["agent", "supervisor"]
    page = world.client_for(world.supervisor).get("/workspace/notifications/")
    assert page.status_code == 200 and "تجاوز" in page.content.decode()


def test_the_scan_runs_every_minute() -> None:
    from config.schedule import SCHEDULE

    assert any(p.task == "awn.sla.tasks.scan" and p.every == 60 for p in SCHEDULE)
