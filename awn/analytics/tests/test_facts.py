"""Slice 1 of issue 17: facts written by the event handlers, and a rebuild from the event log that gives the very
same rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import F
from django.utils import timezone

from awn.analytics.enums import FactEventKind
from awn.analytics.models import FactEvent, TicketFact
from awn.analytics.services import FACT_FIELDS, facts_rebuild
from awn.crm.services import contact_create, contact_merge, organization_create
from awn.sla.models import BusinessCalendar
from awn.surveys.services import survey_invite
from awn.tickets.enums import Category, Channel, MessageKind, Priority, Status
from awn.tickets.services import (
    ticket_add_bot_reply,
    ticket_add_message,
    ticket_create,
    ticket_merge,
    ticket_rate,
    ticket_update,
)


def set_default_hours(weekly_hours: dict[str, list[list[int]]]) -> None:
    """The default calendar (created by a migration) gets these hours."""
    BusinessCalendar.objects.filter(is_default=True).update(
        # updated_at too: built calendars are cached per (version, updated_at), and each test starts again at 1
        weekly_hours=weekly_hours,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )


def _facts() -> list[dict[str, Any]]:
    return list(TicketFact.objects.order_by("ticket_id").values(*FACT_FIELDS))


def _busy_day(world: Any) -> None:
    """Tickets through every kind of event: replies, bot answers, pending, resolve, reopen, reassign, rate,
    category change, merge and a contact merge."""
    office = organization_create(name="مكتب تعليم الشمال", kind="education_office")
    school = organization_create(name="متوسطة الفارابي", parent=office)
    a = ticket_create(
        requester=world.parent,
        subject="دخول",
        body="لا أستطيع الدخول",
        channel=Channel.WHATSAPP,
        organization=school,
    )
    ticket_add_bot_reply(ticket=a, body="جرّب إعادة تعيين كلمة المرور")
    ticket_add_message(ticket=a, body="نعمل عليها", actor=world.agent, status_after=Status.PENDING)
    ticket_add_message(ticket=a, body="ما زالت المشكلة", actor=world.parent_user)
    ticket_update(
        ticket=a, actor=world.agent, changes={"team_id": world.in_house.pk, "assignee_id": world.agent.pk}
    )
    ticket_update(ticket=a, actor=world.supervisor, changes={"team_id": world.vendor.pk, "assignee_id": None})
    ticket_update(ticket=a, actor=world.agent, changes={"status": Status.RESOLVED})
    ticket_add_message(ticket=a, body="عادت المشكلة", actor=world.parent_user)
    ticket_update(ticket=a, actor=world.agent, changes={"status": Status.RESOLVED, "priority": Priority.HIGH})
    ticket_rate(ticket=a, contact=world.parent, score=4)
    b = ticket_create(requester=world.other_parent, subject="نقل", body="طلب نقل", category=Category.TRANSFER)
    ticket_update(ticket=b, actor=world.agent, changes={"category": Category.REGISTRATION})
    c = ticket_create(requester=world.other_parent, subject="نقل", body="مكرر", category=Category.TRANSFER)
    ticket_merge(source=c, target=b, actor=world.agent)
    ticket_add_message(ticket=b, body="ملاحظة", actor=world.agent, kind=MessageKind.NOTE)
    world.ticket(category=Category.OTHER)  # the same contact and category after `a` was resolved: a repeat
    ticket_update(ticket=b, actor=world.agent, changes={"status": Status.RESOLVED})
    survey_invite(b.pk)  # the satisfaction survey, sent on the resolution (a job, run here in line)
    g = ticket_create(requester=world.other_parent, subject="تسجيل", body="سؤال آخر", category=Category.OTHER)
    ticket_update(
        ticket=g, actor=world.agent, changes={"category": Category.REGISTRATION}
    )  # triage: `b` repeats
    duplicate = contact_create(name="خالد العتيبي", phone="0551112233")
    ticket_create(
        requester=duplicate, subject="شهادة", body="أين الشهادة", category=Category.RESULTS_CERTIFICATES
    )
    contact_merge(source=duplicate, target=world.other_parent)


@pytest.mark.django_db
def test_handlers_write_one_fact_per_ticket_with_every_figure(world: Any) -> None:
    set_default_hours({d: [[0, 86400]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    _busy_day(world)
    facts = {f["ticket_id"]: f for f in _facts()}
    assert len(facts) == 6
    a, b, c, e, g, d = (facts[k] for k in sorted(facts))
    assert a["repeat_contact"] and b["repeat_contact"]
    assert not (c["repeat_contact"] or d["repeat_contact"] or e["repeat_contact"] or g["repeat_contact"])
    assert (
        a["channel"] == Channel.WHATSAPP
        and a["school_id"] is not None
        and a["education_office_id"] is not None
    )
    assert a["reply_count"] == 2 and a["bot_reply_count"] == 1  # the bot's answer is no first reply
    assert a["first_reply_at"] is not None and a["first_reply_seconds"] >= 0
    # A calendar open all week long: business time equals calendar time.
    assert a["first_reply_business_seconds"] == a["first_reply_seconds"]
    assert a["resolution_business_seconds"] == a["resolution_seconds"]
    assert a["reopen_count"] == 1 and a["status"] == Status.RESOLVED
    # in-house agent → vendor team without assignee: one reassignment (the first assignment is none).
    assert a["reassignment_count"] == 1 and a["team_id"] == world.vendor.pk and a["team_kind"] == "outsourced"
    assert a["priority"] == Priority.HIGH and a["csat_score"] == 4 and a["rated_at"] is not None
    assert a["resolved_at"] < a["rated_at"]  # the first resolution counts, not the one after the reopening
    assert b["category"] == Category.REGISTRATION and b["surveyed_at"] is not None
    assert a["surveyed_at"] is None  # rated on the portal's form: no survey went out
    assert c["merged_into_id"] == b["ticket_id"] and c["status"] == Status.CLOSED
    assert d["requester_id"] == world.other_parent.pk  # followed the contact merge
    kinds = set(FactEvent.objects.values_list("kind", flat=True))
    assert kinds == set(FactEventKind.values)


@pytest.mark.django_db
def test_rebuild_from_the_log_gives_the_same_rows_as_the_live_handlers(world: Any) -> None:
    set_default_hours({"sun": [[28800, 57600]]})
    _busy_day(world)
    live = _facts()
    assert len(live) == 6 and sum(f["repeat_contact"] for f in live) == 2
    TicketFact.objects.update(
        reopen_count=99, csat_score=None, repeat_contact=False
    )  # damage them: the rebuild must not read them
    result = facts_rebuild(batch_size=2)  # several batches
    assert result.facts == 6 and result.events == FactEvent.objects.count()
    assert _facts() == live
    call_command("rebuild_facts", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _facts() == live


@pytest.mark.django_db
def test_without_any_calendar_business_time_is_unknown_not_zero(world: Any) -> None:
    BusinessCalendar.objects.all().delete()
    ticket = world.ticket()
    ticket_add_message(ticket=ticket, body="تم", actor=world.agent)
    fact = TicketFact.objects.get(pk=ticket.pk)
    assert fact.first_reply_seconds is not None and fact.first_reply_business_seconds is None


@pytest.mark.django_db
def test_an_empty_log_rebuilds_to_no_facts(world: Any) -> None:
    result = facts_rebuild()
    assert (result.events, result.facts) == (0, 0)
    assert not TicketFact.objects.exists()
