"""Reactions of automation to the tickets' and the SLA scan's events (config/event_subscriptions.py).

Declared `sync` but they only schedule: each captures the rule chain of the moment it was published (the loop
guard, engine.py) and runs the rules once the publishing transaction has committed. So the rules see the committed
ticket, a refused rule action never rolls back the customer's message or the agent's change that triggered it, and
each rule applies in its own transaction through the tickets services.
"""

from __future__ import annotations

from django.db import transaction

from awn.sla.events import SlaBreached, SlaWarning
from awn.tickets.events import MessageReceived, TicketCreated, TicketUpdated

from . import engine, services
from .enums import Trigger


def _after_commit(trigger: str, ticket_id: int, message_id: int | None = None) -> None:
    chain = engine.chain_var.get()
    if len(chain) >= engine.MAX_DEPTH:
        return
    transaction.on_commit(
        lambda: services.rules_run_for_event(trigger, ticket_id, chain=chain, message_id=message_id)
    )


def on_ticket_created(event: TicketCreated) -> None:
    _after_commit(Trigger.TICKET_CREATED, event.ticket_id)


def on_ticket_updated(event: TicketUpdated) -> None:
    _after_commit(Trigger.TICKET_UPDATED, event.ticket_id)


def on_message_received(event: MessageReceived) -> None:
    _after_commit(Trigger.MESSAGE_RECEIVED, event.ticket_id, event.message_id)


def on_sla_warning(event: SlaWarning) -> None:
    _after_commit(Trigger.SLA_WARNING, event.ticket_id)


def on_sla_breached(event: SlaBreached) -> None:
    _after_commit(Trigger.SLA_BREACHED, event.ticket_id)
