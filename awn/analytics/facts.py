"""The fold that turns the analytics event log into ticket facts: one pure function, used by the live handlers
(one event at a time) and by `rebuild_facts` (every event in log order), so both produce the same rows.

A fact is a dict keyed by TicketFact's field names. Durations are whole seconds, in calendar time and in business
time on the calendar of the ticket's team at that moment (awn/sla/business_time.py); without any calendar the
business figure is None (no configuration is not zero).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from awn.sla.business_time import Calendar, business_seconds_between

from .enums import FactEventKind as K

Fact = dict[str, Any]
CalendarOf = Callable[[int | None], Calendar | None]

REPEAT_WINDOW = timedelta(days=7)
RESOLVED = "resolved"
CLOSED = "closed"
PENDING = "pending"
# Time in each status before resolution (process analytics, calendar time): the fact column of each status.
STATUS_SECONDS = {"new": "new_seconds", "open": "open_seconds", "on_hold": "on_hold_seconds"}


def new_fact(ticket_id: int, at: datetime, p: Mapping[str, Any]) -> Fact:
    return {
        "ticket_id": ticket_id,
        "created_at": at,
        "channel": p.get("channel", ""),
        "category": p.get("category", ""),
        "priority": p.get("priority", ""),
        "status": p.get("status", "new"),
        "requester_id": p.get("requester_id"),
        "team_id": p.get("team_id"),
        "team_kind": p.get("team_kind", ""),
        "assignee_id": p.get("assignee_id"),
        "school_id": p.get("school_id"),
        "education_office_id": p.get("education_office_id"),
        "first_reply_at": None,
        "first_reply_seconds": None,
        "first_reply_business_seconds": None,
        "resolved_at": None,
        "resolution_seconds": None,
        "resolution_business_seconds": None,
        "pending_seconds": 0,
        "pending_business_seconds": 0,
        "new_seconds": 0,
        "open_seconds": 0,
        "on_hold_seconds": 0,
        "status_since": at,
        "reopen_count": 0,
        "reassignment_count": 0,
        "agent_change_count": 0,
        "transfer_count": 0,
        "bot_then_human": False,
        "escalated": False,
        "reply_count": 0,
        "bot_reply_count": 0,
        "csat_score": None,
        "rated_at": None,
        "surveyed_at": None,
        "merged_into_id": None,
        "repeat_contact": False,
    }


def _seconds(start: datetime, end: datetime) -> int:
    # Whole seconds of each end, as business_time counts them: a calendar that is always open gives the same figure.
    return max(0, int(end.timestamp()) - int(start.timestamp()))


def _business(calendar_of: CalendarOf, fact: Fact, start: datetime, end: datetime) -> int | None:
    calendar = calendar_of(fact["team_id"])
    return None if calendar is None else business_seconds_between(calendar, start, end)


def _leave_status(fact: Fact, at: datetime, calendar_of: CalendarOf) -> None:
    if fact["status"] == PENDING and fact["status_since"] is not None:
        fact["pending_seconds"] += _seconds(fact["status_since"], at)
        fact["pending_business_seconds"] += _business(calendar_of, fact, fact["status_since"], at) or 0
    column = STATUS_SECONDS.get(fact["status"])
    if column is not None and fact["status_since"] is not None:
        fact[column] += _seconds(fact["status_since"], at)
    fact["status_since"] = at


def _count_moves(fact: Fact, assignee_id: Any, team_id: Any) -> None:
    """Process analytics: an agent change hands the ticket from one person straight to another; a transfer moves
    it from one team to another; a transfer after the first human reply is an escalation to a second tier."""
    if fact["assignee_id"] is not None and assignee_id is not None and assignee_id != fact["assignee_id"]:
        fact["agent_change_count"] += 1
    if fact["team_id"] is not None and team_id != fact["team_id"]:
        fact["transfer_count"] += 1
        if fact["first_reply_at"] is not None:
            fact["escalated"] = True


def apply(
    fact: Fact | None,
    kind: str,
    ticket_id: int,
    at: datetime,
    payload: Mapping[str, Any],
    calendar_of: CalendarOf,
) -> Fact | None:
    """The fact after one event (the same dict, changed in place, or a new one for a creation). An event about a
    ticket with no fact yet (created before the log existed) changes nothing: live and rebuild alike."""
    if kind == K.CREATED:
        # A creation published twice (a replay) keeps the first one.
        return fact if fact is not None else new_fact(ticket_id, at, payload)
    if fact is None:
        return None
    if kind == K.REPLY:
        fact["reply_count"] += 1
        if payload.get("actor_id") is None:
            fact["bot_reply_count"] += 1
        elif fact["first_reply_at"] is None:
            # The assistant answered first and a person took over: the first step of the handoff funnel.
            fact["bot_then_human"] = fact["bot_reply_count"] > 0
            fact["first_reply_at"] = at
            fact["first_reply_seconds"] = _seconds(fact["created_at"], at)
            fact["first_reply_business_seconds"] = _business(calendar_of, fact, fact["created_at"], at)
    elif kind == K.STATUS:
        old, new = payload.get("old"), payload.get("new")
        _leave_status(fact, at, calendar_of)
        if old == RESOLVED and new not in (RESOLVED, CLOSED):
            fact["reopen_count"] += 1
        if new == RESOLVED and fact["resolved_at"] is None:
            fact["resolved_at"] = at
            fact["resolution_seconds"] = _seconds(fact["created_at"], at)
            fact["resolution_business_seconds"] = _business(calendar_of, fact, fact["created_at"], at)
        fact["status"] = new
    elif kind == K.ASSIGNED:
        assignee_id, team_id = payload.get("assignee_id"), payload.get("team_id")
        # A reassignment moves a ticket away from someone who had it (a first assignment is not one).
        if (fact["assignee_id"] is not None and assignee_id != fact["assignee_id"]) or (
            fact["team_id"] is not None and team_id != fact["team_id"]
        ):
            fact["reassignment_count"] += 1
        _count_moves(fact, assignee_id, team_id)
        fact["assignee_id"] = assignee_id
        fact["team_id"] = team_id
        fact["team_kind"] = payload.get("team_kind", "")
    elif kind == K.UPDATED:
        for field in ("category", "priority"):
            if field in payload:
                fact[field] = payload[field]
    elif kind == K.MERGED:
        # The merge closes the duplicate without a status event of its own.
        fact["merged_into_id"] = payload.get("target_id")
        _leave_status(fact, at, calendar_of)
        fact["status"] = CLOSED
    elif kind == K.RATED:
        fact["csat_score"] = payload.get("score")
        fact["rated_at"] = at
    elif kind == K.SURVEYED and fact["surveyed_at"] is None:
        # One survey per ticket: a second invitation event (a replay) keeps the first time.
        fact["surveyed_at"] = at
    return fact


def repeat_of(fact: Fact, *, requester_id: Any, category: str, at: datetime, ticket_id: int) -> bool:
    """Whether a ticket of `requester_id` in `category` created at `at` makes `fact` a repeat contact: the same
    contact and category, created within REPEAT_WINDOW after the fact's resolution. The live handler runs the same
    test as one UPDATE (services._mark_repeats)."""
    resolved = fact["resolved_at"]
    return (
        fact["ticket_id"] != ticket_id
        and fact["requester_id"] == requester_id
        and fact["category"] == category
        and resolved is not None
        and at - REPEAT_WINDOW <= resolved < at
    )


def repeat_trigger(
    kind: str, fact: Fact | None, payload: Mapping[str, Any]
) -> tuple[Any, str, datetime] | None:
    """(requester, category, created_at) when this event may make earlier tickets repeat contacts: a creation,
    or a category change (the assistant's triage moves a new ticket out of "other")."""
    if fact is None:
        return None
    if kind == K.CREATED or (kind == K.UPDATED and "category" in payload):
        return fact["requester_id"], fact["category"], fact["created_at"]
    return None


def mark_repeats(facts: Iterable[Fact], trigger: tuple[Any, str, datetime], ticket_id: int) -> None:
    requester_id, category, at = trigger
    for other in facts:
        if not other["repeat_contact"] and repeat_of(
            other, requester_id=requester_id, category=category, at=at, ticket_id=ticket_id
        ):
            other["repeat_contact"] = True


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in after.items() if before.get(name) != value}
