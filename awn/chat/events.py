"""Events the live chat publishes. Subscribers are listed in config/event_subscriptions.py."""

from __future__ import annotations

from dataclasses import dataclass

from awn.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ChatStarted(DomainEvent):
    """A visitor started a chat: its ticket, its live session, who wrote and how to reach them after the chat
    (the email or phone given on the pre-chat form)."""

    ticket_id: int
    chat_id: int
    contact_id: int
    address: str
