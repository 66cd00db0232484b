"""Exactly-once sending from outbox rows: claim a batch with a lease, send, mark each row done in the send's own
transaction. Shared by surge mode's broadcasts and proactive outreach; `claim_attempt` and `attempt_failed` are the
same lease for outboxes that send one row per job and retry it with backoff (notifications, scheduled reports).

A row is pending → sending (claimed, `lease_until` set) → a done state. A sender that dies leaves its rows
"sending"; once their lease runs out any sender may claim them again, and the row's done state (written with the
message it sent) says whether it was sent. On PostgreSQL rows another sender holds are skipped (SKIP LOCKED);
SQLite has one writer at a time, so the same select-then-update in one transaction is as safe.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

PENDING = "pending"
SENDING = "sending"


def claim(rows: QuerySet[Any], *, limit: int, lease_seconds: int) -> list[int]:
    """Up to `limit` of `rows` (a model with `state` and `lease_until`) to send now: pending ones, or ones whose
    sender died (sending past their lease). Returns their ids, now "sending" under a fresh lease."""
    now = timezone.now()
    with transaction.atomic():
        due = rows.filter(Q(state=PENDING) | Q(state=SENDING, lease_until__lt=now))
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.order_by("id").values_list("pk", flat=True)[:limit])
        if ids:
            rows.model.objects.filter(pk__in=ids).update(
                state=SENDING, lease_until=now + timedelta(seconds=lease_seconds)
            )
    return ids


def unfinished(rows: QuerySet[Any]) -> QuerySet[Any]:
    """The rows a sweep should send on: pending, or sending past their lease."""
    now = timezone.now()
    return rows.filter(Q(state=PENDING) | Q(state=SENDING, lease_until__lt=now))


def claim_attempt(
    rows: QuerySet[Any], pk: int, *, pending: str, now: datetime, lease_seconds: int
) -> Any | None:
    """One due row of a retried outbox (`status`, `attempts`, `next_attempt_at`) taken for one attempt, or None when
    it is not due: its attempt counted and its next attempt pushed past a lease, so another worker or a redelivered
    job finds it not due while this one sends. Shared by the notifications and the scheduled reports."""
    with transaction.atomic():
        row = rows.select_for_update().filter(pk=pk, status=pending, next_attempt_at__lte=now).first()
        if row is None:
            return None
        rows.model.objects.filter(pk=row.pk).update(
            attempts=F("attempts") + 1, next_attempt_at=now + timedelta(seconds=lease_seconds)
        )
    row.attempts += 1
    return row


def attempt_failed(
    row: Any, error: Exception, *, last: bool, pending: str, failed: str, retry_at: datetime
) -> None:
    """Record a failed attempt of a row taken by claim_attempt: pending again until `retry_at`, or failed for good
    after its `last` attempt; the error is kept for the people who look at it."""
    type(row).objects.filter(pk=row.pk).update(
        last_error=str(error)[:300], status=failed if last else pending, next_attempt_at=retry_at
    )
