"""Due badges: remaining business time, coloured by state, never negative before a breach; the queue sorts by
due time and keeps its query count; the ticket page lists its clocks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awn.sla.badges import badge_for, badge_text, due_badges, forget_calendars
from awn.sla.business_time import build_calendar
from awn.sla.enums import ClockState, Metric
from awn.sla.scan import sla_scan
from awn.sla.tests.helpers import HOUR, riyadh
from awn.tickets.enums import Priority, Status
from awn.tickets.services import ticket_update

pytestmark = pytest.mark.django_db
SUN_TO_THU = {day: [(8 * HOUR, 16 * HOUR)] for day in (6, 0, 1, 2, 3)}


@pytest.fixture(autouse=True)
def _fresh_calendars() -> None:
    forget_calendars()


def badge(due, now, *, warn_at=None, warned=False, business=True, state=ClockState.ACTIVE):
    return badge_for(
        metric=Metric.FIRST_REPLY,
        clock_state=state,
        due_at=due,
        warn_at=warn_at,
        warned=warned,
        business=business,
        calendar=build_calendar(SUN_TO_THU, [], []),
        now=now,
    )


def test_a_badge_counts_business_time_and_is_never_negative_before_the_breach() -> None:
    due = riyadh(2026, 12, 13, 9, 0)  # Sunday 09:00
    thursday = badge(due, riyadh(2026, 12, 10, 15, 0))
    assert (thursday.state, thursday.seconds) == ("ok", 2 * HOUR)  # 1 h Thursday + 1 h Sunday
    # After hours on Thursday no business time is left before Sunday 08:00; the badge still counts down.
    late = badge(riyadh(2026, 12, 10, 18, 0), riyadh(2026, 12, 10, 17, 0))
    assert late.state == "ok" and late.seconds == HOUR
    at_due = badge(due, due)
    assert at_due.state == "breached" and at_due.seconds == 0
    after = badge(due, due + timedelta(minutes=5))
    assert (after.state, after.seconds) == ("breached", 300)
    assert badge(due, riyadh(2026, 12, 13, 8, 50), warned=True).state == "warning"
    assert badge(due, riyadh(2026, 12, 13, 8, 50), warn_at=riyadh(2026, 12, 13, 8, 45)).state == "warning"
    scanned = badge(due, riyadh(2026, 12, 13, 8, 59), state=ClockState.BREACHED)
    assert scanned.state == "breached" and scanned.seconds == 0


def test_badge_text_in_arabic(settings) -> None:
    from django.utils import translation

    with translation.override("ar"):
        assert (
            badge_text(badge(riyadh(2026, 12, 13, 10, 5), riyadh(2026, 12, 13, 8, 0)))
            == "يستحق خلال 2 س 05 د"
        )
        assert badge_text(badge(riyadh(2026, 12, 13, 9, 0), riyadh(2026, 12, 13, 9, 45))) == "متأخر 45 د"


def test_due_badges_for_a_page_in_one_query(world, policies, now) -> None:
    tickets = [world.ticket(subject=f"تذكرة {i}") for i in range(5)]
    now.value = riyadh(2026, 12, 6, 9, 50)
    due_badges([t.pk for t in tickets])  # calendars cached
    with CaptureQueriesContext(connection) as ctx:
        badges = due_badges([t.pk for t in tickets])
    assert len(ctx.captured_queries) == 1
    # First reply due 10:00, warned from 09:45: amber, 10 minutes left.
    assert {(b.state, b.seconds, b.metric) for b in badges.values()} == {("warning", 600, Metric.FIRST_REPLY)}


def test_the_queue_shows_due_badges_and_sorts_by_due(world, policies, now) -> None:
    normal = world.ticket(subject="عادية")
    urgent = world.ticket(subject="عاجلة", priority=Priority.URGENT)
    paused = world.ticket(subject="معلقة")
    now.value = riyadh(2026, 12, 6, 9, 5)
    ticket_update(ticket=paused, actor=world.agent, changes={"status": Status.PENDING})
    client = world.client_for(world.agent)
    response = client.get(reverse("workspace:queue"), {"queue": "all", "sort": "due"})
    refs = [t.reference for t in response.context["tickets"]]
    # Urgent first (09:30), then the normal ones (10:00); the paused ticket's first reply still runs.
    assert refs[0] == urgent.reference
    assert set(refs[1:]) == {normal.reference, paused.reference}
    html = response.content.decode()
    assert html.count('data-testid="due-badge"') == 3 and 'data-state="ok"' in html
    assert "يستحق خلال 25 د" in html  # the urgent one: 09:30 - 09:05
    sla_scan(riyadh(2026, 12, 6, 9, 31))
    now.value = riyadh(2026, 12, 6, 9, 31)
    html = client.get(reverse("workspace:queue"), {"queue": "all", "sort": "due"}).content.decode()
    assert 'data-state="breached"' in html and "متأخر 1 د" in html and "-" not in html.split("متأخر")[1][:5]


def test_the_ticket_page_lists_its_clocks(world, policies, now) -> None:
    ticket = world.ticket()
    now.value = riyadh(2026, 12, 6, 9, 30)
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.PENDING})
    html = world.client_for(world.agent).get(reverse("workspace:ticket", args=[ticket.pk])).content.decode()
    assert 'data-testid="sla-clocks"' in html
    assert 'data-metric="first_reply" data-clock-state="active"' in html and "يستحق خلال 30 د" in html
    assert 'data-metric="resolution" data-clock-state="paused"' in html
