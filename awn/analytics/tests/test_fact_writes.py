"""The events whose fold needs nothing read from the fact cost one UPDATE beside their log row (no read, modify,
write): a bot's reply, a reply after the first, a priority change; the same values as the full fold
(test_facts.py rebuilds the log and compares every row). A rating moves rollup counters (rollups.py): it reads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from awn.analytics.enums import FactEventKind as K
from awn.analytics.models import TicketFact
from awn.analytics.services import record_event


def _writes(kind: str, ticket_id: int, payload: dict[str, Any]) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        record_event(kind=kind, ticket_id=ticket_id, at=timezone.now(), payload=payload)
    return [q["sql"].split()[0].upper() for q in captured.captured_queries]


@pytest.mark.django_db
def test_later_replies_bot_replies_ratings_and_priorities_are_one_update(world: Any) -> None:
    ticket = world.ticket()
    fact = TicketFact.objects.get(pk=ticket.pk)
    assert fact.reply_count == 0 and fact.first_reply_at is None
    first = _writes(K.REPLY, ticket.pk, {"actor_id": world.agent.pk})
    assert "SELECT" in first  # the first reply reads the fact: its time and business seconds
    assert _writes(K.REPLY, ticket.pk, {"actor_id": world.agent.pk}) == ["INSERT", "UPDATE"]
    assert _writes(K.REPLY, ticket.pk, {"actor_id": None}) == ["INSERT", "UPDATE"]
    # read the fact, write it and add the change to its rollup row
    assert _writes(K.RATED, ticket.pk, {"score": 2}) == ["INSERT", "SELECT", "UPDATE", "INSERT"]
    assert _writes(K.UPDATED, ticket.pk, {"priority": "urgent"}) == ["INSERT", "UPDATE"]
    fact.refresh_from_db()
    assert (fact.reply_count, fact.bot_reply_count, fact.csat_score, fact.priority) == (3, 1, 2, "urgent")
    assert fact.first_reply_at is not None and fact.rated_at is not None


@pytest.mark.django_db
def test_a_first_reply_by_an_agent_after_a_bot_answer_is_still_the_first_reply(world: Any) -> None:
    ticket = world.ticket()
    _writes(K.REPLY, ticket.pk, {"actor_id": None})
    assert TicketFact.objects.get(pk=ticket.pk).first_reply_at is None  # a bot's answer is no first reply
    _writes(K.REPLY, ticket.pk, {"actor_id": world.agent.pk})
    fact = TicketFact.objects.get(pk=ticket.pk)
    assert fact.reply_count == 2 and fact.bot_reply_count == 1 and fact.first_reply_at is not None
    assert timedelta(0) <= timezone.now() - fact.first_reply_at < timedelta(minutes=1)


@pytest.mark.django_db
def test_events_about_a_ticket_without_a_fact_change_nothing(world: Any) -> None:
    ticket = world.ticket()
    TicketFact.objects.filter(pk=ticket.pk).delete()  # a ticket older than the log
    for kind, payload in (
        (K.REPLY, {"actor_id": None}),
        (K.REPLY, {"actor_id": world.agent.pk}),
        (K.RATED, {"score": 5}),
        (K.UPDATED, {"priority": "high"}),
    ):
        _writes(kind, ticket.pk, payload)
    assert not TicketFact.objects.filter(pk=ticket.pk).exists()
