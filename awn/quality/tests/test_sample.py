"""The weekly sample: only the agent's tickets resolved that week (Monday 00:00 to the next Monday, local time),
the same tickets every time it is drawn, never twice the same review."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from awn.core.errors import ValidationError
from awn.quality.models import Review
from awn.quality.services import sample_draw, sample_ticket_ids, week_start
from awn.tickets.enums import Status
from awn.tickets.models import Ticket

from .conftest import WEEK, at, resolved


def test_week_start_is_the_monday() -> None:
    assert week_start(WEEK) == WEEK
    assert week_start(WEEK + timedelta(days=6)) == WEEK  # Sunday
    assert week_start(WEEK + timedelta(days=7)) == WEEK + timedelta(days=7)


def test_only_the_agents_tickets_resolved_that_week_are_candidates(world: Any) -> None:
    first = resolved(world, world.agent, at(WEEK, 0, 0))  # Monday 00:00: in
    last = resolved(world, world.agent, at(WEEK + timedelta(days=6), 23, 59))  # Sunday 23:59: in
    closed = resolved(world, world.agent, at(WEEK, 12), status=Status.CLOSED)
    resolved(world, world.agent, at(WEEK + timedelta(days=7), 0, 0))  # next Monday 00:00: out
    resolved(world, world.agent, at(WEEK - timedelta(days=1), 23, 59))  # Sunday before: out
    resolved(world, world.vendor_agent, at(WEEK, 12))  # someone else's
    merged = resolved(world, world.agent, at(WEEK, 13))
    Ticket.objects.filter(pk=merged.pk).update(merged_into=first)
    open_again = resolved(world, world.agent, at(WEEK, 14))
    Ticket.objects.filter(pk=open_again.pk).update(status=Status.OPEN)  # reopened: not a resolved ticket now

    assert sample_ticket_ids(agent=world.agent, week=WEEK, size=20) == sorted([first.pk, last.pk, closed.pk])


def test_the_sample_is_reproducible_and_sized(world: Any) -> None:
    ids = {resolved(world, world.agent, at(WEEK + timedelta(days=i % 7), 9 + i % 8)).pk for i in range(12)}
    drawn = sample_ticket_ids(agent=world.agent, week=WEEK, size=4)
    assert len(drawn) == 4
    assert set(drawn) <= ids
    assert all(sample_ticket_ids(agent=world.agent, week=WEEK, size=4) == drawn for _ in range(5))


def test_drawing_twice_creates_no_duplicate(world: Any, card: Any) -> None:
    for i in range(5):
        resolved(world, world.agent, at(WEEK, 8 + i))
    first = sample_draw(agent=world.agent, week=WEEK, size=3, scorecard=card, reviewer=world.supervisor)
    again = sample_draw(agent=world.agent, week=WEEK, size=3, scorecard=card, reviewer=world.supervisor)
    assert [r.pk for r in first] == [r.pk for r in again]
    assert Review.objects.count() == 3
    assert {r.team_id for r in first} == {world.in_house.pk}
    assert {r.week for r in first} == {WEEK}


def test_an_empty_week_draws_nothing(world: Any, card: Any) -> None:
    assert sample_draw(agent=world.agent, week=WEEK, size=3, scorecard=card, reviewer=world.supervisor) == []


@pytest.mark.parametrize(("week", "size"), [(WEEK + timedelta(days=1), 3), (WEEK, 0), (WEEK, 21)])
def test_bad_sample_requests_are_refused(world: Any, card: Any, week: Any, size: int) -> None:
    with pytest.raises(ValidationError):
        sample_draw(agent=world.agent, week=week, size=size, scorecard=card, reviewer=world.supervisor)
