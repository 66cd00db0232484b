"""Events the sla domain publishes. Subscribers are listed in config/event_subscriptions.py."""

from __future__ import annotations

from dataclasses import dataclass

from awn.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class BusinessCalendarChanged(DomainEvent):
    """Working hours changed for these calendars (their hours, an override, or a holiday they follow): the due
    times computed on them are stale."""

    calendar_ids: tuple[int, ...]
