"""The inbound drain (awn/connectors/drain.py): raw events in batches, one transaction a batch, with the guarantees
of the one-event path: a crash mid-batch loses and doubles nothing, a bad event fails alone, a redelivered webhook is
a no-op, and every reaction of a customer's message still happens."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from awn.analytics.models import TicketFact
from awn.connectors import drain, inbound, tasks
from awn.connectors.base import RawItem
from awn.connectors.enums import EventStatus
from awn.connectors.models import ChannelIdentity, Conversation, InboundEvent
from awn.connectors.services import DRAIN_JOB, events_store, inbox_save
from awn.core import tasks as core_tasks
from awn.crm.models import Contact
from awn.realtime import services as realtime
from awn.search.models import SearchEntry
from awn.sla.models import SlaClock
from awn.tickets.models import Message, Ticket


class WorkerKilled(BaseException):
    """What a SIGKILL is to the batch: nothing after it runs, no handler catches it."""


def _events(*specs: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "events": [{"id": i, "from": sender, "name": "ولي أمر", "text": text} for i, sender, text in specs]
    }


def _texts(ticket: Ticket) -> list[str]:
    return list(Message.objects.filter(ticket=ticket).order_by("id").values_list("body", flat=True))


def test_a_mixed_batch_threads_creates_absorbs_and_isolates(world, inboxes, deliver, monkeypatch) -> None:
    fake = inboxes["fake"]
    deliver(fake, _events(("old-1", "user-old", "السلام عليكم")))
    existing = Ticket.objects.get(channel="api")
    jobs: list[tuple[str, tuple[Any, ...]]] = []
    dispatch = core_tasks.dispatch

    def recorded(name: str, *args: Any, **kwargs: Any) -> None:
        jobs.append((name, args))
        dispatch(name, *args, **kwargs)

    monkeypatch.setattr(core_tasks, "dispatch", recorded)
    pushed: list[tuple[str, int]] = []
    monkeypatch.setattr(realtime, "message_added", lambda **kw: pushed.append(("message", kw["message_id"])))
    monkeypatch.setattr(realtime, "ticket_changed", lambda ticket_id, kind: pushed.append((kind, ticket_id)))

    def refuse_sender(at: str) -> None:  # one event's processing raises (a lost race, a database error)
        if at == "contact_resolved" and Contact.objects.filter(name="متعثر").exists():
            raise RuntimeError("identity row raced")

    monkeypatch.setattr(inbound, "fault_point", refuse_sender)
    batch = _events(
        ("new-1", "user-new", "لا أستطيع الدخول"),
        ("old-2", "user-old", "ما زلت أنتظر"),
        ("new-2", "user-new", "رقم الهوية 1234"),
    )
    batch["events"].append({"id": "bad-1", "from": "user-bad", "media": 5})  # not what the provider sends
    batch["events"].append({"id": "odd-1", "from": "user-odd", "name": "متعثر", "text": "مرحبا"})
    batch["events"].append({"id": "empty-1", "from": ""})  # nothing for an agent: ignored
    answer = deliver(fake, batch).json()
    assert answer == {"stored": 6, "duplicates": 0}
    assert [name for name, _args in jobs].count(DRAIN_JOB) == 1  # one job for the webhook's six events

    status = dict(InboundEvent.objects.values_list("external_id", "status"))
    assert status == {
        "old-1": "done",
        "new-1": "done",
        "old-2": "done",
        "new-2": "done",
        "bad-1": "failed",
        "odd-1": "pending",
        "empty-1": "ignored",
    }
    odd = InboundEvent.objects.get(external_id="odd-1")
    assert odd.attempts == 1 and "identity row raced" in odd.last_error
    assert "malformed" in InboundEvent.objects.get(external_id="bad-1").last_error
    assert not Contact.objects.filter(
        name="متعثر"
    ).exists()  # its savepoint rolled back, the others committed

    assert _texts(existing) == ["السلام عليكم", "ما زلت أنتظر"]
    new = Ticket.objects.exclude(pk=existing.pk).get(channel="api")
    assert _texts(new) == ["لا أستطيع الدخول", "رقم الهوية 1234"]  # one sender's two events, in order
    assert Conversation.objects.filter(ticket=new, address="user-new").count() == 1
    assert ChannelIdentity.objects.filter(external_id="user-new").count() == 1
    # The one-event path's reactions, per event: the ticket's search row, SLA clocks, analytics fact.
    assert SearchEntry.objects.filter(kind="ticket", object_id=new.pk, body__contains="1234").exists()
    assert SearchEntry.objects.filter(kind="ticket", object_id=existing.pk, body__contains="زلت").exists()
    assert SlaClock.objects.filter(ticket=new).exists()
    assert TicketFact.objects.filter(ticket_id=new.pk, channel="api").exists()
    # After the commit (a batch redone event by event published its first attempt's events, never committed):
    # the triage job of the new ticket, the first-line job of each customer message.
    triaged = [args for name, args in jobs if name.endswith("triage_ticket")]
    assert triaged == [(new.pk,)]
    first_line = sorted(args[0] for name, args in jobs if "first_line" in name)
    assert first_line == sorted(Message.objects.exclude(body="السلام عليكم").values_list("pk", flat=True))
    # The live screens: the queue of the new ticket, the open pages of every message's ticket.
    assert sorted(pushed) == sorted([("created", new.pk), *[("message", pk) for pk in first_line]])

    # The redelivered webhook is a no-op; the failed event is retried alone, once.
    assert deliver(fake, batch).json() == {"stored": 0, "duplicates": 6}
    monkeypatch.setattr(inbound, "fault_point", lambda at: None)
    assert tasks.sweep(stale_seconds=0) == (1, 0)
    assert Message.objects.filter(body="مرحبا").count() == 1
    assert InboundEvent.objects.filter(status="pending").count() == 0
    assert Message.objects.filter(channel="api").count() == 5


@pytest.mark.parametrize("step", ["contact_resolved", "message_stored", "batch_stored"])
def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(
    world, inboxes, deliver, monkeypatch, step
) -> None:
    calls = {"n": 0}

    def killed_at_third(at: str) -> None:
        if at == step:
            calls["n"] += 1
            if calls["n"] == (1 if step == "batch_stored" else 3):
                raise WorkerKilled

    monkeypatch.setattr(inbound, "fault_point", killed_at_third)
    batch = _events(*[(f"k-{i}", f"user-{i % 3}", f"رسالة {i}") for i in range(7)])
    with pytest.raises(WorkerKilled):
        deliver(inboxes["fake"], batch)
    # The whole batch rolled back: every event pending and untried, nothing written.
    assert list(InboundEvent.objects.values_list("status", "attempts").distinct()) == [("pending", 0)]
    assert (
        Message.objects.count()
        == Ticket.objects.count()
        == Contact.objects.filter(name="ولي أمر").count()
        == 0
    )

    monkeypatch.setattr(inbound, "fault_point", lambda at: None)
    ids = list(InboundEvent.objects.order_by("pk").values_list("pk", flat=True))
    assert tasks.drain_inbound(ids) == 7  # the job again (the broker redelivers it): each event exactly once
    assert tasks.drain_inbound(ids) == 0
    assert tasks.sweep(stale_seconds=0) == (0, 0)
    for i in range(7):
        assert Message.objects.filter(body=f"رسالة {i}").count() == 1
    assert Ticket.objects.filter(channel="api").count() == 3
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {EventStatus.DONE}


def test_a_job_tops_its_batch_up_and_drains_a_backlog_in_full_batches(
    world, inboxes, settings, monkeypatch
) -> None:
    settings.AWN_TASKS_MODE = "off"  # stored, no job run: a backlog
    items = [RawItem(f"b-{i}", {"id": f"b-{i}", "from": f"s-{i % 4}", "text": f"نص {i}"}) for i in range(25)]
    events_store(inboxes["fake"], items)
    last = InboundEvent.objects.order_by("-pk").first()
    assert last is not None
    calls: list[int] = []
    one = drain.inbound_batch_process

    def counted(event_ids: Any, *, limit: int) -> Any:
        result = one(event_ids, limit=limit)
        calls.append(result.claimed)
        return result

    monkeypatch.setattr(drain, "inbound_batch_process", counted)
    claimed = drain.inbound_drain(
        [last.pk], process_one=tasks._process_one, retry=tasks._retry, batch_size=10, seconds=120
    )
    assert claimed == 25 and calls == [10, 10, 5]  # the last event's job drained all, in batches of ten
    assert tasks.drain_inbound([last.pk]) == 0  # its own job, later: one query, nothing to do
    assert InboundEvent.objects.filter(status="done").count() == 25
    assert Message.objects.get(body="نص 24").pk == InboundEvent.objects.get(pk=last.pk).message_id
    # Out of time, a job stops after its batch: the rest is left to the jobs of those events.
    InboundEvent.objects.update(status=EventStatus.PENDING, attempts=0, message=None)
    calls.clear()
    drain.inbound_drain(
        [last.pk], process_one=tasks._process_one, retry=tasks._retry, batch_size=10, seconds=0
    )
    assert calls == [10]


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_take_the_same_event(settings, monkeypatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has one writer at a time")
    settings.AWN_TASKS_MODE = "off"
    inbox = inbox_save(inbox=None, name="two", kind="fake", secrets={"signing_secret": "s"})
    events_store(
        inbox, [RawItem(f"t-{i}", {"id": f"t-{i}", "from": f"p-{i}", "text": f"م {i}"}) for i in range(40)]
    )
    first_holds = threading.Event()
    second_done = threading.Event()
    claimed: dict[str, int] = {}

    def hold_first(at: str) -> None:
        if at == "batch_stored" and threading.current_thread().name == "first":
            first_holds.set()  # its rows stay locked until the second worker has taken its own
            second_done.wait(30)

    def work(name: str) -> None:
        try:
            claimed[name] = drain.inbound_batch_process([], limit=25).claimed
        finally:
            connection.close()

    monkeypatch.setattr(inbound, "fault_point", hold_first)
    first = threading.Thread(target=work, args=("first",), name="first")
    first.start()
    assert first_holds.wait(30)
    second = threading.Thread(target=work, args=("second",), name="second")
    second.start()
    second.join(30)
    second_done.set()
    first.join(30)
    assert claimed == {"first": 25, "second": 15}  # the second skipped the locked rows instead of waiting
    assert InboundEvent.objects.filter(status="done").count() == 40
    assert Message.objects.count() == 40 and Ticket.objects.count() == 40
