"""Reactions of surge mode (wired in config/event_subscriptions.py)."""

from __future__ import annotations

from awn.tickets.enums import Channel
from awn.tickets.events import TicketCreated

from .services import incident_claim_new_ticket


def on_ticket_created(event: TicketCreated) -> None:
    """Sync, in the creating transaction: a new ticket about an active incident with an automatic first reply is
    linked to its problem and claimed for the incident's answer (sent by a job after the commit), before the
    assistant's first-line job can look at it. A ticket staff open in the workspace (another incident's problem
    ticket among them) is no customer's new contact: never claimed."""
    if event.channel == Channel.AGENT:
        return
    incident_claim_new_ticket(event.ticket_id)
