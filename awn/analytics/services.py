"""Writes of the analytics app: append to the event log and fold it into the ticket facts (live), and rebuild
every fact from the log (`manage.py rebuild_facts`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.db.models import F

from awn.sla.business_time import Calendar
from awn.sla.selectors import calendar_for_team

from . import rollups
from .enums import FactEventKind
from .facts import REPEAT_WINDOW, Fact, apply, changed_fields, mark_repeats, repeat_trigger
from .models import DailyRollup, FactEvent, TicketFact
from .rollup_schema import STORED_KEY_COLUMNS, VALUE_COLUMNS

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
        # A creation published twice keeps the first fact (and counts once in the rollups), as the rebuild does.
        if _insert_fact(fact):
            write_rollup_deltas(rollups.deltas(None, fact))
        _mark_repeats(repeat_trigger(kind, fact, payload), ticket_id)
        return
    if _folded_in_one_update(kind, ticket_id, at, payload):
        return
    before = TicketFact.objects.filter(pk=ticket_id).values(*FACT_FIELDS).first()
    if before is None:
        return
    after = apply(dict(before), kind, ticket_id, at, payload, calendar_for_team)
    changes = changed_fields(before, after or {})
    if changes:
        TicketFact.objects.filter(pk=ticket_id).update(**changes)
        write_rollup_deltas(rollups.deltas(before, after))
    _mark_repeats(repeat_trigger(kind, after, payload), ticket_id)


def _folded_in_one_update(kind: str, ticket_id: int, at: datetime, payload: Mapping[str, Any]) -> bool:
    """The events whose fold (facts.apply) needs nothing read from the fact and moves no rollup counter, written
    as one UPDATE: a bot's reply, a reply after the first, a priority change. False: read, fold, write (a first
    reply, a status, an assignment, a rating, a category that may make repeats). No fact (a ticket older than the log) updates no
    row, as apply changes nothing."""
    facts = TicketFact.objects.filter(pk=ticket_id)
    if kind == FactEventKind.REPLY:
        if payload.get("actor_id") is None:
            facts.update(reply_count=F("reply_count") + 1, bot_reply_count=F("bot_reply_count") + 1)
            return True
        # After the first reply only the count moves; 0 rows: the first reply (or no fact), folded in full.
        return bool(facts.filter(first_reply_at__isnull=False).update(reply_count=F("reply_count") + 1))
    if kind == FactEventKind.UPDATED and "category" not in payload:
        if "priority" in payload:
            facts.update(priority=payload["priority"])
        return True
    return False


def _mark_repeats(trigger: tuple[Any, str, datetime] | None, ticket_id: int) -> None:
    """facts.repeat_of as one UPDATE over the contact's resolved tickets of that category (an index range)."""
    if trigger is None or trigger[0] is None:
        return
    requester_id, category, at = trigger
    found = list(
        TicketFact.objects.filter(
            requester_id=requester_id,
            category=category,
            resolved_at__gte=at - REPEAT_WINDOW,
            resolved_at__lt=at,
            repeat_contact=False,
        )
        .exclude(pk=ticket_id)
        .values(*FACT_FIELDS)
    )
    if not found:
        return
    TicketFact.objects.filter(pk__in=[f["ticket_id"] for f in found]).update(repeat_contact=True)
    moved: dict[rollups.Key, dict[str, int]] = {}
    for fact in found:
        rollups.add_into(moved, rollups.deltas(fact, {**fact, "repeat_contact": True}))
    write_rollup_deltas(moved)


