"""Events the connectors publish after commit. Subscribers are listed in config/event_subscriptions.py."""

from __future__ import annotations

from dataclasses import dataclass

from awn.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class DeliveryStatusChanged(DomainEvent):
    """An outgoing message moved to sent, delivered, read or failed."""

    ticket_id: int
    message_id: int
    status: str


@dataclass(frozen=True, kw_only=True)
class CallAnswered(DomainEvent):
    """A phone call was answered by an agent of Awn (the screen pop: their screen shows the caller's ticket)."""

    ticket_id: int
    contact_id: int
    agent_id: int
    call_id: str
