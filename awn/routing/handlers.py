"""Reactions of routing to other apps' events (config/event_subscriptions.py)."""

from __future__ import annotations

from awn.accounts.events import UserSignedIn, UserSignedOut
from awn.core.tasks import enqueue
from awn.tickets.events import TicketCreated

from . import services


def on_user_signed_in(event: UserSignedIn) -> None:
    services.signed_in(event.user_id)


def on_user_signed_out(event: UserSignedOut) -> None:
    services.signed_out(event.user_id)


def on_ticket_created(event: TicketCreated) -> None:
    """Offer the new contact to the best available agent (when AWN_ROUTING_AUTO_ASSIGN is on)."""
    if services.auto_assign_enabled():
        enqueue("awn.routing.tasks.route_ticket", event.ticket_id)
