"""Jobs (thin; each carries a row id and is idempotent) and the sweep that re-enqueues stranded rows."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from awn.core.tasks import backoff_seconds, dispatch, enqueue_in, job

from .drain import inbound_drain
from .enums import DeliveryStatus, EventStatus
from .inbound import inbound_event_failed, inbound_event_process
from .models import InboundEvent, Inbox, OutboundMessage
from .outbound import UnknownProviderMessage, outbound_send
from .registry import connector_for, connectors
from .services import DRAIN_JOB, PROCESS_JOB, events_store

logger = logging.getLogger(__name__)
SEND_JOB = "awn.connectors.tasks.send_outbound"


@job(queue="inbound")
def drain_inbound(event_ids: list[int]) -> int:
    """The webhook's job: its events and, in batches, whatever else is freshly pending (awn/connectors/drain.py).
    Returns the events this run claimed."""
    return inbound_drain(event_ids, process_one=_process_one, retry=_retry)


@job(queue="inbound")
def process_inbound_event(event_id: int) -> None:
    """One event alone: a retry after a failed attempt, and the sweep's."""
    _process_one(event_id)


def _process_one(event_id: int) -> None:
    try:
        inbound_event_process(event_id)
    except UnknownProviderMessage as exc:
        # Expected now and then (the status outran our record of the send): no traceback, just a retry.
        attempts = inbound_event_failed(event_id, repr(exc))
        logger.info("event %s: status for a send not recorded yet, retry %s", event_id, attempts)
        if attempts:
            enqueue_in(PROCESS_JOB, event_id, seconds=backoff_seconds(attempts))
    except Exception as exc:
        attempts = inbound_event_failed(event_id, repr(exc))
        _retry_later(event_id, attempts)
        logger.exception("raw event %s failed (attempt %s)", event_id, attempts)


def _retry(event_id: int, error: str) -> None:
    """A batch's failed event (its attempt already counted): alone, after the backoff."""
    row = InboundEvent.objects.filter(pk=event_id, status=EventStatus.PENDING).values("attempts").first()
    _retry_later(event_id, row["attempts"] if row else 0)


def _retry_later(event_id: int, attempts: int) -> None:
    if attempts:
        # e.g. two first messages of one new sender raced on the identity row: try again shortly.
        enqueue_in(PROCESS_JOB, event_id, seconds=backoff_seconds(attempts))


@job(queue="outbound")
def send_outbound(outbound_id: int) -> None:
    outbound_send(outbound_id)


@job()
def poll_inboxes() -> int:
    """Fetch new items for channels without webhooks (email); store them like webhook items."""
    stored = 0
    for inbox in Inbox.objects.filter(
        is_active=True, kind__in=[c.kind for c in connectors().values() if c.polls]
    ):
        try:
            items = connector_for(inbox.kind).poll(inbox)
        except Exception:
            logger.exception("inbox %s: poll failed", inbox.pk)
            continue
        stored += events_store(inbox, items)[0]
    return stored


@job()
def sweep(*, stale_seconds: int | None = None, limit: int = 500) -> tuple[int, int]:
    """Enqueue again the raw events still pending `stale_seconds` after they arrived (a crash, a lost broker
    message) and the outgoing messages that are due (a retry's time came); how many of each."""
    stale = settings.AWN_WORKER_STALE_SECONDS if stale_seconds is None else stale_seconds
    now = timezone.now()
    stranded = list(
        InboundEvent.objects.filter(
            status=EventStatus.PENDING, received_at__lte=now - timedelta(seconds=stale)
        )
        .order_by("received_at", "pk")
        .values_list("pk", "attempts")[:limit]
    )
    fresh = [event_id for event_id, attempts in stranded if not attempts]
    if fresh:  # never tried (a crash, a lost job): drained in batches
        dispatch(DRAIN_JOB, fresh)
    for event_id, attempts in stranded:
        if attempts:  # failed before: alone, as its retries go
            dispatch(PROCESS_JOB, event_id)
    outbound_ids = list(
        OutboundMessage.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    for outbound_id in outbound_ids:
        dispatch(SEND_JOB, outbound_id)
    return len(stranded), len(outbound_ids)
