"""Slice 4 (part): a category whose last hour holds k times its usual hourly volume is shown to supervisors on the
incidents page, with a one-click declaration for it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from awn.incidents.selectors import category_spikes
from awn.tickets.enums import Category
from awn.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def tickets_at(world: Any, category: str, count: int, minutes_ago: float) -> None:
    created = timezone.now() - timedelta(minutes=minutes_ago)
    rows = Ticket.objects.bulk_create(
        [Ticket(subject="x", requester=world.parent, category=category) for _ in range(count)]
    )
    # created_at is auto_now_add: set the time afterwards.
    Ticket.objects.filter(pk__in=[t.pk for t in rows]).update(created_at=created)


def test_k_times_the_usual_hour_is_a_spike(world: Any) -> None:
    # Usual: 168 account-access tickets over the 7 days before = 1 an hour. Last hour: 3 (3x, at the boundary).
    tickets_at(world, Category.ACCOUNT_ACCESS, 168, minutes_ago=60 * 24 * 3)
    tickets_at(world, Category.ACCOUNT_ACCESS, 3, minutes_ago=10)
    spikes = category_spikes(ratio=3.0, min_count=3)
    assert [(s.category, s.last_hour) for s in spikes] == [(Category.ACCOUNT_ACCESS, 3)]
    assert spikes[0].usual_per_hour == pytest.approx(1.0)
    # One short of k times the usual: no spike.
    assert category_spikes(ratio=3.01, min_count=3) == []


def test_a_new_category_needs_the_minimum_count(world: Any) -> None:
    tickets_at(world, Category.GRADE_ENTRY, 4, minutes_ago=5)
    assert category_spikes(ratio=3.0, min_count=5) == []
    tickets_at(world, Category.GRADE_ENTRY, 1, minutes_ago=5)
    assert [s.category for s in category_spikes(ratio=3.0, min_count=5)] == [Category.GRADE_ENTRY]


def test_tickets_older_than_an_hour_are_baseline_not_spike(world: Any) -> None:
    tickets_at(world, Category.TRANSFER, 10, minutes_ago=61)
    assert category_spikes(ratio=3.0, min_count=5) == []


def test_the_page_shows_the_spike_and_prefills_the_declaration(world: Any) -> None:
    tickets_at(world, Category.RESULTS_CERTIFICATES, 6, minutes_ago=5)
    client = world.client_for(world.supervisor)
    page = client.get("/workspace/incidents/").content.decode()
    assert 'data-testid="spike"' in page and "?category=results_certificates" in page
    prefilled = client.get("/workspace/incidents/?category=results_certificates").content.decode()
    assert '<option value="results_certificates" selected>' in prefilled
    assert world.client_for(world.agent).get("/workspace/incidents/").status_code == 404
