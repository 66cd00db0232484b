"""Jobs and the sweep: crashes lose and double nothing, failed sends retry with backoff, the thread mode works."""

from __future__ import annotations

import json
from concurrent.futures import wait
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from awn.connectors import inbound
from awn.connectors.base import RawItem
from awn.connectors.enums import DeliveryError, DeliveryStatus, EventStatus
from awn.connectors.models import InboundEvent, OutboundMessage
from awn.connectors.outbound import MAX_ATTEMPTS, backoff
from awn.connectors.tasks import poll_inboxes, sweep
from awn.core import tasks
from awn.tickets.models import Message, Ticket

from .conftest import load, sign


def _batch(n: int) -> dict:
    return {
        "events": [
            {"id": f"evt-{i}", "from": f"user-{i % 3}", "name": "ولي أمر", "text": f"رسالة {i}"}
            for i in range(n)
        ]
    }


@pytest.mark.parametrize("step", ["contact_resolved", "message_stored"])
def test_a_crash_mid_batch_loses_and_doubles_nothing(world, inboxes, deliver, monkeypatch, step) -> None:
    processing = {"text": ""}
    resolve_contact = inbound.resolve_contact

    def noted(kind: str, parsed: Any, *args: Any) -> Any:
        processing["text"] = parsed.text
        return resolve_contact(kind, parsed, *args)

    def crash_on_third(at: str) -> None:  # the third event crashes, each time it is tried
        if at == step and processing["text"] == "رسالة 2":
            raise RuntimeError("worker killed")

    monkeypatch.setattr(inbound, "resolve_contact", noted)
    monkeypatch.setattr(inbound, "fault_point", crash_on_third)
    assert deliver(inboxes["fake"], _batch(6)).json() == {"stored": 6, "duplicates": 0}
    crashed = InboundEvent.objects.get(external_id="evt-2")
    assert (
        crashed.status == EventStatus.PENDING
        and crashed.attempts == 1
        and "worker killed" in crashed.last_error
    )
    assert InboundEvent.objects.filter(status=EventStatus.DONE).count() == 5
    assert Message.objects.filter(body="رسالة 2").count() == 0
    monkeypatch.setattr(inbound, "fault_point", lambda at: None)
    assert deliver(inboxes["fake"], _batch(6)).json() == {"stored": 0, "duplicates": 6}  # redelivery: no-op
    assert sweep(stale_seconds=0) == (1, 0)
    assert sweep(stale_seconds=0) == (0, 0)
    for i in range(6):
        assert Message.objects.filter(body=f"رسالة {i}").count() == 1
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {EventStatus.DONE}
    assert Ticket.objects.filter(channel="api").count() == 3  # one per sender, follow-ups threaded


def test_fresh_pending_events_are_left_to_their_job(world, inboxes, settings) -> None:
    settings.AWN_TASKS_MODE = "off"
    body = json.dumps(_batch(2)).encode()
    response = Client().post(
        f"/hooks/{inboxes['fake'].uuid}/",
        data=body,
        content_type="application/json",
        headers=sign("fake", body),
    )
    assert response.status_code == 200
    assert sweep(stale_seconds=60) == (0, 0)
    call_command("run_worker", "--once", "--stale", "0")
    assert Message.objects.filter(channel="api").count() == 2


def test_failed_sends_retry_with_backoff_then_succeed(world, inboxes, deliver, reply, provider) -> None:
    deliver(inboxes["fake"], load("fake/text.json"))
    ticket = Ticket.objects.get(channel="api")
    provider.state.fail_next = 2
    client = world.client_for(world.agent)
    before = timezone.now()
    reply(client, ticket.pk, "جاري العمل على طلبك")
    outbound = OutboundMessage.objects.get()
    assert outbound.status == DeliveryStatus.PENDING and outbound.attempts == 1
    # The first step is 5 s, half of it fixed and half drawn at random: the retry is 2.5–5 s after the attempt.
    assert (
        before + timedelta(seconds=2.5) <= outbound.next_attempt_at <= timezone.now() + timedelta(seconds=5)
    )
    assert "HTTP 500" in outbound.last_error
    page = client.get(f"/workspace/tickets/{ticket.pk}/")
    assert b'data-status="pending"' in page.content and b'data-testid="delivery-detail"' in page.content
    assert sweep(stale_seconds=0) == (0, 0)  # not due yet
    for expected_attempts in (2, 3):
        OutboundMessage.objects.update(next_attempt_at=timezone.now())
        sweep(stale_seconds=0)
        outbound.refresh_from_db()
        assert outbound.attempts == expected_attempts
    assert outbound.status == DeliveryStatus.SENT and outbound.last_error == ""
    assert len(provider.state.sends()) == 3


def test_exhausted_retries_fail_visibly(world, inboxes, deliver, reply, provider) -> None:
    deliver(inboxes["fake"], load("fake/text.json"))
    provider.state.fail_next = 100
    reply(world.client_for(world.agent), Ticket.objects.get(channel="api").pk, "مرحبا")
    for _ in range(MAX_ATTEMPTS):
        OutboundMessage.objects.update(next_attempt_at=timezone.now())
        sweep(stale_seconds=0)
    outbound = OutboundMessage.objects.get()
    assert outbound.status == DeliveryStatus.FAILED and outbound.attempts == MAX_ATTEMPTS
    assert outbound.error_code == DeliveryError.UNREACHABLE
    assert backoff(1) < backoff(2) < backoff(3)


