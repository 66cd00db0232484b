"""SLA clocks through the ticket services: the regression cases of issue 16, each named after it.

The default calendar is Sunday–Thursday 08:00–16:00 Asia/Riyadh. 2026-12-06 is a Sunday, 2026-12-10 a Thursday.
Every expected due time below is worked out by hand in the comment beside it, not by the code under test.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from awn.sla.enums import ClockState, Metric
from awn.sla.models import BusinessCalendar, CalendarOverride, SlaClock, SlaMetricEvent, SlaPolicy
from awn.sla.services import calendar_update, holiday_save, override_save
from awn.sla.tests.helpers import HOUR, NORMAL, URGENT, riyadh
from awn.tickets.enums import Category, Priority, Status
from awn.tickets.models import Ticket
from awn.tickets.services import ticket_add_message, ticket_update

pytestmark = pytest.mark.django_db


def clock(ticket: Ticket, metric: str) -> SlaClock:
    return SlaClock.objects.get(ticket=ticket, metric=metric)


def due(ticket: Ticket, metric: str) -> datetime | None:
    return clock(ticket, metric).due_at


def test_ticket_created_2300_thursday_counts_from_sunday_first_business_minute(world, policies, now) -> None:
    now.value = riyadh(2026, 12, 10, 23, 0)
    ticket = world.ticket()
    # Friday and Saturday are closed: the first business minute is Sunday 08:00; + 1 h = 09:00.
    assert due(ticket, Metric.FIRST_REPLY) == riyadh(2026, 12, 13, 9, 0)
    assert due(ticket, Metric.RESOLUTION) == riyadh(2026, 12, 13, 16, 0)  # + 8 h = the end of Sunday
    ticket.refresh_from_db()
    assert ticket.next_due_at == riyadh(2026, 12, 13, 9, 0)
    assert ticket.sla_policy_id == policies.pk and ticket.sla_snapshot["targets"]["normal"] == NORMAL
    assert set(SlaClock.objects.filter(ticket=ticket).values_list("metric", flat=True)) == {
        Metric.FIRST_REPLY,
        Metric.RESOLUTION,
        Metric.REQUESTER_WAIT,
    }  # next reply starts with the conversation


def test_time_zone_is_asia_riyadh_whatever_the_server_zone(world, policies, now, settings) -> None:
    previous = os.environ.get("TZ")
    settings.TIME_ZONE = "America/New_York"
    os.environ["TZ"] = "Pacific/Kiritimati"
    time.tzset()
    try:
        now.value = datetime(2026, 12, 10, 20, 0, tzinfo=UTC)  # 23:00 Thursday in Riyadh
        ticket = world.ticket()
        # Sunday 09:00 in Riyadh is 06:00 UTC.
        assert due(ticket, Metric.FIRST_REPLY) == datetime(2026, 12, 13, 6, 0, tzinfo=UTC)
    finally:
        if previous is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = previous
        time.tzset()


def test_reply_and_set_pending_in_one_update_fulfils_first_reply(world, policies, now) -> None:
    ticket = world.ticket()  # Sunday 09:00
    now.value = riyadh(2026, 12, 6, 9, 20)
    ticket_add_message(ticket=ticket, body="أرسل رقم الهوية", actor=world.agent, status_after=Status.PENDING)
    first = clock(ticket, Metric.FIRST_REPLY)
    assert first.state == ClockState.FULFILLED and first.fulfilled_at == riyadh(2026, 12, 6, 9, 20)
    assert first.breached_at is None
    resolution = clock(ticket, Metric.RESOLUTION)
    assert resolution.state == ClockState.PAUSED and resolution.used_seconds == 20 * 60
    assert clock(ticket, Metric.REQUESTER_WAIT).state == ClockState.PAUSED
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING and ticket.next_due_at is None  # nothing runs while pending
    kinds = list(SlaMetricEvent.objects.filter(ticket=ticket).order_by("id").values_list("metric", "kind"))
    assert (Metric.FIRST_REPLY, "fulfil") in kinds and (Metric.RESOLUTION, "pause") in kinds
    assert kinds[:3] == [
        (m, "activate") for m in (Metric.FIRST_REPLY, Metric.RESOLUTION, Metric.REQUESTER_WAIT)
    ]


def test_first_reply_is_never_paused(world, policies, now) -> None:
    ticket = world.ticket()
    now.value = riyadh(2026, 12, 6, 9, 10)
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.PENDING})
    assert clock(ticket, Metric.FIRST_REPLY).state == ClockState.ACTIVE
    assert due(ticket, Metric.FIRST_REPLY) == riyadh(2026, 12, 6, 10, 0)
    ticket.refresh_from_db()
    assert ticket.next_due_at == riyadh(2026, 12, 6, 10, 0)


def test_reopen_after_resolve_resumes_resolution_and_next_reply(world, policies, now) -> None:
    ticket = world.ticket()  # Sunday 09:00
    now.value = riyadh(2026, 12, 6, 9, 10)
    ticket_add_message(ticket=ticket, body="نعمل على ذلك", actor=world.agent)
    now.value = riyadh(2026, 12, 6, 9, 30)
    ticket_add_message(ticket=ticket, body="متى؟", actor=world.parent_user)
    assert due(ticket, Metric.NEXT_REPLY) == riyadh(2026, 12, 6, 11, 30)  # 09:30 + 2 h
    now.value = riyadh(2026, 12, 6, 10, 0)
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.RESOLVED})
    resolution = clock(ticket, Metric.RESOLUTION)
    assert resolution.state == ClockState.FULFILLED and resolution.used_seconds == 60 * 60
    next_reply = clock(ticket, Metric.NEXT_REPLY)
    assert next_reply.state == ClockState.PAUSED and next_reply.used_seconds == 30 * 60  # stopped
    ticket.refresh_from_db()
    assert ticket.next_due_at is None
    now.value = riyadh(2026, 12, 7, 9, 0)  # Monday
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.OPEN})
    # Resolution used 1 h of 8: 7 h left from Monday 09:00 = 16:00. Next reply used 30 min of 2 h: 10:30.
    assert clock(ticket, Metric.RESOLUTION).state == ClockState.ACTIVE
    assert due(ticket, Metric.RESOLUTION) == riyadh(2026, 12, 7, 16, 0)
    assert due(ticket, Metric.NEXT_REPLY) == riyadh(2026, 12, 7, 10, 30)
    ticket.refresh_from_db()
    assert ticket.next_due_at == riyadh(2026, 12, 7, 10, 30)


def test_a_customer_reply_reopens_a_resolved_ticket_and_starts_next_reply(world, policies, now) -> None:
    ticket = world.ticket()
    now.value = riyadh(2026, 12, 6, 9, 10)
    ticket_add_message(ticket=ticket, body="تم", actor=world.agent, status_after=Status.RESOLVED)
    now.value = riyadh(2026, 12, 6, 11, 0)
    ticket_add_message(ticket=ticket, body="ما زالت المشكلة", actor=world.parent_user)
    assert due(ticket, Metric.NEXT_REPLY) == riyadh(2026, 12, 6, 13, 0)
    # Resolution used 10 min before resolving: 7 h 50 min left from 11:00 = Monday 10:50 (5 h Sunday).
    assert due(ticket, Metric.RESOLUTION) == riyadh(2026, 12, 7, 10, 50)


def test_a_customer_note_in_the_portal_restarts_next_reply(world, policies, now) -> None:
    ticket = world.ticket()
    now.value = riyadh(2026, 12, 6, 9, 10)
    ticket_add_message(ticket=ticket, body="أهلاً", actor=world.agent)
    now.value = riyadh(2026, 12, 6, 9, 40)
    ticket_add_message(ticket=ticket, body="شكراً", actor=world.agent)  # fulfils nothing new
    assert not SlaClock.objects.filter(ticket=ticket, metric=Metric.NEXT_REPLY).exists()
    now.value = riyadh(2026, 12, 6, 15, 0)
    client = world.client_for(world.parent_user)
    response = client.post(reverse("portal:ticket_reply", args=[ticket.pk]), {"body": "لم تحل المشكلة"})
    assert response.status_code == 302
    # 15:00 + 2 business hours: 1 h on Sunday, 1 h from Monday 08:00 = Monday 09:00.
    assert due(ticket, Metric.NEXT_REPLY) == riyadh(2026, 12, 7, 9, 0)
    now.value = riyadh(2026, 12, 7, 8, 30)
    ticket_add_message(ticket=ticket, body="تم الحل", actor=world.agent)
    next_reply = clock(ticket, Metric.NEXT_REPLY)
    assert next_reply.state == ClockState.FULFILLED and next_reply.used_seconds == 90 * 60
    now.value = riyadh(2026, 12, 7, 9, 0)
    client.post(reverse("portal:ticket_reply", args=[ticket.pk]), {"body": "سؤال آخر"})
    assert due(ticket, Metric.NEXT_REPLY) == riyadh(2026, 12, 7, 11, 0)  # a new cycle


def test_a_holiday_inside_a_weekend(world, policies, now) -> None:
    holiday_save(
        holiday=None,
        name_ar="عطلة في نهاية الأسبوع",
        first_day=riyadh(2026, 12, 11).date(),
        last_day=riyadh(2026, 12, 12).date(),
    )
    now.value = riyadh(2026, 12, 10, 15, 30)  # Thursday
    ticket = world.ticket()
    # 30 min on Thursday; Friday and Saturday were closed anyway: Sunday 08:30.
    assert due(ticket, Metric.FIRST_REPLY) == riyadh(2026, 12, 13, 8, 30)
    holiday_save(
        holiday=None,
        name_ar="تمديد",
        first_day=riyadh(2026, 12, 13).date(),
        last_day=riyadh(2026, 12, 13).date(),
    )
    now.value = riyadh(2026, 12, 10, 15, 40)
    other = world.ticket()
    assert due(other, Metric.FIRST_REPLY) == riyadh(2026, 12, 14, 8, 40)  # Sunday off too: Monday


def test_a_ramadan_override(world, policies, now) -> None:
    calendar = BusinessCalendar.objects.get(is_default=True)
    ramadan = {day: [(10 * HOUR, 15 * HOUR)] for day in (6, 0, 1, 2, 3)}
    override_save(
        override=None,
        calendar=calendar,
        name="رمضان",
        first_day=riyadh(2026, 12, 13).date(),
        last_day=riyadh(2026, 12, 24).date(),
        weekly_hours=ramadan,
    )
    now.value = riyadh(2026, 12, 13, 14, 30)
    ticket = world.ticket()
    # Ramadan hours 10:00–15:00: 30 min on Sunday, 30 min from Monday 10:00 = 10:30.
    assert due(ticket, Metric.FIRST_REPLY) == riyadh(2026, 12, 14, 10, 30)
    assert CalendarOverride.objects.count() == 1


def test_a_calendar_edit_while_a_ticket_is_paused(world, policies, now) -> None:
    ticket = world.ticket()  # Sunday 09:00
    now.value = riyadh(2026, 12, 6, 10, 0)
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.PENDING})
    assert clock(ticket, Metric.RESOLUTION).used_seconds == HOUR
    calendar = BusinessCalendar.objects.get(is_default=True)
    now.value = riyadh(2026, 12, 6, 12, 0)
    calendar_update(
        calendar=calendar,
        name=calendar.name,
        weekly_hours={day: [(8 * HOUR, 12 * HOUR)] for day in (6, 0, 1, 2, 3)},
    )
    assert clock(ticket, Metric.RESOLUTION).state == ClockState.PAUSED  # still paused, still 1 h used
    assert clock(ticket, Metric.RESOLUTION).used_seconds == HOUR
    now.value = riyadh(2026, 12, 7, 9, 0)  # Monday: the customer answers, the ticket opens again
    ticket_add_message(ticket=ticket, body="هذا رقم الهوية", actor=world.parent_user)
    # 7 h left on the new 08:00–12:00 hours: Monday 09:00–12:00 (3 h), Tuesday 08:00–12:00 (4 h) = Tue 12:00.
    assert due(ticket, Metric.RESOLUTION) == riyadh(2026, 12, 8, 12, 0)


def test_a_ticket_whose_priority_changes_mid_clock_gets_the_new_target_from_its_original_start(
    world, policies, now
) -> None:
    ticket = world.ticket()  # Sunday 09:00, normal
    now.value = riyadh(2026, 12, 6, 10, 0)
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.PENDING})
    now.value = riyadh(2026, 12, 6, 11, 0)
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.OPEN})
    now.value = riyadh(2026, 12, 6, 11, 30)
    ticket_update(ticket=ticket, actor=world.agent, changes={"priority": Priority.URGENT})
    # Urgent resolution is 2 h from 09:00, the hour paused left out: 12:00. First reply 30 min: 09:30,
    # already past (the breach scan reports it at 09:30).
    assert due(ticket, Metric.RESOLUTION) == riyadh(2026, 12, 6, 12, 0)
    assert due(ticket, Metric.FIRST_REPLY) == riyadh(2026, 12, 6, 9, 30)
    assert clock(ticket, Metric.FIRST_REPLY).target_seconds == 30 * 60
    ticket.refresh_from_db()
    assert ticket.next_due_at == riyadh(2026, 12, 6, 9, 30)
    assert ticket.sla_snapshot["policy_id"] == policies.pk


def test_priority_missing_falls_back_to_the_default_policy(world, policies, now) -> None:
    transfers = SlaPolicy.objects.create(
        name="نقل عاجل", position=1, categories=[Category.TRANSFER], targets={"urgent": URGENT}
    )
    normal = world.ticket(category=Category.TRANSFER)  # no "normal" targets on the transfer policy
    urgent = world.ticket(category=Category.TRANSFER, priority=Priority.URGENT)
    normal.refresh_from_db()
    urgent.refresh_from_db()
    assert normal.sla_policy_id == policies.pk and urgent.sla_policy_id == transfers.pk
    assert due(normal, Metric.FIRST_REPLY) == riyadh(2026, 12, 6, 10, 0)
    assert due(urgent, Metric.FIRST_REPLY) == riyadh(2026, 12, 6, 9, 30)


def test_no_policy_at_all_opens_no_clock(world, now) -> None:
    SlaPolicy.objects.all().delete()
    ticket = world.ticket()
    ticket_add_message(ticket=ticket, body="رد", actor=world.agent, status_after=Status.PENDING)
    ticket.refresh_from_db()
    assert ticket.sla_policy_id is None and ticket.next_due_at is None
    assert not SlaClock.objects.exists()


def test_without_any_calendar_business_targets_count_calendar_time(world, policies, now) -> None:
    BusinessCalendar.objects.all().delete()
    now.value = riyadh(2026, 12, 10, 23, 0)
    ticket = world.ticket()
    assert due(ticket, Metric.FIRST_REPLY) == riyadh(2026, 12, 11, 0, 0)


def test_a_reply_after_the_due_time_records_the_breach_at_the_due_time(world, policies, now) -> None:
    ticket = world.ticket()
    now.value = riyadh(2026, 12, 6, 10, 30)
    ticket_add_message(ticket=ticket, body="متأخر", actor=world.agent)
    first = clock(ticket, Metric.FIRST_REPLY)
    assert first.state == ClockState.FULFILLED and first.breached_at == riyadh(2026, 12, 6, 10, 0)
    assert (
        SlaMetricEvent.objects.filter(ticket=ticket, kind="breach", at=riyadh(2026, 12, 6, 10, 0)).count()
        == 1
    )


def test_the_assistants_answer_is_no_agents_first_reply(world, policies, now) -> None:
    from awn.tickets.services import ticket_add_bot_reply

    ticket = world.ticket()
    ticket_add_bot_reply(ticket=ticket, body="جرّب إعادة تعيين كلمة المرور")
    assert clock(ticket, Metric.FIRST_REPLY).state == ClockState.ACTIVE


def test_closing_fulfils_every_clock(world, policies, now) -> None:
    ticket = world.ticket()
    now.value = riyadh(2026, 12, 6, 9, 5)
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.CLOSED})
    assert set(SlaClock.objects.filter(ticket=ticket).values_list("state", flat=True)) == {
        ClockState.FULFILLED
    }


def test_a_merged_ticket_stops_its_clocks(world, policies, now) -> None:
    from awn.tickets.services import ticket_merge

    source, target = world.ticket(subject="مكررة"), world.ticket(subject="الأصل")
    now.value = riyadh(2026, 12, 6, 9, 10)
    ticket_merge(source=source, target=target, actor=world.agent)
    assert set(SlaClock.objects.filter(ticket=source).values_list("state", flat=True)) == {
        ClockState.FULFILLED
    }
    source.refresh_from_db()
    assert source.next_due_at is None
    assert clock(target, Metric.FIRST_REPLY).state == ClockState.ACTIVE
