"""The in-process event bus: `sync` reactions run inside the publishing transaction (and undo it when they
fail), `on_commit` reactions after the commit and never after a rollback; one failing on_commit reaction does
not stop the others. And the real map: every event Awn publishes is listed, every reaction takes its event."""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import get_type_hints

import pytest
from django.db import transaction

from awn.accounts.models import Team
from awn.core import events as bus
from awn.core.events import (
    DomainEvent,
    Moment,
    Subscriptions,
    capture_events,
    on_commit,
    publish,
    subscriptions_replaced,
    sync,
)


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


def in_transaction(event: SomethingHappened) -> None:
    calls.append(("sync", event.value))
    Team.objects.create(
        name=f"team {event.value}"
    )  # written by the reaction, inside the publisher's transaction


def failing_in_transaction(event: SomethingHappened) -> None:
    raise RuntimeError("the clock could not be started")


@pytest.fixture
def subscribed():
    calls.clear()
    with subscriptions_replaced(
        {
            SomethingHappened: [
                on_commit(first_handler),
                on_commit(failing_handler),
                sync(in_transaction),
                on_commit(last_handler),
            ]
        }
    ):
        yield calls
    calls.clear()


@pytest.mark.django_db(transaction=True)
def test_on_commit_reactions_run_after_commit_and_sync_ones_inside(subscribed):
    with transaction.atomic():
        publish(SomethingHappened(value=1))
        assert subscribed == [("sync", 1)]  # inside: the sync reaction only
        assert Team.objects.filter(name="team 1").exists()
    assert subscribed == [("sync", 1), ("first", 1), ("last", 1)]


@pytest.mark.django_db(transaction=True)
def test_nothing_runs_after_a_rollback_and_the_sync_write_is_undone(subscribed):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        publish(SomethingHappened(value=2))
        1 / 0  # noqa: B018
    assert subscribed == [("sync", 2)]
    assert not Team.objects.filter(name="team 2").exists()


@pytest.mark.django_db(transaction=True)
def test_a_failing_sync_reaction_rolls_the_publisher_back():
    calls.clear()
    reactions: Subscriptions = {SomethingHappened: [sync(failing_in_transaction), on_commit(last_handler)]}
    with (
        subscriptions_replaced(reactions),
        pytest.raises(RuntimeError, match="clock"),
        transaction.atomic(),
    ):
        Team.objects.create(name="written by the publisher")
        publish(SomethingHappened(value=3))
    assert not Team.objects.filter(name="written by the publisher").exists()
    assert calls == []


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
    assert subscribed == [("sync", 3), ("sync", 4), ("first", 3), ("last", 3)]
    assert Team.objects.filter(name="team 3").exists() and not Team.objects.filter(name="team 4").exists()


@pytest.mark.django_db(transaction=True)
def test_failing_reaction_does_not_stop_the_others(subscribed, caplog):
    with caplog.at_level(logging.ERROR, logger="awn.core.events"):
        publish(SomethingHappened(value=5))  # autocommit: on_commit reactions run at once
    assert subscribed == [("sync", 5), ("first", 5), ("last", 5)]
    assert "failing_handler" in caplog.text


def test_an_event_nobody_reacts_to_costs_nothing():
    @dataclass(frozen=True, kw_only=True)
    class Unheard(DomainEvent):
        pass

    with subscriptions_replaced({}):
        publish(Unheard())  # no transaction needed, nothing registered on commit


def test_capture_events_records_what_was_published(db, subscribed):
    with capture_events() as published:
        publish(SomethingHappened(value=6))
    assert [e.name for e in published] == ["SomethingHappened"]


def _published_event_classes() -> set[type[DomainEvent]]:
    found: set[type[DomainEvent]] = set()
    root = Path(__file__).resolve().parents[2]
    for path in sorted(root.glob("*/events.py")):
        module = import_module(f"awn.{path.parent.name}.events")
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(value, DomainEvent)
                and value is not DomainEvent
                and value.__module__ == module.__name__
            ):
                found.add(value)
    return found


def test_every_published_event_is_in_the_map():
    from config.event_subscriptions import SUBSCRIPTIONS

    events = _published_event_classes()
    assert len(events) >= 10
    assert events - set(SUBSCRIPTIONS) == set()


def test_every_reaction_takes_the_event_it_is_listed_under():
    from config.event_subscriptions import SUBSCRIPTIONS

    for event_class, reactions in SUBSCRIPTIONS.items():
        for reaction in reactions:
            assert reaction.moment in (Moment.SYNC, Moment.ON_COMMIT)
            hints = get_type_hints(reaction.handler)
            parameters = list(inspect.signature(reaction.handler).parameters)
            assert len(parameters) == 1, reaction.label
            assert hints[parameters[0]] is event_class, reaction.label


def test_the_map_is_read_from_config(settings):
    bus._configured.cache_clear()
    assert bus.subscriptions() is bus._configured()
