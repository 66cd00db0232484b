"""Reads for the operations page: the readiness checks, Awn's gauges (the same as /metrics) and the backups."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .backup import backup_dir, backup_list
from .health import Readiness, readiness
from .metrics import SOURCES, dependencies

logger = logging.getLogger(__name__)

# The machine details of /ready that read as words on the page; the others (an exception class) stay as they are.
DETAIL_LABELS = {
    "not configured": _("not configured"),
    "database unavailable": _("skipped: the database is unavailable"),
    "timeout": _("no answer in time"),
    "listeners down": _("a listener cannot connect"),
}

CHECK_LABELS = {
    "database": _("Database"),
    "cache": _("Shared cache (Redis)"),
    "broker": _("Job broker"),
    "worker_lag": _("Background work"),
    "listeners": _("Channel listeners"),
    "disk": _("Disk space"),
}


@dataclass
class BackupInfo:
    name: str
    size: int
    age_hours: float


@dataclass
class Overview:
    readiness: Readiness
    gauges: dict[str, list[tuple[dict[str, str], float]]]
    backups: list[BackupInfo]
    backup_count: int

    def gauge(self, name: str) -> float:
        samples = self.gauges.get(name, [])
        return samples[0][1] if samples else 0.0

    def by_label(self, name: str, label: str) -> list[tuple[str, float]]:
        return [(labels.get(label, ""), value) for labels, value in self.gauges.get(name, [])]


def gauges(result: Readiness) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Awn's gauges as /metrics computes them (name → [(labels, value)]), the worker lag from `result`'s check."""
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for source in SOURCES:
        if source is dependencies:
            continue  # the readiness checks: already in `result`
        try:
            families = list(source(timezone.now()))
        except Exception:  # shown as zeros; the checks above say what is down
            logger.warning("operations page: %s could not be read", source.__name__, exc_info=True)
            continue
        for family in families:
            for sample in family.samples:
                out.setdefault(sample.name, []).append((dict(sample.labels), float(sample.value)))
    for check in result.checks:
        if check.name == "worker_lag":
            out["awn_worker_lag_seconds"] = [
                ({"work": key.removesuffix("_seconds")}, float(value)) for key, value in check.values.items()
            ]
    return out


def backups() -> tuple[list[BackupInfo], int]:
    now = datetime.now(UTC).timestamp()
    found = backup_list(backup_dir())
    newest = [
        BackupInfo(p.name, p.stat().st_size, round((now - p.stat().st_mtime) / 3600, 1))
        for p in reversed(found[-3:])
    ]
    return newest, len(found)


def overview() -> Overview:
    newest, count = backups()
    result = readiness()
    return Overview(result, gauges(result), newest, count)


def check_rows(result: Readiness) -> list[dict[str, Any]]:
    return [
        {
            "name": check.name,
            "label": CHECK_LABELS.get(check.name, check.name),
            "status": check.status,
            "ms": check.ms,
            "detail": DETAIL_LABELS.get(check.detail, check.detail),
            "critical": check.critical,
            "values": check.values,
        }
        for check in result.checks
    ]


FAILED_DELIVERIES_LIMIT = 200


def failed_deliveries(user: Any, *, limit: int = FAILED_DELIVERIES_LIMIT) -> list[Any]:
    """The dead-letter list: replies to customers that were not delivered (retries exhausted, refused by the
    channel, window closed), newest first, only on tickets this user may see."""
    from awn.connectors.enums import DeliveryStatus
    from awn.connectors.models import OutboundMessage
    from awn.tickets.policies import visible_tickets

    tickets = visible_tickets(user)
    return list(
        OutboundMessage.objects.filter(status=DeliveryStatus.FAILED, message__ticket__in=tickets)
        .select_related("inbox", "message__ticket")
        .order_by("-created_at", "-pk")[:limit]
    )


def failed_delivery_for(user: Any, outbound_id: int) -> Any | None:
    """One failed reply on a ticket this user may see, else None (reported as not found)."""
    from awn.connectors.enums import DeliveryStatus
    from awn.connectors.models import OutboundMessage
    from awn.tickets.policies import visible_tickets

    return (
        OutboundMessage.objects.filter(
            pk=outbound_id, status=DeliveryStatus.FAILED, message__ticket__in=visible_tickets(user)
        )
        .only("pk")
        .first()
    )
