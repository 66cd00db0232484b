"""Events the sla domain publishes. Subscribers are listed in config/event_subscriptions.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from awn.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class BusinessCalendarChanged(DomainEvent):
    """Working hours changed for these calendars (their hours, an override, or a holiday they follow): the due
    times computed on them are stale."""

    calendar_ids: tuple[int, ...]


@dataclass(frozen=True, kw_only=True)
class SlaWarning(DomainEvent):
    """A running clock used its policy's warning share of the target (published once per ticket, metric and
    due time)."""

    ticket_id: int
    metric: str
    due_at: Any


@dataclass(frozen=True, kw_only=True)
class SlaBreached(DomainEvent):
    """A clock reached its target unfulfilled (published once per ticket, metric and due time)."""

    ticket_id: int
    metric: str
    due_at: Any
