"""Events the tickets domain publishes after commit. Subscribers are listed in config/event_subscriptions.py."""

from __future__ import annotations

from dataclasses import dataclass

from awn.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class TicketCreated(DomainEvent):
    ticket_id: int
    channel: str
    actor_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class MessageReceived(DomainEvent):
    """A message from the customer (first message included)."""

    ticket_id: int
    message_id: int


@dataclass(frozen=True, kw_only=True)
class ReplySent(DomainEvent):
    """A public reply from the organization to the customer."""

    ticket_id: int
    message_id: int
    actor_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class NoteAdded(DomainEvent):
    """An internal note (staff only). `mentioned_user_ids`: the active staff named `@username` in it (whether
    they may see the ticket is for the reaction to check)."""

    ticket_id: int
    message_id: int
    actor_id: int | None = None
    mentioned_user_ids: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class TicketAssigned(DomainEvent):
    ticket_id: int
    assignee_id: int | None
    team_id: int | None
    actor_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class TicketStatusChanged(DomainEvent):
    ticket_id: int
    old_status: str
    new_status: str
    actor_id: int | None = None
    # False when the requester is told otherwise (surge mode's resolution broadcast): no "resolved" notice.
    notify_requester: bool = True


@dataclass(frozen=True, kw_only=True)
class TicketUpdated(DomainEvent):
    ticket_id: int
    fields: tuple[str, ...]
    actor_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class TicketMerged(DomainEvent):
    source_id: int
    target_id: int
    actor_id: int | None = None


@dataclass(frozen=True, kw_only=True)
class TicketRated(DomainEvent):
    ticket_id: int
    score: int
