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


@dataclass(frozen=True, kw_only=True)
class ContactErased(DomainEvent):
    """The person was erased on request (PDPL): other domains anonymize what they hold of them inside the
    erasure's transaction (tickets: their messages and files; connectors: their channel identities), before the
    privacy sweep replaces their identifiers everywhere else."""

    contact_id: int
