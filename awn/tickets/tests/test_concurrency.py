"""Two agents editing one ticket at the same moment, on real connections (one per thread)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections

from awn.core.errors import Conflict
from awn.tickets.models import Ticket
from awn.tickets.services import ticket_add_message, ticket_update

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks between connections are exercised on PostgreSQL"
)


def run_together(*jobs: Callable[..., object]) -> list[BaseException]:
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def wrap(job: Callable[..., object]) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as exc:  # collected for the assertion
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrap, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


@pytest.mark.django_db(transaction=True)
def test_simultaneous_edits_of_different_fields_both_land(world):
    ticket = world.ticket()
    copy_a, copy_b = Ticket.objects.get(pk=ticket.pk), Ticket.objects.get(pk=ticket.pk)
    errors = run_together(
        lambda: ticket_update(
            ticket=copy_a, actor=world.agent, changes={"priority": "urgent"}, seen={"priority": "normal"}
        ),
        lambda: ticket_update(
            ticket=copy_b,
            actor=world.supervisor,
            changes={"assignee": world.agent.pk},
            seen={"assignee_id": None},
        ),
    )
    assert errors == []
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.assignee_id, ticket.version) == ("urgent", world.agent.pk, 3)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_edits_of_the_same_field_one_wins_one_is_told(world):
    ticket = world.ticket()
    errors = run_together(
        lambda: ticket_update(
            ticket=ticket, actor=world.agent, changes={"priority": "urgent"}, seen={"priority": "normal"}
        ),
        lambda: ticket_update(
            ticket=ticket, actor=world.supervisor, changes={"priority": "low"}, seen={"priority": "normal"}
        ),
    )
    assert len(errors) == 1 and isinstance(errors[0], Conflict)
    ticket.refresh_from_db()
    assert ticket.priority in ("urgent", "low") and ticket.version == 2


@pytest.mark.django_db(transaction=True)
def test_simultaneous_replies_are_all_kept(world):
    ticket = world.ticket()
    errors = run_together(
        *[
            (lambda n=n: ticket_add_message(ticket=ticket, actor=world.agent, body=f"رد رقم {n}"))
            for n in range(4)
        ]
    )
    assert errors == []
    assert ticket.messages.count() == 5
