"""The assistant's reactions to ticket events (subscribed in config/event_subscriptions.py)."""

from __future__ import annotations

from django.conf import settings

from awn.tickets.events import TicketCreated

from .triage.services import triage_ticket


def on_ticket_created(event: TicketCreated) -> None:
    """Triage every new ticket: category, priority, sentiment, dialect; urgent cues raise the priority.

    With a separate worker (AWN_TASKS_MODE=off, production) the request does not wait for it: `run_worker`
    triages new tickets (awn/assistant/tasks.py), which took the API from 154 to 385 tickets/s. In the embedded
    one-process mode it runs here after commit: on the in-process thread pool it cost more than inline (each
    job opens its own database connection).
    """
    if getattr(settings, "AWN_TASKS_MODE", "thread") == "off":
        return
    triage_ticket(event.ticket_id)
