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
from awn.tickets.enums import ACTIVE_STATUSES

from . import inbound
from .base import Connector, InboundMessage, StatusUpdate
from .enums import EventStatus
from .models import ChannelIdentity, Conversation, InboundEvent
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
        for item, error in zip(ready, _process_all(ready), strict=True):
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


class _OneFailed(Exception):
    """Leaves the batch's common savepoint: one event raised, the batch is done again event by event."""


def _process_all(ready: list[_Ready]) -> list[str | None]:
    """Each event's contact and thread; per event, None or the error (repr) that undid it.

    First all together in one savepoint (no savepoint an event: two statements an event saved); if one raises,
    that savepoint is undone and each event runs again in a savepoint of its own, so it fails alone."""
    if not ready:
        return []
    try:
        with transaction.atomic():
            identities, threads = _senders_and_threads(ready)
            for item in ready:
                try:
                    _process(item, identities, threads)
                except Exception as exc:
                    raise _OneFailed from exc
        return [None] * len(ready)
    except _OneFailed as exc:
        logger.info("a batch event raised (%r): the batch again, event by event", exc.__cause__)
    identities, threads = _senders_and_threads(ready)
    return [_process_in_savepoint(item, identities, threads) for item in ready]


def _senders_and_threads(ready: list[_Ready]) -> tuple[inbound.Identities, inbound.Threads]:
    """The batch's channel identities, locked in one statement (in (kind, id) order, like every batch), and its
    senders' open threads, read in one statement: what each event looked up alone before."""
    identities: inbound.Identities = {(r.connector.kind, r.parsed.identity): None for r in ready}
    by_kind: dict[str, set[str]] = {}
    for kind, external_id in identities:
        by_kind.setdefault(kind, set()).add(external_id)
    for kind, external_ids in by_kind.items():
        rows = (
            ChannelIdentity.objects.select_for_update(of=("self",))
            .select_related("contact")
            .filter(kind=kind, external_id__in=sorted(external_ids))
            .order_by("external_id")
        )
        for identity in rows:
            identities[(kind, identity.external_id)] = identity
    threads: inbound.Threads = {
        (r.event.inbox_id, r.parsed.address): None for r in ready if r.connector.threads_by_address
    }
    if threads:
        open_threads = (
            Conversation.objects.select_related("ticket")
            .filter(
                inbox_id__in={inbox_id for inbox_id, _a in threads},
                address__in={address for _i, address in threads},
                ticket__status__in=ACTIVE_STATUSES,
            )
            .order_by("ticket__last_message_at", "pk")  # the latest last: it stays in the map
        )
        for conversation in open_threads:
            key = (conversation.inbox_id, conversation.address)
            if key in threads:
                threads[key] = conversation
    return identities, threads


def _process(item: _Ready, identities: inbound.Identities, threads: inbound.Threads) -> None:
    contact = inbound.resolve_contact(item.connector.kind, item.parsed, identities)
    inbound.fault_point("contact_resolved")
    item.event.message = inbound._thread(
        item.connector, item.event.inbox, item.parsed, contact, item.body, item.files, threads
    )
    inbound.fault_point("message_stored")


def _process_in_savepoint(
    item: _Ready, identities: inbound.Identities, threads: inbound.Threads
) -> str | None:
    """One event in a savepoint; the error (repr) if it raised, its savepoint undone."""
    try:
        with transaction.atomic():
            _process(item, identities, threads)
    except Exception as exc:
        logger.exception("raw event %s failed in a batch", item.event.pk)
        # What it wrote is undone: its sender and thread are looked up again by the next event.
        identities.pop((item.connector.kind, item.parsed.identity), None)
        threads.pop((item.event.inbox_id, item.parsed.address), None)
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
