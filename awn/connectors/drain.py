"""The inbound drain: raw events turned into contacts, tickets and messages in batches, one transaction a batch.

A worker takes up to BATCH_SIZE pending events at once (SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, so two
workers never take the same event and neither waits for the other), processes each inside a savepoint of the
batch's transaction and marks them all done in one statement before the one commit:
- a crash (the worker process killed) anywhere before that commit rolls the whole batch back: every event is pending
  again, untouched, and the next run processes each exactly once;
- one event that raises (a bad payload, a lost race on a new sender's identity row) rolls back its own savepoint
  only: it counts a failed attempt and is retried alone by `process_inbound_event` with backoff, while the others
  commit;
- events that need the network (media downloads), status updates (retried until their send is recorded) and
  channels that apply events (the PBX) leave the batch and go through the one-event path after the commit.
The reactions are the one-event path's: each service publishes as before, `sync` reactions inside the event's
savepoint, `on_commit` ones after the batch's commit.

Only fresh events (no failed attempt yet) are drained; a failed one waits for its own backoff. A job names the
events its webhook stored; the batch is topped up with the oldest other fresh pending events, and a full batch is
followed by another (up to DRAIN_SECONDS), so one job drains a backlog and the later jobs of those events return
at once (this process remembers what it committed; others find them done with one query).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from awn.core.tasks import tasks_mode
from awn.tickets.attachments import IncomingFile

from . import inbound
from .base import Connector, InboundMessage, StatusUpdate
from .enums import EventStatus
from .models import InboundEvent
from .registry import connector_for

logger = logging.getLogger(__name__)
BATCH_SIZE = 100
DRAIN_SECONDS = 2.0
REMEMBERED = 20_000  # ids this process committed lately (a later job for one of them needs no query)
_committed: OrderedDict[int, None] = OrderedDict()

PARSE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)


@dataclass
class BatchResult:
    claimed: int = 0
    done: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (event id, error): to be retried alone
    deferred: list[int] = field(default_factory=list)  # to the one-event path, after the commit


@dataclass(frozen=True)
class _Ready:
    """An event parsed and checked, ready for the transaction: what `_thread` needs."""

    event: InboundEvent
    connector: Connector
    parsed: InboundMessage
    body: str
    files: list[IncomingFile]


def _remember(event_ids: Sequence[int]) -> None:
    """Only in a Celery worker: its database's ids are never used twice (a test's rolled-back ids are)."""
    if tasks_mode() != "celery":
        return
    for pk in event_ids:
        _committed[pk] = None
    while len(_committed) > REMEMBERED:
        _committed.popitem(last=False)


def not_yet_processed_here(event_ids: Sequence[int]) -> list[int]:
    return [pk for pk in event_ids if pk not in _committed]


def _any_fresh(event_ids: Sequence[int]) -> bool:
    if not event_ids:
        return False
    return InboundEvent.objects.filter(
        pk__in=list(event_ids), status=EventStatus.PENDING, attempts=0
    ).exists()


def _claim(event_ids: Sequence[int], limit: int) -> list[InboundEvent]:
    """Lock up to `limit` fresh pending events: `event_ids` first, then the oldest others. Rows another
    transaction holds are skipped (PostgreSQL); SQLite has one writer at a time and needs no lock."""
    fresh = InboundEvent.objects.select_for_update(skip_locked=True, of=("self",)).select_related("inbox")
    fresh = fresh.filter(status=EventStatus.PENDING, attempts=0)
    mine = list(fresh.filter(pk__in=list(event_ids)).order_by("pk")[:limit]) if event_ids else []
    room = limit - len(mine)
    if room <= 0:
        return mine
    others = fresh.exclude(pk__in=[e.pk for e in mine]).order_by("received_at", "pk")[:room]
    return mine + list(others)


def _prepare(event: InboundEvent) -> _Ready | tuple[str, str] | None:
    """Parse one event: ready for the batch, a final status (status, error), or None for the one-event path."""
    connector = connector_for(event.inbox.kind)
    if connector.applies_events:
        return None
    try:
        parsed = connector.parse_inbound(event.inbox, event.payload)
    except PARSE_ERRORS as exc:
        logger.warning("inbox %s event %s: malformed payload: %r", event.inbox_id, event.external_id, exc)
        return EventStatus.FAILED, f"malformed: {exc!r}"
    if parsed is None:
        return EventStatus.IGNORED, ""
    if isinstance(parsed, StatusUpdate) or parsed.media:
        return (
            None  # a status may wait for its send to be recorded; media are downloaded outside a transaction
        )
    files, notes = inbound._download(connector, event.inbox, parsed)  # carried files only: no network
    body = inbound._body(parsed, files, notes)
    if not body:
        return EventStatus.IGNORED, ""
    return _Ready(event, connector, parsed, body, files)


def inbound_batch_process(event_ids: Sequence[int], *, limit: int = BATCH_SIZE) -> BatchResult:
    """Claim and process one batch (see the module's docstring); the caller retries `failed` and runs
    `deferred` through the one-event path."""
    result = BatchResult()
    with transaction.atomic():
        inbound._commit_without_waiting_for_disk()
        events = _claim(event_ids, limit)
        result.claimed = len(events)
        finished: list[tuple[InboundEvent, str, str]] = []
        ready: list[_Ready] = []
        for event in events:
            prepared = _prepare(event)
            if prepared is None:
                result.deferred.append(event.pk)
            elif isinstance(prepared, _Ready):
                ready.append(prepared)
            else:
                finished.append((event, prepared[0], prepared[1]))
        # One sender's events in their order; senders in one order for every worker, so two batches lock
        # identity rows in the same order and never deadlock.
        ready.sort(key=lambda r: (r.connector.kind, r.parsed.identity, r.event.pk))
        for item in ready:
            error = _process_in_savepoint(item)
            if error is None:
                finished.append((item.event, EventStatus.DONE, ""))
            else:
                result.failed.append((item.event.pk, error))
        inbound.fault_point("batch_stored")
        _finish_many(finished)
        for event_id, error in result.failed:
            inbound.inbound_event_failed(event_id, error)
        result.done = sum(1 for _e, status, _err in finished if status == EventStatus.DONE)
        committed = [event.pk for event, _s, _e in finished]
        transaction.on_commit(lambda: _remember(committed))
    return result


def _process_in_savepoint(item: _Ready) -> str | None:
    """One event's contact and thread in a savepoint; the error (repr) if it raised, its savepoint undone."""
    try:
        with transaction.atomic():
            contact = inbound.resolve_contact(item.connector.kind, item.parsed)
            inbound.fault_point("contact_resolved")
            item.event.message = inbound._thread(
                item.connector, item.event.inbox, item.parsed, contact, item.body, item.files
            )
            inbound.fault_point("message_stored")
    except Exception as exc:
        logger.exception("raw event %s failed in a batch", item.event.pk)
        return repr(exc)
    return None


def _finish_many(finished: list[tuple[InboundEvent, str, str]]) -> None:
    """Every processed event of the batch marked in one UPDATE."""
    now = timezone.now()
    for event, status, error in finished:
        event.status, event.last_error, event.processed_at = status, error[:300], now
        if status != EventStatus.DONE:
            event.message = None
    InboundEvent.objects.bulk_update(
        [event for event, _s, _e in finished], ["status", "last_error", "processed_at", "message"]
    )


def inbound_drain(
    event_ids: Sequence[int],
    *,
    process_one: Callable[[int], None],
    retry: Callable[[int, str], None],
    batch_size: int = BATCH_SIZE,
    seconds: float = DRAIN_SECONDS,
) -> int:
    """Drain `event_ids` and, while batches come back full, the other fresh pending events (for up to
    `seconds`). `process_one` runs a deferred event, `retry` schedules a failed one. Returns events claimed."""
    wanted = not_yet_processed_here(event_ids)
    if event_ids and not _any_fresh(wanted):
        return 0  # a batch of another job took them: one query, no transaction
    started = time.monotonic()
    claimed = 0
    while True:
        result = inbound_batch_process(wanted, limit=batch_size)
        claimed += result.claimed
        for event_id, error in result.failed:
            retry(event_id, error)
        for event_id in result.deferred:
            process_one(event_id)
        wanted = []
        if result.claimed < batch_size or time.monotonic() - started >= seconds:
            return claimed
