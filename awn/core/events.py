"""A small in-process domain event bus.

Services call `publish(event)` inside their transaction; subscribers run after commit (Zulip-style), so a
rolled-back write never notifies anyone. Who reacts to what is listed in one place:
config/event_subscriptions.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from typing import Any

from django.db import transaction
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    occurred_at: Any = field(default_factory=timezone.now)

    @property
    def name(self) -> str:
        return type(self).__name__


Handler = Callable[[Any], None]
_published_for_tests: list[DomainEvent] | None = None


def _import_string(path: str) -> Any:
    module_path, _, attr = path.rpartition(".")
    return getattr(import_module(module_path), attr)


@cache
def _subscriptions() -> dict[str, list[Handler]]:
    from config.event_subscriptions import SUBSCRIPTIONS

    return {event_name: [_import_string(p) for p in paths] for event_name, paths in SUBSCRIPTIONS.items()}


def handlers_for(event: DomainEvent) -> list[Handler]:
    return _subscriptions().get(event.name, [])


def dispatch(event: DomainEvent) -> None:
    for handler in handlers_for(event):
        try:
            handler(event)
        except Exception:
            # One failing subscriber must not stop the others nor undo the committed write.
            logger.exception(
                "event handler %s failed for %s", getattr(handler, "__name__", handler), event.name
            )


def publish(event: DomainEvent) -> None:
    if _published_for_tests is not None:
        _published_for_tests.append(event)
    transaction.on_commit(lambda: dispatch(event))


class capture_events:
    """Record every published event (whether or not it is later committed)."""

    def __enter__(self) -> list[DomainEvent]:
        global _published_for_tests
        _published_for_tests = []
        return _published_for_tests

    def __exit__(self, *exc: object) -> None:
        global _published_for_tests
        _published_for_tests = None
