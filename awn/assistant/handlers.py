"""The assistant's reactions to ticket events (subscribed in config/event_subscriptions.py)."""

from __future__ import annotations

from awn.core.tasks import enqueue
from awn.tickets.events import TicketCreated

from .tasks import TRIAGE_JOB


def on_ticket_created(event: TicketCreated) -> None:
    """Triage every new ticket off the request: category, priority, sentiment, dialect."""
    enqueue(TRIAGE_JOB, event.ticket_id)