def test_a_refused_request_is_not_retried(world, inboxes, deliver, reply, provider) -> None:
    deliver(inboxes["fake"], load("fake/text.json"))
    provider.state.fail_next, provider.state.fail_status = 1, 400
    reply(world.client_for(world.agent), Ticket.objects.get(channel="api").pk, "مرحبا")
    outbound = OutboundMessage.objects.get()
    assert outbound.status == DeliveryStatus.FAILED and outbound.error_code == DeliveryError.PROVIDER
    assert outbound.attempts == 1


def test_replies_on_non_channel_tickets_stay_out_of_the_outbox(world, reply) -> None:
    ticket = world.ticket()
    reply(world.client_for(world.agent), ticket.pk, "رد عبر البوابة")
    assert OutboundMessage.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_in_process_background_path_processes_after_commit(settings, provider) -> None:
    from awn.connectors.services import inbox_save

    settings.AWN_TASKS_MODE = "thread"
    inbox = inbox_save(
        inbox=None,
        name="bg",
        kind="fake",
        api_base_url=f"{provider.url}/fake",
        secrets={"signing_secret": "s3"},
    )
    body = json.dumps(_batch(4)).encode()
    tasks.submitted.clear()
    response = Client().post(
        f"/hooks/{inbox.uuid}/",
        data=body,
        content_type="application/json",
        headers=sign("fake", body, secret="s3"),
    )
    assert response.status_code == 200
    assert len(tasks.submitted) == 1  # one drain job for the webhook's four events
    done, _pending = wait(list(tasks.submitted), timeout=30)
    tasks.shutdown()  # leave no pool nor sweeper thread running into other tests
    assert len(done) == 1
    assert InboundEvent.objects.filter(status=EventStatus.DONE).count() == 4
    assert Message.objects.filter(channel="api").count() == 4


def test_polled_channels_are_fetched_by_the_sweep_and_deduplicated(
    world, inboxes, provider, settings
) -> None:
    settings.AWN_TASKS_MODE = "off"
    provider.state.updates = [{"id": "mail-1", "from": "user-7", "text": "سؤال عن الجدول"}]
    poll_inboxes()
    provider.state.updates = [{"id": "mail-1", "from": "user-7", "text": "سؤال عن الجدول"}]  # fetched again
    poll_inboxes()
    call_command("run_worker", "--once", "--stale", "0")
    assert InboundEvent.objects.filter(inbox=inboxes["fake"]).count() == 1
    assert Message.objects.filter(body="سؤال عن الجدول").count() == 1


def _stored(body: str) -> bool:
    """Whether the message is there yet. The test database is SQLite's shared-cache memory: a read of a table that
    the job's open transaction writes fails at once instead of waiting (a WAL file never blocks readers)."""
    try:
        return Message.objects.filter(body=body).exists()
    except OperationalError:
        return False


@pytest.mark.django_db(transaction=True)
def test_the_embedded_sweeper_picks_up_what_a_restart_left_pending(settings, provider, monkeypatch) -> None:
    import time

    from awn.connectors.services import events_store, inbox_save

    settings.AWN_TASKS_MODE = "off"  # as if the process died before its jobs ran
    inbox = inbox_save(inbox=None, name="bg", kind="fake", secrets={"signing_secret": "s3"})
    events_store(inbox, [RawItem("left-1", {"id": "left-1", "from": "user-9", "text": "بقيت معلقة"})])
    assert InboundEvent.objects.get().status == EventStatus.PENDING
    settings.AWN_TASKS_MODE, settings.AWN_WORKER_STALE_SECONDS = "thread", 0
    monkeypatch.setattr(tasks, "FIRST_RUN_SECONDS", 0.2)
    monkeypatch.setattr(tasks, "SCHEDULER_TICK_SECONDS", 0.1)
    tasks.start()  # the restarted process
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not _stored("بقيت معلقة"):
            time.sleep(0.2)
    finally:
        tasks.shutdown()
    assert Message.objects.filter(body="بقيت معلقة").count() == 1
    assert InboundEvent.objects.get().status == EventStatus.DONE


@pytest.mark.skipif(
    not __import__("os").environ.get("DATABASE_URL", "").startswith("postgres"), reason="a PostgreSQL setting"
)
@pytest.mark.django_db(transaction=True)
def test_processing_commits_without_waiting_for_the_disk_and_nothing_else_does(
    world, inboxes, deliver, monkeypatch
) -> None:
    from django.db import connection

    seen: list[str] = []

    def look(step: str) -> None:
        if step == "contact_resolved":
            with connection.cursor() as cursor:
                cursor.execute("SHOW synchronous_commit")
                seen.append(cursor.fetchone()[0])

    monkeypatch.setattr(inbound, "fault_point", look)
    deliver(inboxes["fake"], _batch(1))
    assert seen == ["off"]  # inside the processing transaction (re-done from the durable raw event if lost)
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"  # SET LOCAL: the rest of the connection's work is untouched
