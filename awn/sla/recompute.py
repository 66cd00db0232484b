"""Recomputing the due times of every open ticket after a policy, a calendar or a holiday changed.

`recompute_start` (inside the edit's transaction) writes an SlaRecompute row and enqueues the job once the edit
commits; the job walks the open tickets by id in batches, each batch in its own transaction, and stores its
progress (`done`, `last_ticket_id`) on the row: the page's progress bar reads it, and a job that died is resumed
by the minute's sweep from where it stopped. Idempotent: a ticket recomputed twice gets the same due times. A newer
run supersedes the running ones (they stop at their next batch).

Per batch: one query for the tickets (their requester's type and school's office joined), one for their clocks,
the policies and calendars once per batch, then the writes: one UPDATE … FROM (VALUES …) for the clocks and one
for the tickets on PostgreSQL (bulk_update elsewhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from awn.core.tasks import dispatch, enqueue
from awn.tickets.enums import ACTIVE_STATUSES
from awn.tickets.models import Ticket

from . import clocks
from .clocks import CLOCK_FIELDS, LOADED_FIELDS, Clockwork, TicketClocks, active_policies, clockwork_for_team
from .enums import RUNNING_STATES, ClockState, RecomputeState
from .models import SlaClock, SlaMetricEvent, SlaRecompute

RECOMPUTE_JOB = "awn.sla.tasks.recompute"
# A run for a calendar edit keeps every ticket's policy: only the running clocks' due times move (a fast path).
CALENDAR = "calendar"
BATCH = 2000


def open_tickets() -> QuerySet[Ticket]:
    return Ticket.objects.filter(status__in=sorted(ACTIVE_STATUSES))


def recompute_start(reason: str) -> SlaRecompute:
    """A new run over every open ticket (older running ones stop); its job starts once the caller commits. A run
    that replaces an unfinished policy run re-matches the policies too, whatever its own reason."""
    running = SlaRecompute.objects.filter(state=RecomputeState.RUNNING)
    if reason == CALENDAR and running.exclude(reason=CALENDAR).exists():
        reason = "policy"
    running.update(state=RecomputeState.DONE, finished_at=timezone.now())
    run = SlaRecompute.objects.create(reason=reason[:200], total=open_tickets().count())
    enqueue(RECOMPUTE_JOB, run.pk)
    return run


def _update_rows(table: str, columns: Sequence[tuple[str, str]], rows: list[tuple[Any, ...]]) -> None:
    """UPDATE table SET col = v.col … FROM (VALUES (id, …), …) AS v WHERE table.id = v.id (PostgreSQL)."""
    names = ", ".join(["id", *(name for name, _ in columns)])
    sets = ", ".join(f"{name} = v.{name}" for name, _ in columns)
    row_sql = "(" + ", ".join(["%s::bigint", *(f"%s::{kind}" for _, kind in columns)]) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            chunk = rows[start : start + 1000]
            values = ", ".join([row_sql] * len(chunk))
            sql = f"UPDATE {table} AS t SET {sets} FROM (VALUES {values}) AS v({names}) WHERE t.id = v.id"  # noqa: S608 - names are constants
            cursor.execute(sql, [value for row in chunk for value in row])


CLOCK_COLUMNS = (
    ("state", "varchar"),
    ("target_seconds", "integer"),
    ("business", "boolean"),
    ("started_at", "timestamptz"),
    ("resumed_at", "timestamptz"),
    ("used_seconds", "integer"),
    ("due_at", "timestamptz"),
    ("warn_at", "timestamptz"),
    ("warned", "boolean"),
    ("paused_at", "timestamptz"),
    ("fulfilled_at", "timestamptz"),
    ("breached_at", "timestamptz"),
)


def _write(batch: list[TicketClocks]) -> None:
    created = [c for tc in batch for c in tc.created]
    changed = [c for tc in batch for c in tc.changed_clocks()]
    events = [e for tc in batch for e in tc.events]
    if created:
        SlaClock.objects.bulk_create(created)
    if changed:
        if connection.vendor == "postgresql":
            _update_rows(
                SlaClock._meta.db_table,
                CLOCK_COLUMNS,
                [(c.pk, *(getattr(c, name) for name, _ in CLOCK_COLUMNS)) for c in changed],
            )
        else:
            SlaClock.objects.bulk_update(changed, CLOCK_FIELDS, batch_size=500)
    if events:
        SlaMetricEvent.objects.bulk_create(events, ignore_conflicts=True)
    dues: list[Ticket] = []
    snapshots: list[Ticket] = []
    for tc in batch:
        updates = tc.ticket_updates()
        if "next_due_at" in updates:
            tc.ticket.next_due_at = updates["next_due_at"]
            dues.append(tc.ticket)
        if "sla_snapshot" in updates:
            tc.ticket.sla_snapshot = updates["sla_snapshot"]
            tc.ticket.sla_policy_id = updates["sla_policy_id"]
            snapshots.append(tc.ticket)
    if dues:
        if connection.vendor == "postgresql":
            _update_rows(
                Ticket._meta.db_table,
                (("next_due_at", "timestamptz"),),
                [(t.pk, t.next_due_at) for t in dues],
            )
        else:
            Ticket.objects.bulk_update(dues, ["next_due_at"], batch_size=500)
    if snapshots:
        Ticket.objects.bulk_update(snapshots, ["sla_snapshot", "sla_policy_id"], batch_size=500)


def recompute_tickets(tickets: list[Ticket], now: datetime | None = None) -> int:
    """Match the policies again and reschedule the clocks of these tickets (loaded with LOADED_FIELDS)."""
    if not tickets:
        return 0
    now = now or clocks.current_time()
    policies = active_policies()
    by_ticket: dict[int, list[SlaClock]] = {}
    for clock in SlaClock.objects.filter(ticket_id__in=[t.pk for t in tickets]):
        by_ticket.setdefault(clock.ticket_id, []).append(clock)
    works: dict[int | None, Clockwork] = {}
    batch = []
    for ticket in tickets:
        if ticket.team_id not in works:
            works[ticket.team_id] = clockwork_for_team(ticket.team_id)
        ticket_clocks = TicketClocks(ticket, now, by_ticket.get(ticket.pk, []), works[ticket.team_id])
        ticket_clocks.apply_policy(policies)
        ticket_clocks.retarget()
        batch.append(ticket_clocks)
    _write(batch)
    return len(batch)


def recompute_due_times(ticket_ids: list[int], now: datetime | None = None) -> int:
    """The calendar-edit path: policies did not change, so only the running clocks' due and warning times move.
    Reads plain values (no model is built) and writes only what changed."""
    if not ticket_ids:
        return 0
    rows = list(
        SlaClock.objects.filter(ticket_id__in=ticket_ids, state__in=RUNNING_STATES)
        .order_by()
        .values_list(
            "pk",
            "ticket_id",
            "ticket__team_id",
            "ticket__next_due_at",
            "ticket__sla_snapshot__warning_percent",
            "state",
            "business",
            "resumed_at",
            "used_seconds",
            "target_seconds",
            "warned",
            "due_at",
            "warn_at",
        )
    )
    works: dict[int | None, Clockwork] = {}
    changed: list[tuple[int, datetime | None, datetime | None]] = []
    earliest: dict[int, datetime | None] = {}
    old_next: dict[int, datetime | None] = {}
    for (
        pk,
        ticket_id,
        team_id,
        next_due,
        percent,
        state,
        business,
        resumed,
        used,
        target,
        warned,
        due,
        warn,
    ) in rows:
        work = works.get(team_id)
        if work is None:
            work = works[team_id] = clockwork_for_team(team_id)
        old_next[ticket_id] = next_due
        new_due = new_warn = None
        if resumed is not None:
            new_due = work.add(business, resumed, max(0, target - used))
            share = int(percent) if percent is not None else 75
            if state == ClockState.ACTIVE and not warned and 0 < share < 100:
                new_warn = work.add(business, resumed, max(0, target * share // 100 - used))
        if (new_due, new_warn) != (due, warn):
            changed.append((pk, new_due, new_warn))
        if new_due is not None:
            current = earliest.get(ticket_id)
            earliest[ticket_id] = new_due if current is None or new_due < current else current
        else:
            earliest.setdefault(ticket_id, None)
    tickets = [(t, due) for t, due in earliest.items() if due != old_next.get(t)]
    if connection.vendor == "postgresql":
        if changed:
            _update_rows(
                SlaClock._meta.db_table, (("due_at", "timestamptz"), ("warn_at", "timestamptz")), changed
            )
        if tickets:
            _update_rows(Ticket._meta.db_table, (("next_due_at", "timestamptz"),), tickets)
    else:
        if changed:
            clocks_changed = [SlaClock(pk=pk, due_at=d, warn_at=w) for pk, d, w in changed]
            SlaClock.objects.bulk_update(clocks_changed, ["due_at", "warn_at"], batch_size=500)
        if tickets:
            Ticket.objects.bulk_update(
                [Ticket(pk=t, next_due_at=d) for t, d in tickets], ["next_due_at"], batch_size=500
            )
    return len(ticket_ids)


def recompute_run(run_id: int, *, batch_size: int = BATCH) -> SlaRecompute | None:
    """Run (or resume) a recomputation to its end; each batch commits with its progress."""
    while True:
        with transaction.atomic():
            run = SlaRecompute.objects.select_for_update(skip_locked=True).filter(pk=run_id).first()
            if run is None or run.state != RecomputeState.RUNNING:
                return run  # gone, finished, superseded, or another worker holds it
            if run.reason == CALENDAR:
                ids = list(
                    open_tickets()
                    .filter(pk__gt=run.last_ticket_id)
                    .order_by("pk")
                    .values_list("pk", flat=True)[:batch_size]
                )
                if ids:
                    run.done += recompute_due_times(ids)
                    run.last_ticket_id = ids[-1]
                    run.save(update_fields=["done", "last_ticket_id"])
                    continue
                tickets: list[Ticket] = []
            else:
                tickets = list(
                    open_tickets()
                    .filter(pk__gt=run.last_ticket_id)
                    .select_related("requester", "organization")
                    .only(*LOADED_FIELDS)
                    .order_by("pk")[:batch_size]
                )
            if not tickets:
                run.state = RecomputeState.DONE
                run.finished_at = timezone.now()
                run.total = max(run.total, run.done)
                run.save(update_fields=["state", "finished_at", "total"])
                return run
            run.done += recompute_tickets(tickets)
            run.last_ticket_id = tickets[-1].pk
            run.save(update_fields=["done", "last_ticket_id"])


def resume_stalled() -> int:
    """Enqueue every running recomputation again (the job skips a run another worker holds)."""
    ids = list(SlaRecompute.objects.filter(state=RecomputeState.RUNNING).values_list("pk", flat=True))
    for run_id in ids:
        dispatch(RECOMPUTE_JOB, run_id)
    return len(ids)


def latest_run() -> SlaRecompute | None:
    return SlaRecompute.objects.order_by("-created_at", "-id").first()
