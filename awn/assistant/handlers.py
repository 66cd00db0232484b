"""The assistant's reactions to ticket events (subscribed in config/event_subscriptions.py)."""

from __future__ import annotations

from awn.tickets.events import TicketCreated

from .triage.services import triage_ticket


def on_ticket_created(event: TicketCreated) -> None:
    """Triage every new ticket: store category, priority, sentiment and dialect; raise priority on urgent cues."""
    triage_ticket(event.ticket_id)
