"""Reads of the access audit: the supervisors' search and its CSV export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from .models import AccessRecord


@dataclass(frozen=True)
class AuditFilter:
    subject_id: int | None = None
    username: str = ""
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive

    def describe(self) -> str:
        """The filter in words, kept as the reason of the audited export."""
        parts = [
            f"{name}={value}"
            for name, value in (
                ("person", self.subject_id),
                ("user", self.username),
                ("action", self.action),
                ("from", self.date_from),
                ("to", self.date_to),
            )
            if value not in (None, "")
        ]
        return "filter: " + (", ".join(parts) if parts else "none")


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_search(f: AuditFilter) -> QuerySet[AccessRecord]:
    """Newest first; each filter uses an index (person, user or action with the time, or the time alone). Days
    are the deployment's days (TIME_ZONE, Asia/Riyadh)."""
    qs = AccessRecord.objects.select_related("actor")
    if f.subject_id is not None:
        qs = qs.filter(subject_id=f.subject_id)
    if f.username:
        qs = qs.filter(actor__username=f.username)
    if f.action:
        qs = qs.filter(action=f.action)
    if f.date_from is not None:
        qs = qs.filter(at__gte=_local_midnight(f.date_from))
    if f.date_to is not None:
        qs = qs.filter(at__lt=_local_midnight(f.date_to + dt.timedelta(days=1)))
    return qs.order_by("-at", "-id")


CSV_HEADER = [
    "id",
    "at",
    "user",
    "role",
    "action",
    "object",
    "object_id",
    "person_id",
    "address",
    "request_id",
    "reason",
]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet must not run a cell as a formula (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def audit_csv_rows(f: AuditFilter, *, limit: int) -> Iterator[list[str]]:
    yield CSV_HEADER
    qs = audit_search(f)[:limit]
    for r in qs.iterator(chunk_size=2000):
        yield [
            _cell(v)
            for v in (
                r.pk,
                timezone.localtime(r.at).isoformat(timespec="seconds"),
                r.actor.username if r.actor is not None else "",
                r.actor_role,
                r.action,
                r.object_kind,
                r.object_id,
                r.subject_id,
                r.address,
                r.request_id,
                r.reason,
            )
        ]
