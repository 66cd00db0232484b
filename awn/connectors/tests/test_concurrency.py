"""Two messages of one sender processed at the same moment by two workers end in one ticket (PostgreSQL)."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection, connections

from awn.connectors import inbound
from awn.connectors.base import RawItem
from awn.connectors.models import InboundEvent
from awn.connectors.services import events_store, inbox_save
from awn.connectors.tasks import process_inbound_event
from awn.tickets.enums import Status
from awn.tickets.models import Message, Ticket
from awn.tickets.services import ticket_update


@pytest.mark.django_db(transaction=True)
def test_concurrent_messages_of_one_sender_thread_into_one_ticket(settings, monkeypatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers anyway; its in-memory test database has no row locks")
    settings.AWN_TASKS_MODE = "off"
    inbox = inbox_save(inbox=None, name="c", kind="fake", secrets={"signing_secret": "x"})
    first = {"id": "m0", "from": "user-1", "name": "ولي أمر", "text": "مرحبا"}
    events_store(inbox, [RawItem("m0", first)])
    process_inbound_event(InboundEvent.objects.get(external_id="m0").pk)
    ticket_update(ticket=Ticket.objects.get(), actor=None, changes={"status": Status.RESOLVED})
    events_store(inbox, [RawItem(f"m{i}", {**first, "id": f"m{i}", "text": f"رسالة {i}"}) for i in (1, 2)])
    barrier = threading.Barrier(2)

    def meet(step: str) -> None:
        # Without the per-sender lock both workers get here before either has a ticket, and both create one.
        if step == "contact_resolved":
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=1)

    monkeypatch.setattr(inbound, "fault_point", meet)
    errors: list[BaseException] = []

    def work(external_id: str) -> None:
        try:
            process_inbound_event(InboundEvent.objects.get(external_id=external_id).pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(f"m{i}",)) for i in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert errors == []
    new_tickets = Ticket.objects.exclude(status=Status.RESOLVED)
    assert new_tickets.count() == 1
    assert set(Message.objects.filter(ticket=new_tickets.get()).values_list("body", flat=True)) == {
        "رسالة 1",
        "رسالة 2",
    }
