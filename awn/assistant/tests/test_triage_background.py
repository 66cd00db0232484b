"""Triage runs off the request: with a separate worker (AWN_TASKS_MODE=off) the API answers at once, and
`run_worker` triages what is left, once."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command

from awn.assistant.models import TicketTriage
from awn.assistant.tasks import sweep_untriaged
from awn.tickets.enums import Priority
from awn.tickets.models import Ticket

from .kb_fixture import load_kb


def test_the_api_answers_before_triage_and_the_worker_triages_once(
    world: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.AWN_TASKS_MODE = "off"  # production: a separate run_worker process
    load_kb()
    client = world.client_for(world.parent_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/tickets/",
            {
                "subject": "حسابي مخترق",
                "body": "احد دخل على حسابي وغير الرقم!! ساعدوني",
                "category": "account_access",
            },
            content_type="application/json",
        )
    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.json()["id"])
    assert not TicketTriage.objects.filter(ticket=ticket).exists()  # not in the request
    assert sweep_untriaged(stale_seconds=60) == 0  # too fresh: the web process's own job may still run it
    call_command("run_worker", once=True, stale=0, verbosity=0)
    triage = TicketTriage.objects.get(ticket=ticket)
    assert triage.priority == Priority.URGENT
    ticket.refresh_from_db()
    assert ticket.priority == Priority.URGENT  # the urgent cue raised it, from the worker
    assert sweep_untriaged(stale_seconds=0) == 0  # once
