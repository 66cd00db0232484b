"""Writes of the analytics app: append to the event log and fold it into the ticket facts (live), and rebuild
every fact from the log (`manage.py rebuild_facts`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection, models, transaction
from django.db.models import F

from awn.core import tasks
from awn.sla.business_time import Calendar
from awn.sla.selectors import calendar_for_team

from . import rollups
from .enums import FactEventKind
from .facts import REPEAT_WINDOW, Fact, apply, changed_fields, mark_repeats, repeat_trigger
from .models import DailyRollup, FactEvent, RollupDelta, TicketFact
from .rollup_schema import STORED_KEY_COLUMNS, VALUE_COLUMNS

FACT_FIELDS = tuple(f.attname for f in TicketFact._meta.concrete_fields)


def record_event(
    *, kind: str, ticket_id: int | None, at: datetime, payload: Mapping[str, Any] | None = None
) -> None:
    """Append one event to the log and bring the ticket's fact up to date (inside the caller's transaction)."""
    payload = dict(payload or {})
    if kind == FactEventKind.CREATED and ticket_id is not None:
        _record_creation(ticket_id, at, payload)
        return
    FactEvent.objects.create(kind=kind, ticket_id=ticket_id, at=at, payload=payload)
    if kind == FactEventKind.CONTACT_MERGED:
        TicketFact.objects.filter(requester_id=payload["source_id"]).update(requester_id=payload["target_id"])
        return
    if ticket_id is None:
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


def _record_creation(ticket_id: int, at: datetime, payload: dict[str, Any]) -> None:
    """A creation: its log row, the new fact and its rollup delta, and the earlier tickets it makes repeat contacts.
    A creation published twice keeps the first fact (and counts once in the rollups), as the rebuild does. On
    PostgreSQL all of it is one statement (data-modifying CTEs: one round trip, no ORM query built on the
    creation path); elsewhere four."""
    kind = FactEventKind.CREATED
    fact = apply(None, kind, ticket_id, at, payload, calendar_for_team)
    assert fact is not None
    changes = rollups.deltas(None, fact)
    trigger = repeat_trigger(kind, fact, payload)
    if connection.vendor == "postgresql" and len(changes) == 1:
        ((key, row),) = changes.items()
        found = _insert_creation(ticket_id, at, payload, fact, key, row, trigger)
        _repeats_counted(found)
        return
    FactEvent.objects.create(kind=kind, ticket_id=ticket_id, at=at, payload=payload)
    if _insert_fact(fact):
        write_rollup_deltas(changes)
    _mark_repeats(trigger, ticket_id)


def _insert_creation(
    ticket_id: int,
    at: datetime,
    payload: dict[str, Any],
    fact: Fact,
    key: rollups.Key,
    row: Mapping[str, int],
    trigger: tuple[Any, str, datetime] | None,
) -> list[Fact]:
    """WITH logged AS (INSERT log row), added AS (INSERT fact ON CONFLICT DO NOTHING RETURNING), counted AS
    (INSERT delta SELECT … FROM added: the delta only when the fact is new) and, when the creation may make
    repeats, the UPDATE of `_mark_repeats` as the main statement (RETURNING the facts it marked, as they were
    before: the filter says repeat_contact was false)."""
    event = {"ticket_id": ticket_id, "kind": FactEventKind.CREATED, "at": at, "payload": payload}
    event_fields = [f for f in FactEvent._meta.concrete_fields if f.attname in event]
    event_values = [field.get_db_prep_save(event[field.attname], connection) for field in event_fields]
    fact_values = [
        field.get_db_prep_save(fact[field.attname], connection) for field in TicketFact._meta.concrete_fields
    ]
    columns = sorted(c for c, n in row.items() if n)
    delta_values = [connection.ops.adapt_datefield_value(key[0]), *key[1:], *(row[c] for c in columns)]
    sql = (
        f"WITH logged AS (INSERT INTO {FactEvent._meta.db_table} "  # noqa: S608
        f"({', '.join(f.attname for f in event_fields)}) VALUES (%s, %s, %s, %s)), "
        f"added AS (INSERT INTO {TicketFact._meta.db_table} ({', '.join(FACT_FIELDS)}) "
        f"VALUES ({', '.join(['%s'] * len(fact_values))}) ON CONFLICT (ticket_id) DO NOTHING RETURNING 1), "
        f"counted AS (INSERT INTO {RollupDelta._meta.db_table} ({', '.join((*DELTA_KEY_COLUMNS, *columns))}) "
        f"SELECT {', '.join(['%s'] * len(delta_values))} FROM added RETURNING 1) "
    )  # names from the models, values bound
    params = [*event_values, *fact_values, *delta_values]
    if trigger is None or trigger[0] is None:
        sql += "SELECT count(*) FROM counted"
    else:
        requester_id, category, created = trigger
        field = TicketFact._meta.get_field("resolved_at")
        assert isinstance(field, models.DateTimeField)
        sql += (
            f"UPDATE {TicketFact._meta.db_table} SET repeat_contact = true "  # noqa: S608
            "WHERE requester_id = %s AND category = %s AND resolved_at >= %s AND resolved_at < %s "
            f"AND NOT repeat_contact AND ticket_id <> %s RETURNING {', '.join(FACT_FIELDS)}"
        )
        window = [field.get_db_prep_save(t, connection) for t in (created - REPEAT_WINDOW, created)]
        params += [requester_id, category, *window, ticket_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        records = cursor.fetchall()
    transaction.on_commit(_fold_soon)
    if trigger is None or trigger[0] is None:
        return []
    return [{**dict(zip(FACT_FIELDS, record, strict=True)), "repeat_contact": False} for record in records]


def _repeats_counted(found: list[Fact]) -> None:
    """The rollup deltas of facts that just became repeat contacts (their first-contact resolution leaves)."""
    if not found:
        return
    moved: dict[rollups.Key, dict[str, int]] = {}
    for fact in found:
        rollups.add_into(moved, rollups.deltas(fact, {**fact, "repeat_contact": True}))
    write_rollup_deltas(moved)


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
    _repeats_counted(found)


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


DELTA_KEY_COLUMNS = ("day", "team_id", "team_kind", "channel", "category")
# Bound parameters per statement: SQLite's limit is 32,766, PostgreSQL's 65,535.
MAX_PARAMS = 30000


def write_rollup_deltas(changes: Mapping[rollups.Key, Mapping[str, int]]) -> None:
    """Append each change as a RollupDelta row, all in one INSERT naming only the columns that move (the rest are
    database defaults): never an UPDATE of a shared rollup row, no conflict target, so two intake transactions of
    the same day, team, channel and category never wait for each other. Written in the caller's transaction (a
    rollback leaves nothing); once it commits, a folding job is asked for (`_fold_soon`)."""
    rows = [(key, row) for key, row in changes.items() if any(row.values())]
    if not rows:
        return
    columns = sorted({c for _key, row in rows for c, n in row.items() if n})
    params: list[Any] = []
    for key, row in rows:
        params += [connection.ops.adapt_datefield_value(key[0]), *key[1:], *(row.get(c, 0) for c in columns)]
    one = f"({', '.join(['%s'] * (len(DELTA_KEY_COLUMNS) + len(columns)))})"
    sql = (
        f"INSERT INTO {RollupDelta._meta.db_table} ({', '.join((*DELTA_KEY_COLUMNS, *columns))}) "  # noqa: S608
        f"VALUES {', '.join([one] * len(rows))}"  # names from the model and rollup_schema, values bound
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    transaction.on_commit(_fold_soon)


# The deltas of a burst of intake are folded together: at most one fold is asked for per this many seconds per
# process (a timer in the embedded mode, a countdown on Celery); the periodic fold (config/schedule.py) takes what
# is left. Readers add pending deltas, so how long they wait changes no figure.
FOLD_DELAY_SECONDS = 2.0
FOLD_JOB = "awn.analytics.tasks.fold_rollups"
_fold_asked_until = 0.0


def _fold_soon() -> None:
    global _fold_asked_until
    now = time.monotonic()
    if now < _fold_asked_until:
        return
    _fold_asked_until = now + FOLD_DELAY_SECONDS
    tasks.enqueue_in(FOLD_JOB, seconds=FOLD_DELAY_SECONDS)


def _claim_deltas(limit: int) -> list[tuple[rollups.Key, dict[str, int]]]:
    """Up to `limit` pending deltas, deleted and handed back in one statement (DELETE … RETURNING). On
    PostgreSQL the rows another folder holds are skipped (FOR UPDATE SKIP LOCKED) and a row it deleted is gone:
    two folders never take the same delta. SQLite has one writer at a time."""
    table = RollupDelta._meta.db_table
    lock = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    sql = (
        f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} ORDER BY id LIMIT %s{lock}) "  # noqa: S608
        f"RETURNING {', '.join((*DELTA_KEY_COLUMNS, *VALUE_COLUMNS))}"  # names from the model and the schema
    )
    claimed: list[tuple[rollups.Key, dict[str, int]]] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit])
        for record in cursor.fetchall():
            day = record[0] if isinstance(record[0], date) else date.fromisoformat(record[0])
            key: rollups.Key = (day, *record[1:5])
            claimed.append((key, {c: int(n) for c, n in zip(VALUE_COLUMNS, record[5:], strict=True) if n}))
    return claimed


def _add_to_rollups(days: Mapping[rollups.Key, Mapping[str, int]]) -> None:
    """Add these day changes to their day's and month's rows (INSERT … ON CONFLICT DO UPDATE SET c = c +
    excluded.c, rows in key order so that two folders lock them in the same order); rows left with no ticket
    (every ticket moved away) are deleted, as the rebuild would not write them."""
    stored = sorted(rollups.with_months(days).items())
    if not stored:
        return
    table = DailyRollup._meta.db_table
    keys = ", ".join(STORED_KEY_COLUMNS)
    columns = sorted({c for _key, row in stored for c in row})
    width = len(STORED_KEY_COLUMNS) + len(columns)
    one = f"({', '.join(['%s'] * width)})"
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        for start in range(0, len(stored), MAX_PARAMS // width):
            chunk = stored[start : start + MAX_PARAMS // width]
            params: list[Any] = []
            for (monthly, day, *rest), row in chunk:
                params += [monthly, adapt(day), *rest, *(row.get(c, 0) for c in columns)]
            cursor.execute(
                f"INSERT INTO {table} ({keys}, {', '.join(columns)}) "  # noqa: S608
                f"VALUES {', '.join([one] * len(chunk))} ON CONFLICT ({keys}) DO UPDATE SET "
                + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in columns),
                params,
            )
        # Every touched day and month, not only those a ticket left: two folders may add a row's +1 and -1 in
        # either order. The trend index (monthly, day) holds `tickets`: an index range each, no heap scan.
        touched = sorted({(key[0], key[1]) for key, _row in stored})
        cursor.execute(
            f"DELETE FROM {table} WHERE tickets = 0 AND ("  # noqa: S608
            + " OR ".join(["(monthly = %s AND day = %s)"] * len(touched))
            + ")",
            [value for monthly, day in touched for value in (monthly, adapt(day))],
        )


FOLD_BATCH = 5000


def rollup_deltas_fold(*, limit: int = FOLD_BATCH) -> int:
    """Move up to `limit` pending deltas into the rollup rows, in one transaction (claimed, summed per key, added,
    deleted: a folder that dies gives them all back); the number folded."""
    with transaction.atomic():
        claimed = _claim_deltas(limit)
        total: dict[rollups.Key, dict[str, int]] = {}
        for key, row in claimed:
            rollups.add_into(total, {key: row})
        _add_to_rollups(total)
    return len(claimed)


def rollup_deltas_fold_all(*, limit: int = FOLD_BATCH, rounds: int = 100) -> int:
    """Fold batch after batch until none is full (at most `rounds`: the next job takes the rest)."""
    folded = 0
    for _round in range(rounds):
        n = rollup_deltas_fold(limit=limit)
        folded += n
        if n < limit:
            break
    return folded


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
    """Every rollup row (days and months) replaced, and the pending deltas dropped (the facts they came from are
    in `days`): TRUNCATE and COPY on PostgreSQL, DELETE and bulk_create elsewhere."""
    rows = rollups.with_months(days)
    if connection.vendor == "postgresql":
        table = DailyRollup._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}, {RollupDelta._meta.db_table}")
            columns = ", ".join((*STORED_KEY_COLUMNS, *VALUE_COLUMNS))
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for key, row in rows.items():
                    copy.write_row((*key, *(row.get(c, 0) for c in VALUE_COLUMNS)))
        return
    DailyRollup.objects.all().delete()
    RollupDelta.objects.all().delete()
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
