"""Events routing publishes."""

from __future__ import annotations

from dataclasses import dataclass

from awn.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class AgentStatusChanged(DomainEvent):
    user_id: int
    state: str
    previous: str
    automatic: bool