def _insert_fact(fact: Fact) -> bool:
    """INSERT … ON CONFLICT DO NOTHING: whether the row is new (False: a replayed creation)."""
    fields = TicketFact._meta.concrete_fields
    values = [field.get_db_prep_save(fact[field.attname], connection) for field in fields]
    table = TicketFact._meta.db_table
    sql = (
        f"INSERT INTO {table} ({', '.join(FACT_FIELDS)}) VALUES ({', '.join(['%s'] * len(values))}) "  # noqa: S608
        "ON CONFLICT (ticket_id) DO NOTHING RETURNING ticket_id"  # names from the model, values bound
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchone() is not None


def write_rollup_deltas(changes: Mapping[rollups.Key, Mapping[str, int]]) -> None:
    """Add each change to its day's row and its month's row, in one statement (INSERT … ON CONFLICT DO UPDATE SET
    c = c + excluded.c); rows left with no ticket (every ticket moved away) are deleted, as the rebuild would
    not write them."""
    table = DailyRollup._meta.db_table
    keys = ", ".join(STORED_KEY_COLUMNS)
    for key, row in changes.items():
        columns = sorted(c for c, n in row.items() if n)
        if not columns:
            continue
        day, month = (
            connection.ops.adapt_datefield_value(key[0]),
            connection.ops.adapt_datefield_value(rollups.month_of(key[0])),
        )
        values = [row[c] for c in columns]
        params = [False, day, *key[1:], *values, True, month, *key[1:], *values]
        one = f"({', '.join(['%s'] * (len(STORED_KEY_COLUMNS) + len(columns)))})"
        sql = (
            f"INSERT INTO {table} ({keys}, {', '.join(columns)}) "  # noqa: S608
            f"VALUES {one}, {one} ON CONFLICT ({keys}) DO UPDATE SET "
            + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns)
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if row.get("tickets", 0) < 0:
                cursor.execute(
                    f"DELETE FROM {table} WHERE ((monthly = %s AND day = %s) OR (monthly = %s AND day = %s)) "  # noqa: S608
                    "AND team_id = %s AND team_kind = %s AND channel = %s AND category = %s AND tickets = 0",
                    [False, day, True, month, *key[1:]],
                )


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _log_in_order(batch_size: int) -> Iterator[tuple[int | None, str, datetime, dict[str, Any]]]:
    """The event log in id order. On PostgreSQL a server-side cursor reads instants as integer microseconds and
    payloads as text: Django's timestamptz loader is pure Python and cost more than the fold itself."""
    if connection.vendor != "postgresql":
        rows = FactEvent.objects.order_by("id").values_list("ticket_id", "kind", "at", "payload")
        yield from rows.iterator(chunk_size=batch_size)
        return
    connection.ensure_connection()
    table = FactEvent._meta.db_table
    micro = timedelta(microseconds=1)
    loads = json.loads
    with connection.connection.cursor(name="analytics_rebuild") as cursor:
        cursor.itersize = batch_size
        cursor.execute(
            "SELECT ticket_id, kind, (extract(epoch FROM at) * 1000000)::bigint, payload::text "  # noqa: S608
            f"FROM {table} ORDER BY id"  # the model's own table name, no input
        )
        for ticket_id, kind, microseconds, payload in cursor:
            yield ticket_id, kind, EPOCH + microseconds * micro, loads(payload)


def _copy_formatters() -> list[Callable[[Any], str]]:
    """One text formatter per fact column for COPY: choice slugs and numbers need no escaping."""

    def instant(value: Any) -> str:
        return "\\N" if value is None else value.isoformat()

    def flag(value: Any) -> str:
        return "t" if value else "f"

    def plain(value: Any) -> str:
        return "\\N" if value is None else str(value)

    formatters: list[Callable[[Any], str]] = []
    for field in TicketFact._meta.concrete_fields:
        if isinstance(field, models.DateTimeField):
            formatters.append(instant)
        elif isinstance(field, models.BooleanField):
            formatters.append(flag)
        else:
            formatters.append(plain)
    return formatters


def _replace_all_facts(facts: list[Fact], batch_size: int) -> None:
    """Every fact row replaced: TRUNCATE and COPY (text rows formatted here) on PostgreSQL — bulk_create costs ~2
    ms a row there through its UNNEST arrays — and DELETE and bulk_create elsewhere."""
    if connection.vendor == "postgresql":
        table = TicketFact._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}")
            with cursor.cursor.copy(f"COPY {table} ({', '.join(FACT_FIELDS)}) FROM STDIN") as copy:
                columns = list(zip(FACT_FIELDS, _copy_formatters(), strict=True))
                for start in range(0, len(facts), batch_size):
                    lines = [
                        "\t".join([text(fact[name]) for name, text in columns])
                        for fact in facts[start : start + batch_size]
                    ]
                    copy.write("\n".join(lines) + "\n")
        return
    TicketFact.objects.all().delete()
    for start in range(0, len(facts), batch_size):
        TicketFact.objects.bulk_create([TicketFact(**fact) for fact in facts[start : start + batch_size]])


