"""Events the CRM publishes. Subscribers are listed in config/event_subscriptions.py."""

from __future__ import annotations

from dataclasses import dataclass

from awn.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ContactMerged(DomainEvent):
    """`source` was folded into `target`: what other domains hold of the source moves to the target (tickets
    react inside the merge's transaction)."""

    source_id: int
    target_id: int
