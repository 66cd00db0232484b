"""Events surge mode publishes."""

from __future__ import annotations

from dataclasses import dataclass

from awn.core.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class SpikeDetected(DomainEvent):
    """Top problems' spike detection fired for a category (once per category and hour): supervisors are alerted
    in real time with a one-click "declare an incident" link (awn/realtime reacts)."""

    alert_id: int
    category: str
    last_hour: int
    usual_per_hour: float
