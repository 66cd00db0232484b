"""Reactions of surge mode (wired in config/event_subscriptions.py)."""

from __future__ import annotations

from awn.core.tasks import enqueue
from awn.tickets.events import TicketCreated

from .selectors import active_incidents


def on_ticket_created(event: TicketCreated) -> None:
    """While an incident with an automatic first reply is active, new tickets are checked against it (a job:
    the ticket's category and text are read after the commit)."""
    if any(incident.auto_reply for incident in active_incidents()):
        enqueue("awn.incidents.tasks.answer_new_ticket", event.ticket_id)
