"""Slice 2 of issue 17: every KPI on a hand-built timeline. The reference values below are worked out by hand
from the timeline (working hours Sunday–Thursday 08:00–16:00 Riyadh time), not by the code under test."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from django.db.models import F
from django.utils import timezone

from awn.analytics.enums import FactEventKind as K
from awn.analytics.kpis import (
    BY_KEY,
    KPIS,
    compute,
    compute_grouped,
    definitions_markdown,
    drill_filter,
    percentile,
)
from awn.analytics.models import TicketFact
from awn.analytics.services import record_event
from awn.sla.business_time import RIYADH
from awn.sla.models import BusinessCalendar


def set_default_hours(weekly_hours: dict[str, list[list[int]]]) -> None:
    """The default calendar (created by a migration) gets these hours."""
    BusinessCalendar.objects.filter(is_default=True).update(
        # updated_at too: built calendars are cached per (version, updated_at), and each test starts again at 1
        weekly_hours=weekly_hours,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )


AGENT, OTHER_AGENT = 7, 8


def r(day: int, hour: int, minute: int = 0) -> datetime:
    """November 2026, Riyadh time: the 1st and the 8th are Sundays, the 6th–7th a weekend."""
    return datetime(2026, 11, day, hour, minute, tzinfo=RIYADH)


def created(ticket: int, at: datetime, requester: int, category: str, channel: str = "email") -> None:
    payload = {
        "channel": channel,
        "category": category,
        "priority": "normal",
        "status": "new",
        "requester_id": requester,
    }
    record_event(kind=K.CREATED, ticket_id=ticket, at=at, payload=payload)


def status(ticket: int, at: datetime, old: str, new: str) -> None:
    record_event(kind=K.STATUS, ticket_id=ticket, at=at, payload={"old": old, "new": new})


def reply(ticket: int, at: datetime, actor: int | None = AGENT) -> None:
    record_event(kind=K.REPLY, ticket_id=ticket, at=at, payload={"actor_id": actor})


@pytest.fixture
def timeline(db: None) -> None:
    set_default_hours(
        {day: [[8 * 3600, 16 * 3600]] for day in ("sun", "mon", "tue", "wed", "thu")},
    )
    # 1: created Thursday 15:00, answered after the weekend (Sunday 09:00), resolved Sunday 10:00.
    created(1, r(5, 15), requester=1, category="transfer")
    record_event(
        kind=K.ASSIGNED, ticket_id=1, at=r(5, 15, 5), payload={"assignee_id": AGENT, "team_id": None}
    )
    record_event(
        kind=K.ASSIGNED, ticket_id=1, at=r(5, 15, 6), payload={"assignee_id": OTHER_AGENT, "team_id": None}
    )
    reply(1, r(8, 9))
    status(1, r(8, 10), "open", "resolved")
    # …and sent a satisfaction survey it never answered (the survey response rate's denominator).
    record_event(kind=K.SURVEYED, ticket_id=1, at=r(8, 10, 1), payload={"channel": "email"})
    record_event(kind=K.SURVEYED, ticket_id=1, at=r(9, 10), payload={"channel": "email"})  # a replay: ignored
    # 2: a pause waiting on the customer from Sunday 10:00 to Monday 09:00; resolved Monday 12:00; rated 4.
    created(2, r(1, 8), requester=2, category="account_access", channel="whatsapp")
    reply(2, r(1, 9))
    status(2, r(1, 10), "open", "pending")
    status(2, r(2, 9), "pending", "open")
    status(2, r(2, 12), "open", "resolved")
    record_event(kind=K.RATED, ticket_id=2, at=r(2, 13), payload={"score": 4})
    # 3: resolved within the hour, reopened the next day and resolved again; rated 2.
    created(3, r(2, 8), requester=3, category="account_access", channel="whatsapp")
    reply(3, r(2, 8, 10))
    status(3, r(2, 9), "open", "resolved")
    status(3, r(3, 8), "resolved", "open")
    status(3, r(3, 10), "open", "resolved")
    record_event(kind=K.RATED, ticket_id=3, at=r(3, 11), payload={"score": 2})
    # 4: contact 1 writes again about a transfer a day after ticket 1 was resolved; still open.
    created(4, r(9, 10), requester=1, category="transfer")
    # 5: contact 2 again about account access two days after ticket 2's resolution, merged into ticket 4.
    created(5, r(4, 8), requester=2, category="account_access")
    record_event(kind=K.MERGED, ticket_id=5, at=r(4, 9), payload={"target_id": 4})
    status(5, r(4, 9), "new", "closed")
    # 6: the assistant answers at 12:01 (not a first reply), a person at 13:00, resolved 14:00, rated 5.
    created(6, r(1, 12), requester=4, category="registration")
    reply(6, r(1, 12, 1), actor=None)
    reply(6, r(1, 13))
    status(6, r(1, 14), "open", "resolved")
    record_event(kind=K.RATED, ticket_id=6, at=r(1, 15), payload={"score": 5})


def test_percentile_is_linear_between_closest_ranks() -> None:
    assert percentile([], 0.5) is None
    assert percentile([5], 0.9) == 5
    assert percentile([100, 200, 300, 400, 1000], 0.5) == 300
    assert percentile([1000, 100, 400, 300, 200], 0.9) == pytest.approx(760)  # 400 + 0.6 × 600


@pytest.mark.django_db
def test_every_kpi_on_the_hand_built_timeline(timeline: None) -> None:
    v = compute(TicketFact.objects.all())
    assert v["volume"].population == 5  # the merged duplicate is not a ticket of its own
    fr = v["first_reply"]
    assert fr.calendar and fr.business
    assert fr.population == 4
    # calendar: 237600 (Thu 15:00 → Sun 09:00), 3600, 600, 3600
    assert (fr.calendar.count, fr.calendar.mean, fr.calendar.median) == (4, 61350, 3600)
    assert fr.calendar.p90 == pytest.approx(167400)  # 3600 + 0.7 × (237600 − 3600)
    # business: Thu 15–16 + Sun 08–09 = 7200, 3600, 600, 3600
    assert (fr.business.mean, fr.business.median, fr.business.p90) == (3750, 3600, pytest.approx(6120))
    res = v["resolution"]
    assert res.calendar and res.business
    # calendar: 241200, 100800 (Sun 08:00 → Mon 12:00), 3600 (the first resolution of ticket 3), 7200
    assert (res.calendar.mean, res.calendar.median) == (88200, 54000)
    assert res.calendar.p90 == pytest.approx(199080)
    # business: 10800, 43200 (8 h Sunday + 4 h Monday), 3600, 7200
    assert (res.business.mean, res.business.median, res.business.p90) == (16200, 9000, pytest.approx(33480))
    wait = v["waiting_on_customer"]
    assert wait.calendar and wait.business
    # only ticket 2 waited: 23 h of calendar time, Sun 10–16 + Mon 08–09 = 7 h of business time
    assert (wait.calendar.mean, wait.calendar.median, wait.calendar.p90) == (20700, 0, pytest.approx(57960))
    assert (wait.business.mean, wait.business.p90) == (6300, pytest.approx(17640))
    assert (v["reopen_rate"].hits, v["reopen_rate"].population) == (1, 4)
    # FCR: 1 and 2 were followed by a new ticket of the same contact and category within 7 days, 3 was reopened.
    assert (v["fcr"].hits, v["fcr"].population) == (1, 4)
    assert (v["csat"].hits, v["csat"].population) == (2, 3)
    # Asked: ticket 1 (a survey, unanswered), 2, 3 and 6 (rated); answered: 2, 3 and 6.
    assert (v["csat_response"].hits, v["csat_response"].population) == (3, 4)
    assert (v["reassigned"].hits, v["reassigned"].population) == (1, 5)
    assert v["csat"].share == pytest.approx(2 / 3)


@pytest.mark.django_db
def test_drill_down_lists_exactly_the_tickets_a_number_counts(timeline: None) -> None:
    def ids(key: str, part: str) -> list[int]:
        return sorted(
            TicketFact.objects.filter(drill_filter(BY_KEY[key], part)).values_list("ticket_id", flat=True)
        )

    assert ids("fcr", "hits") == [6]
    assert ids("fcr", "all") == [1, 2, 3, 6]
    assert ids("reopen_rate", "hits") == [3]
    assert ids("volume", "all") == [1, 2, 3, 4, 6]


@pytest.mark.django_db
def test_a_period_without_data_gives_empty_figures_not_errors(timeline: None) -> None:
    v = compute(TicketFact.objects.filter(created_at__year=2020))
    assert v["volume"].population == 0 and v["csat"].share is None
    empty = v["resolution"].calendar
    assert empty is not None and empty.median is None and empty.count == 0


@pytest.mark.django_db
def test_period_filters_keep_repeat_contacts_outside_the_period(timeline: None) -> None:
    # Only the first week: ticket 4 (the 9th) is outside, but it still makes ticket 1 a repeat contact.
    v = compute(TicketFact.objects.filter(created_at__lt=r(8, 0)))
    assert v["volume"].population == 4
    assert (v["fcr"].hits, v["fcr"].population) == (1, 4)


def test_every_kpi_has_a_definition_in_both_languages_and_the_docs_say_the_same() -> None:
    from django.utils import translation

    for kpi in KPIS:
        with translation.override("en"):
            english = str(kpi.label), str(kpi.definition)
        with translation.override("ar"):
            arabic = str(kpi.label), str(kpi.definition)
        assert all(a and a != e for a, e in zip(arabic, english, strict=True)), kpi.key
    docs = Path(__file__).resolve().parents[3] / "docs" / "kpis.md"
    assert docs.read_text(encoding="utf-8") == definitions_markdown()


@pytest.mark.django_db
def test_grouped_figures_follow_the_same_definitions(timeline: None) -> None:
    groups = dict(compute_grouped(TicketFact.objects.all(), "channel"))
    whatsapp, email = groups["whatsapp"], groups["email"]
    # WhatsApp: tickets 2 and 3, first replies 3600 and 600 → median 2100; ticket 3 reopened.
    fr = whatsapp["first_reply"].calendar
    assert fr is not None and (fr.count, fr.median) == (2, 2100)
    assert (whatsapp["reopen_rate"].hits, whatsapp["reopen_rate"].population) == (1, 2)
    # Email: tickets 1, 4 and 6 (the merged 5 is email too but not counted); 1 and 6 resolved, 6 in one contact.
    assert email["volume"].population == 3
    assert (email["fcr"].hits, email["fcr"].population) == (1, 2)


@pytest.mark.django_db
def test_survey_response_rate_counts_the_tickets_asked_not_every_resolved_one() -> None:
    # 101 surveyed and answered 5; 102 surveyed, never answered; 103 rated on the portal's form without a survey;
    # 104 resolved and never asked (no way to reach its requester); 105 surveyed, answered 2, then merged away.
    for ticket in (101, 102, 103, 104, 105):
        created(ticket, r(2, 8), requester=ticket, category="transfer")
        status(ticket, r(2, 9), "open", "resolved")
    for ticket in (101, 102, 105):
        record_event(kind=K.SURVEYED, ticket_id=ticket, at=r(2, 9, 1), payload={"channel": "email"})
    record_event(kind=K.RATED, ticket_id=101, at=r(2, 10), payload={"score": 5})
    record_event(kind=K.RATED, ticket_id=103, at=r(2, 10), payload={"score": 3})
    record_event(kind=K.RATED, ticket_id=105, at=r(2, 10), payload={"score": 2})
    record_event(kind=K.MERGED, ticket_id=105, at=r(2, 11), payload={"target_id": 101})
    v = compute(TicketFact.objects.all())
    # By hand: asked 101, 102, 103 (105 is a duplicate); answered 101 and 103; satisfied 101 of 101 and 103.
    assert (v["csat_response"].hits, v["csat_response"].population) == (2, 3)
    assert (v["csat"].hits, v["csat"].population) == (1, 2)
    assert sorted(
        TicketFact.objects.filter(drill_filter(BY_KEY["csat_response"], "all")).values_list(
            "ticket_id", flat=True
        )
    ) == [101, 102, 103]
    assert TicketFact.objects.get(pk=102).surveyed_at == r(2, 9, 1)
