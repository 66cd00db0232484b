"""A small in-process domain event bus.

Services call `publish(event)` inside their transaction. Who reacts to what is listed in one place,
config/event_subscriptions.py, keyed by event class, each reaction declared with its moment:
- `sync`: inside the publishing transaction (clocks, counters, audit, outbox rows). If it raises, the whole write
  rolls back: a ticket never exists without its SLA clock or its outgoing message.
- `on_commit`: after the transaction commits (pushes, sends, jobs), Zulip-style, so a rolled-back write never
  notifies anyone. One failing reaction is logged and does not stop the others.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    occurred_at: Any = field(default_factory=timezone.now)

    @property
    def name(self) -> str:
        return type(self).__name__


E = TypeVar("E", bound=DomainEvent)


class Moment(StrEnum):
    SYNC = "sync"
    ON_COMMIT = "on_commit"


@dataclass(frozen=True)
class Reaction(Generic[E]):
    handler: Callable[[E], None]
    moment: Moment

    @property
    def label(self) -> str:
        return f"{self.handler.__module__}.{self.handler.__qualname__}"


def sync(handler: Callable[[E], None]) -> Reaction[E]:
    """React inside the publishing transaction; an error rolls the write back."""
    return Reaction(handler, Moment.SYNC)


def on_commit(handler: Callable[[E], None]) -> Reaction[E]:
    """React once the publishing transaction has committed; an error is logged."""
    return Reaction(handler, Moment.ON_COMMIT)


Subscriptions = Mapping[type[DomainEvent], Sequence[Reaction[Any]]]
_published_for_tests: list[DomainEvent] | None = None
_override: Subscriptions | None = None


@cache
def _configured() -> Subscriptions:
    # Named by settings (config/event_subscriptions.py), so core imports nothing above it.
    configured: Subscriptions = import_string(settings.AWN_EVENT_SUBSCRIPTIONS)
    return configured


def subscriptions() -> Subscriptions:
    return _override if _override is not None else _configured()


def reactions_for(event: DomainEvent, moment: Moment) -> list[Reaction[Any]]:
    return [r for r in subscriptions().get(type(event), ()) if r.moment == moment]


def _run_after_commit(event: DomainEvent, reactions: list[Reaction[Any]]) -> None:
    for reaction in reactions:
        try:
            reaction.handler(event)
        except Exception:
            # One failing reaction must not stop the others nor undo the committed write.
            logger.exception("event reaction %s failed for %s", reaction.label, event.name)


def publish(event: DomainEvent) -> None:
    if _published_for_tests is not None:
        _published_for_tests.append(event)
    for reaction in reactions_for(event, Moment.SYNC):
        reaction.handler(event)
    later = reactions_for(event, Moment.ON_COMMIT)
    if later:
        transaction.on_commit(lambda: _run_after_commit(event, later))


class capture_events:
    """Record every published event (whether or not it is later committed)."""

    def __enter__(self) -> list[DomainEvent]:
        global _published_for_tests
        _published_for_tests = []
        return _published_for_tests

    def __exit__(self, *exc: object) -> None:
        global _published_for_tests
        _published_for_tests = None


class subscriptions_replaced:
    """Run with another subscription map (tests of the bus itself)."""

    def __init__(self, replacement: Subscriptions) -> None:
        self.replacement = replacement

    def __enter__(self) -> None:
        global _override
        self._previous = _override
        _override = self.replacement

    def __exit__(self, *exc: object) -> None:
        global _override
        _override = self._previous
