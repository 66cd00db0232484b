"""Exactly-once sending from outbox rows: claim a batch with a lease, send, mark each row done in the send's own
transaction. Shared by surge mode's broadcasts and proactive outreach.

A row is pending → sending (claimed, `lease_until` set) → a done state. A sender that dies leaves its rows
"sending"; once their lease runs out any sender may claim them again, and the row's done state (written with the
message it sent) says whether it was sent. On PostgreSQL rows another sender holds are skipped (SKIP LOCKED);
SQLite has one writer at a time, so the same select-then-update in one transaction is as safe.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
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
