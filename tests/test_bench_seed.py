"""bench.seed writes the data it claims (issue 14): dates over a year, statuses with their dates, messages,
triage; a worker's sweep finds nothing of it to triage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from awn.assistant.tasks import sweep_untriaged
from awn.tickets.enums import Status
from awn.tickets.models import Message, Ticket


@pytest.mark.django_db
def test_the_seeded_tickets_have_a_past_and_are_triaged(settings):
    from bench.seed import seed

    settings.AWN_TASKS_MODE = "off"
    seed(1200, 50)
    now = timezone.now()
    tickets = Ticket.objects.all()
    assert tickets.count() == 1200
    assert not tickets.filter(created_at__gt=now - timedelta(minutes=59)).exists()
    assert not tickets.filter(updated_at__gt=now - timedelta(minutes=59)).exists()
    oldest = tickets.order_by("created_at").first()
    assert oldest is not None and now - oldest.created_at > timedelta(days=300)
    assert set(tickets.values_list("status", flat=True)) >= {Status.OPEN, Status.RESOLVED, Status.CLOSED}
    assert not tickets.filter(status=Status.CLOSED, closed_at__isnull=True).exists()
    assert not Message.objects.filter(created_at__gt=now - timedelta(minutes=59)).exists()
    assert Message.objects.count() == 1200 + tickets.exclude(status=Status.NEW).count()
    assert not tickets.filter(triage__isnull=True).exists()
    assert sweep_untriaged(stale_seconds=0) == 0
