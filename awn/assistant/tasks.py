"""The assistant's jobs: triage a new ticket off the request, and a sweep for tickets a crash left untriaged."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from awn.core.tasks import dispatch, job
from awn.tickets.models import Ticket

from .first_line_channels import first_line_on_message
from .triage.services import triage_tickets

TRIAGE_JOB = "awn.assistant.tasks.triage_ticket"
TRIAGE_BATCH_JOB = "awn.assistant.tasks.triage_batch"
# Tickets triaged together by the sweep's jobs: one embedding batch, one classification, one insert each.
TRIAGE_BATCH = 64
FIRST_LINE_JOB = "awn.assistant.tasks.first_line_reply"
NEW_PROBLEMS_JOB = "awn.assistant.tasks.refresh_new_problems"
# Tickets older than this without triage are left as they are (agents have seen them by then); the window also
# bounds the sweep's scan (the created_at index).
SWEEP_HOURS = 6


@job(queue="ai")
def triage_ticket(ticket_id: int) -> None:
    """Category, priority, sentiment, dialect of a new ticket (idempotent: a triaged ticket is left alone)."""
    triage_tickets([ticket_id])


@job(queue="ai")
def triage_batch(ticket_ids: list[int]) -> None:
    """Triage these tickets together (the sweep's batches); each ticket once, a deleted one skipped."""
    triage_tickets(ticket_ids)


@job(queue="ai")
def first_line_reply(message_id: int) -> None:
    """The assistant's answer to a customer's message on a messaging channel (idempotent per ticket state)."""
    first_line_on_message(message_id)


@job()
def sweep_untriaged(*, stale_seconds: int | None = None, limit: int = 500) -> int:
    """Enqueue recent tickets still without triage `stale_seconds` after they were created, in batches of
    TRIAGE_BATCH (a worker process, AWN_TASKS_MODE=off, triages all its tickets this way); how many."""
    stale = settings.AWN_WORKER_STALE_SECONDS if stale_seconds is None else stale_seconds
    now = timezone.now()
    ids = list(
        Ticket.objects.filter(
            triage__isnull=True,
            created_at__gte=now - timedelta(hours=SWEEP_HOURS),
            created_at__lte=now - timedelta(seconds=stale),
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    for start in range(0, len(ids), TRIAGE_BATCH):
        dispatch(TRIAGE_BATCH_JOB, ids[start : start + TRIAGE_BATCH])
    return len(ids)


@job(queue="ai")
def refresh_new_problems() -> int:
    """Cluster the recent tickets for the supervisors' "new problems" page; how many clusters."""
    from .clusters import (
        refresh_clusters,
    )  # NumPy: in the worker that runs it, not in every web worker (issue 14)

    return len(refresh_clusters())
