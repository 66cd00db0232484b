"""The assistant's reactions to ticket events (subscribed in config/event_subscriptions.py)."""

from __future__ import annotations

from awn.core.tasks import enqueue
from awn.tickets.events import MessageReceived, TicketCreated

from .tasks import FIRST_LINE_JOB, TRIAGE_JOB


def on_ticket_created(event: TicketCreated) -> None:
    """Triage every new ticket off the request: category, priority, sentiment, dialect."""
    enqueue(TRIAGE_JOB, event.ticket_id)


def on_message_received(event: MessageReceived) -> None:
    """On WhatsApp, Telegram and email the assistant answers first (awn/assistant/first_line_channels.py)."""
    enqueue(FIRST_LINE_JOB, event.message_id)
