"""Events accounts publishes: a staff member signed in or out (routing sets their presence)."""

from __future__ import annotations

from dataclasses import dataclass

from awn.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class UserSignedIn(DomainEvent):
    user_id: int


@dataclass(frozen=True, kw_only=True)
class UserSignedOut(DomainEvent):
    user_id: int
