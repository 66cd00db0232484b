"""The in-process event bus: subscribers run after commit, never after a rollback, and one failing
subscriber does not stop the others."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
from django.db import transaction

from awn.core import events as bus
from awn.core.events import DomainEvent, capture_events, dispatch, publish


@dataclass(frozen=True, kw_only=True)
class SomethingHappened(DomainEvent):
    value: int


calls: list[tuple[str, int]] = []


def first_handler(event: SomethingHappened) -> None:
    calls.append(("first", event.value))


def failing_handler(event: SomethingHappened) -> None:
    raise RuntimeError("boom")


def last_handler(event: SomethingHappened) -> None:
    calls.append(("last", event.value))


@pytest.fixture
def subscribed(monkeypatch):
    calls.clear()
    monkeypatch.setattr(
        bus, "_subscriptions", lambda: {"SomethingHappened": [first_handler, failing_handler, last_handler]}
    )
    yield calls
    calls.clear()


@pytest.mark.django_db(transaction=True)
def test_handlers_run_after_commit(subscribed):
    with transaction.atomic():
        publish(SomethingHappened(value=1))
        assert subscribed == []  # not before the commit
    assert subscribed == [("first", 1), ("last", 1)]


@pytest.mark.django_db(transaction=True)
def test_handlers_do_not_run_on_rollback(subscribed):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        publish(SomethingHappened(value=2))
        1 / 0  # noqa: B018
    assert subscribed == []


@pytest.mark.django_db(transaction=True)
def test_inner_savepoint_rollback_drops_only_its_events(subscribed):
    with transaction.atomic():
        publish(SomethingHappened(value=3))
        try:
            with transaction.atomic():
                publish(SomethingHappened(value=4))
                raise ValueError
        except ValueError:
            pass
    assert subscribed == [("first", 3), ("last", 3)]


def test_failing_handler_does_not_stop_the_others(subscribed, caplog):
    with caplog.at_level(logging.ERROR, logger="awn.core.events"):
        dispatch(SomethingHappened(value=5))
    assert subscribed == [("first", 5), ("last", 5)]
    assert "failing_handler" in caplog.text


def test_capture_events_records_what_was_published(db, subscribed):
    with capture_events() as published:
        publish(SomethingHappened(value=6))
    assert [e.name for e in published] == ["SomethingHappened"]


def test_real_subscriptions_import():
    # Every dotted path in config/event_subscriptions.py resolves to a callable.
    bus._subscriptions.cache_clear()
    for handlers in bus._subscriptions().values():
        assert all(callable(h) for h in handlers)


def test_deploy_check_refuses_the_embedded_secret_key(settings):
    from awn.core.checks import EMBEDDED_SECRET_KEY, secret_key_is_set

    settings.SECRET_KEY = EMBEDDED_SECRET_KEY
    assert [e.id for e in secret_key_is_set(None)] == ["awn.E001"]
    settings.SECRET_KEY = "a-real-secret-" + "x" * 40
    assert secret_key_is_set(None) == []
