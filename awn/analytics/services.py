"""Writes of the analytics app: append to the event log and fold it into the ticket facts (live), and rebuild
every fact from the log (`manage.py rebuild_facts`)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from awn.sla.business_time import Calendar
from awn.sla.selectors import calendar_for_team

from .enums import FactEventKind
from .facts import Fact, apply, changed_fields
from .models import FactEvent, TicketFact

FACT_FIELDS = tuple(f.attname for f in TicketFact._meta.concrete_fields)


def record_event(
    *, kind: str, ticket_id: int | None, at: datetime, payload: Mapping[str, Any] | None = None
) -> None:
    """Append one event to the log and bring the ticket's fact up to date (inside the caller's transaction)."""
    payload = dict(payload or {})
    FactEvent.objects.create(kind=kind, ticket_id=ticket_id, at=at, payload=payload)
    if kind == FactEventKind.CONTACT_MERGED:
        TicketFact.objects.filter(requester_id=payload["source_id"]).update(requester_id=payload["target_id"])
        return
    if ticket_id is None:
        return
    if kind == FactEventKind.CREATED:
        fact = apply(None, kind, ticket_id, at, payload, calendar_for_team)
        assert fact is not None
        # ON CONFLICT DO NOTHING: a creation published twice keeps the first fact, as the rebuild does.
        TicketFact.objects.bulk_create([TicketFact(**fact)], ignore_conflicts=True)
        return
    before = TicketFact.objects.filter(pk=ticket_id).values(*FACT_FIELDS).first()
    if before is None:
        return
    after = apply(dict(before), kind, ticket_id, at, payload, calendar_for_team)
    changes = changed_fields(before, after or {})
    if changes:
        TicketFact.objects.filter(pk=ticket_id).update(**changes)


@dataclass(frozen=True)
class RebuildResult:
    events: int
    facts: int
    seconds: float


def _resolve(aliases: dict[int, int], contact_id: int | None) -> int | None:
    seen = 0
    while contact_id in aliases and seen < 1000:  # a chain of merges; the bound only guards against a cycle
        contact_id = aliases[contact_id]
        seen += 1
    return contact_id


@transaction.atomic
def facts_rebuild(*, batch_size: int = 5000) -> RebuildResult:
    """Recompute every TicketFact from the event log, in log order, with the fold the live handlers use."""
    started = time.perf_counter()
    facts: dict[int, Fact] = {}
    aliases: dict[int, int] = {}
    calendars: dict[int | None, Calendar | None] = {}

    def calendar_of(team_id: int | None) -> Calendar | None:
        if team_id not in calendars:
            calendars[team_id] = calendar_for_team(team_id)
        return calendars[team_id]

    created = FactEventKind.CREATED
    merged = FactEventKind.CONTACT_MERGED
    count = 0
    rows = FactEvent.objects.order_by("id").values_list("ticket_id", "kind", "at", "payload")
    for ticket_id, kind, at, payload in rows.iterator(chunk_size=batch_size):
        count += 1
        if kind == merged:
            aliases[payload["source_id"]] = payload["target_id"]
            continue
        if ticket_id is None:
            continue
        fact = facts.get(ticket_id)
        if fact is None and kind != created:
            continue
        result = apply(fact, kind, ticket_id, at, payload, calendar_of)
        if result is not None and fact is None:
            facts[ticket_id] = result
    if aliases:
        for fact in facts.values():
            fact["requester_id"] = _resolve(aliases, fact["requester_id"])
    TicketFact.objects.all().delete()
    pending: list[TicketFact] = []
    for fact in facts.values():
        pending.append(TicketFact(**fact))
        if len(pending) >= batch_size:
            TicketFact.objects.bulk_create(pending)
            pending = []
    if pending:
        TicketFact.objects.bulk_create(pending)
    return RebuildResult(events=count, facts=len(facts), seconds=time.perf_counter() - started)
