"""Triage off the request: with a separate worker (AWN_TASKS_MODE=off) `run_worker` triages new tickets here, so
the API's write path stays lean; in the embedded mode the sweep also catches what a crash or restart left.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from awn.core.tasks import run_job
from awn.tickets.models import Ticket

# Tickets older than this without triage are left as they are (agents have seen them by then); the window also
# bounds the sweep's scan (the created_at index), which a separate worker runs every loop.
SWEEP_HOURS = 6


def sweep_untriaged(*, stale_seconds: int | None = None, limit: int = 500) -> int:
    """Triage recent tickets that have none yet (pending longer than `stale_seconds`); how many were triaged.

    By default a separate worker (AWN_TASKS_MODE=off) takes them at once: no web process triages them.
    """
    if stale_seconds is None:
        off = getattr(settings, "AWN_TASKS_MODE", "thread") == "off"
        stale_seconds = 0 if off else settings.AWN_WORKER_STALE_SECONDS
    now = timezone.now()
    ids = list(
        Ticket.objects.filter(
            triage__isnull=True,
            created_at__gte=now - timedelta(hours=SWEEP_HOURS),
            created_at__lte=now - timedelta(seconds=stale_seconds),
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for ticket_id in ids:
        run_job(
            "awn.assistant.triage.services.triage_ticket", ticket_id
        )  # a failure is logged; the next sweep retries
    return len(ids)
