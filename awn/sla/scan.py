"""The warning and breach scan (every minute, config/schedule.py): SlaWarning when a running clock reaches its
policy's warning share of the target, SlaBreached when it reaches the target.

Exactly once per (ticket, metric, kind, due time): the metric event row is unique on that key, a clock is locked
(`skip_locked`: two scanners share the work) while its row is written, and the scan selects by `due_at <= now` /
`warn_at <= now`, not by a window since the last run, so a scheduler that stopped across a boundary catches up
on its next run and one that runs twice finds the row and emits nothing. Both selections are range queries on
partial indexes (active clocks only). A policy may hold its warnings and breaches until business hours: the clock
is left for a later run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from awn.core.events import publish

from . import clocks
from .business_time import is_business_instant
from .clocks import Clockwork, clockwork_for_team
from .enums import ClockState, MetricEventKind
from .events import SlaBreached, SlaWarning
from .models import SlaClock, SlaMetricEvent

BATCH = 200
MAX_BATCHES = 50


@dataclass
class ScanResult:
    warnings: int = 0
    breaches: int = 0
    held: int = 0


def _held(clock: SlaClock, calendars: dict[int | None, Clockwork], now: datetime) -> bool:
    snapshot = clock.ticket.sla_snapshot or {}
    if not snapshot.get("hold_alerts_outside_hours"):
        return False
    team_id = clock.ticket.team_id
    if team_id not in calendars:
        calendars[team_id] = clockwork_for_team(team_id)
    calendar = calendars[team_id].calendar
    return calendar is not None and not is_business_instant(calendar, now)


def _record(clock: SlaClock, kind: str, now: datetime) -> bool:
    """Write the alert's row (False when it exists: sent before) and update the clock, in a savepoint."""
    due_at = clock.due_at
    at = due_at if kind == MetricEventKind.BREACH and due_at is not None else now
    try:
        with transaction.atomic():
            SlaMetricEvent.objects.create(
                ticket_id=clock.ticket_id,
                metric=clock.metric,
                kind=kind,
                at=at,
                due_at=due_at,
                policy_id=(clock.ticket.sla_snapshot or {}).get("policy_id"),
            )
    except IntegrityError:
        return False
    return True


def _scan_batch(kind: str, now: datetime, result: ScanResult, calendars: dict[int | None, Clockwork]) -> int:
    with transaction.atomic():
        rows = SlaClock.objects.select_for_update(skip_locked=True, of=("self",)).select_related("ticket")
        if kind == MetricEventKind.BREACH:
            rows = rows.filter(state=ClockState.ACTIVE, due_at__lte=now).order_by("due_at")
        else:
            rows = rows.filter(state=ClockState.ACTIVE, warn_at__isnull=False, warn_at__lte=now).order_by(
                "warn_at"
            )
        clocks = list(
            rows.only(
                "ticket_id",
                "metric",
                "state",
                "due_at",
                "warn_at",
                "warned",
                "breached_at",
                "ticket__team_id",
                "ticket__sla_snapshot",
            )[:BATCH]
        )
        handled = 0
        for clock in clocks:
            if _held(clock, calendars, now):
                result.held += 1
                continue
            handled += 1
            new = _record(clock, kind, now)
            if kind == MetricEventKind.BREACH:
                SlaClock.objects.filter(pk=clock.pk).update(
                    state=ClockState.BREACHED, breached_at=clock.due_at, warn_at=None
                )
                if new:
                    result.breaches += 1
                    publish(SlaBreached(ticket_id=clock.ticket_id, metric=clock.metric, due_at=clock.due_at))
            else:
                SlaClock.objects.filter(pk=clock.pk).update(warned=True, warn_at=None)
                if new:
                    result.warnings += 1
                    publish(SlaWarning(ticket_id=clock.ticket_id, metric=clock.metric, due_at=clock.due_at))
        # Clocks held for business hours stay selected; stop when a batch changed nothing.
        return handled if len(clocks) == BATCH else 0


def sla_scan(now: datetime | None = None) -> ScanResult:
    """Emit the warnings and breaches that are due (breaches first: a clock past both only warns if it is still
    short of its target)."""
    now = now or clocks.current_time()
    result = ScanResult()
    calendars: dict[int | None, Clockwork] = {}
    for kind in (MetricEventKind.BREACH, MetricEventKind.WARNING):
        for _ in range(MAX_BATCHES):
            if not _scan_batch(kind, now, result, calendars):
                break
    return result