def rollups_of(facts: Iterable[Fact]) -> dict[rollups.Key, dict[str, int]]:
    """Every rollup row as the sum of its facts' contributions (what the live deltas add up to)."""
    total: dict[rollups.Key, dict[str, int]] = {}
    key_of, contribution = rollups.key_of, rollups.contribution
    for fact in facts:
        added = contribution(fact)
        if not added:
            continue
        row = total.setdefault(key_of(fact), {})
        for column, n in added.items():
            row[column] = row.get(column, 0) + n
    return total


def _replace_all_rollups(days: Mapping[rollups.Key, Mapping[str, int]]) -> None:
    """Every rollup row (days and months) replaced: TRUNCATE and COPY on PostgreSQL, DELETE and bulk_create
    elsewhere."""
    rows = rollups.with_months(days)
    if connection.vendor == "postgresql":
        table = DailyRollup._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}")
            columns = ", ".join((*STORED_KEY_COLUMNS, *VALUE_COLUMNS))
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for key, row in rows.items():
                    copy.write_row((*key, *(row.get(c, 0) for c in VALUE_COLUMNS)))
        return
    DailyRollup.objects.all().delete()
    DailyRollup.objects.bulk_create(
        [DailyRollup(**dict(zip(STORED_KEY_COLUMNS, key, strict=True)), **row) for key, row in rows.items()],
        batch_size=100,
    )


@transaction.atomic
def rollups_refresh(*, batch_size: int = 5000) -> int:
    """Every rollup row recomputed from the facts as they stand (facts written in bulk, outside the fold); the
    number of rows written."""
    facts = TicketFact.objects.order_by().values(*FACT_FIELDS).iterator(chunk_size=batch_size)
    days = rollups_of(facts)
    _replace_all_rollups(days)
    return len(days)


@dataclass(frozen=True)
class RebuildResult:
    events: int
    facts: int
    seconds: float
    cpu_seconds: float = (
        0.0  # this process's CPU time: a steadier figure than the wall clock on a shared machine
    )


@transaction.atomic
def facts_rebuild(*, batch_size: int = 5000) -> RebuildResult:
    """Recompute every TicketFact from the event log, in log order, with the fold the live handlers use."""
    started, cpu_started = time.perf_counter(), time.process_time()
    facts: dict[int, Fact] = {}
    calendars: dict[int | None, Calendar | None] = {}

    def calendar_of(team_id: int | None) -> Calendar | None:
        if team_id not in calendars:
            calendars[team_id] = calendar_for_team(team_id)
        return calendars[team_id]

    created = FactEventKind.CREATED
    merged = FactEventKind.CONTACT_MERGED
    by_requester: dict[Any, list[Fact]] = {}
    count = 0
    for ticket_id, kind, at, payload in _log_in_order(batch_size):
        count += 1
        if kind == merged:
            # As live: the facts of the merged contact belong to the survivor from now on.
            moved = by_requester.pop(payload["source_id"], [])
            for moved_fact in moved:
                moved_fact["requester_id"] = payload["target_id"]
            by_requester.setdefault(payload["target_id"], []).extend(moved)
            continue
        if ticket_id is None:
            continue
        fact = facts.get(ticket_id)
        if fact is None and kind != created:
            continue
        result = apply(fact, kind, ticket_id, at, payload, calendar_of)
        if result is not None and fact is None:
            facts[ticket_id] = result
            by_requester.setdefault(result["requester_id"], []).append(result)
        trigger = repeat_trigger(kind, result, payload)
        if trigger is not None and trigger[0] is not None:
            mark_repeats(by_requester.get(trigger[0], ()), trigger, ticket_id)
    _replace_all_facts(list(facts.values()), batch_size)
    _replace_all_rollups(rollups_of(facts.values()))
    return RebuildResult(
        events=count,
        facts=len(facts),
        seconds=time.perf_counter() - started,
        cpu_seconds=time.process_time() - cpu_started,
    )
