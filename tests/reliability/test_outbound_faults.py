"""R5: an outgoing provider that answers 500, 429 or not at all. Backoff with jitter, a capped number of attempts,
then the reply is on the dead-letter list the agents see, and "send again" delivers it once the provider is back.
The provider is a scripted HTTP server on 127.0.0.1 (tests/reliability/fake_provider.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from awn.connectors import http as provider_http
from awn.connectors import outbound
from awn.connectors.enums import DeliveryError, DeliveryStatus
from awn.connectors.http import retry_after_seconds
from awn.connectors.models import Conversation, OutboundMessage
from awn.connectors.services import inbox_save
from awn.tickets.models import Ticket

from .fake_provider import OK, ScriptedProvider, stall, status, throttle

SECRET = "reliability-fake-secret"

# The schedule the backoff promises, written out by hand: base 5 s doubling, at most 30 minutes.
EXPECTED_STEPS = {1: 5, 2: 10, 3: 20, 4: 40, 5: 80, 6: 160, 10: 1800, 20: 1800}


@pytest.mark.parametrize(("attempt", "step"), sorted(EXPECTED_STEPS.items()))
def test_backoff_stays_between_half_the_step_and_the_step(attempt: int, step: int) -> None:
    assert outbound.backoff(attempt, draw=lambda: 0.0) == timedelta(seconds=step / 2)
    assert outbound.backoff(attempt, draw=lambda: 1.0) == timedelta(seconds=step)
    assert outbound.backoff(attempt, draw=lambda: 0.5) == timedelta(seconds=step * 3 / 4)


def test_backoff_jitter_spreads_retries_that_failed_together() -> None:
    """1,000 replies failed by the same outage at attempt 3 (step 20 s) must not come back together."""
    rng = random.Random(7)
    delays = [outbound.backoff(3, draw=rng.random).total_seconds() for _ in range(1000)]
    assert min(delays) >= 10 and max(delays) <= 20
    # Spread over the window: no one-second slot holds more than a fifth of them, and both halves are used.
    slots = [int(d) for d in delays]
    assert max(slots.count(s) for s in set(slots)) < 200
    assert sum(d < 15 for d in delays) > 300 and sum(d >= 15 for d in delays) > 300


@pytest.fixture(autouse=True)
def _inline_jobs(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.AWN_TASKS_MODE = "sync"
    settings.AWN_ASSISTANT_FIRST_CHANNELS = ()
    monkeypatch.setattr(provider_http, "TIMEOUT", 0.5)  # a stalled provider costs the test half a second


def _signed_post(inbox: Any, payload: dict[str, Any], capture: Any) -> Any:
    body = json.dumps(payload, ensure_ascii=False).encode()
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    with capture(execute=True):
        return Client().post(
            f"/hooks/{inbox.uuid}/",
            data=body,
            content_type="application/json",
            headers={"X-Fake-Signature": signature},
        )


def _channel_ticket(world: Any, provider: ScriptedProvider, capture: Any) -> tuple[Any, Ticket]:
    inbox = inbox_save(
        inbox=None,
        name="قناة اختبار",
        kind="fake",
        api_base_url=provider.url,
        secrets={"signing_secret": SECRET},
    )
    event = {"id": "in-1", "from": "966500000001", "name": "ولي أمر", "text": "لم تصلني النتيجة"}
    assert _signed_post(inbox, {"events": [event]}, capture).status_code == 200
    response_ok = Conversation.objects.filter(inbox=inbox).select_related("ticket").first()
    assert response_ok is not None, "the inbound event made no conversation"
    return inbox, response_ok.ticket


def _reply(world: Any, ticket: Ticket, capture: Any) -> OutboundMessage:
    with capture(execute=True):
        response = world.client_for(world.agent).post(
            f"/workspace/tickets/{ticket.pk}/messages/", {"body": "تم إرسال النتيجة", "kind": "reply"}
        )
    assert response.status_code in (200, 302)
    return OutboundMessage.objects.get(message__ticket=ticket)


def _due_now(row: OutboundMessage) -> None:
    """Time passes: the retry's moment has come (what the sweep of a worker then picks up)."""
    OutboundMessage.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_500_429_and_timeouts_are_retried_with_jitter_then_dead_lettered_then_sent_again(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    failures = [status(500), status(429), stall(1.5), status(503), status(500), status(429)]
    with ScriptedProvider([*failures, OK]) as provider:
        _inbox, ticket = _channel_ticket(world, provider, django_capture_on_commit_callbacks)
        row = _reply(world, ticket, django_capture_on_commit_callbacks)  # attempt 1 runs after the commit
        waits = []
        for attempt in range(1, outbound.MAX_ATTEMPTS):
            row.refresh_from_db()
            assert row.status == DeliveryStatus.PENDING, attempt
            assert row.attempts == attempt
            wait = (row.next_attempt_at - timezone.now()).total_seconds()
            step = EXPECTED_STEPS[attempt]
            assert step / 2 - 2 <= wait <= step + 1, (attempt, wait)  # equal jitter, a second of slack
            waits.append(wait)
            _due_now(row)
            outbound.outbound_send(row.pk)
        row.refresh_from_db()
        # Capped: six attempts, each one request, then no more.
        assert row.attempts == outbound.MAX_ATTEMPTS == 6
        assert row.status == DeliveryStatus.FAILED
        assert row.error_code == DeliveryError.UNREACHABLE
        assert len(provider.received) == 6
        _due_now(row)
        outbound.outbound_send(row.pk)  # a stray nudge of a failed row sends nothing
        assert len(provider.received) == 6

        # The dead-letter list: the agent sees it (with why), a customer does not, and "send again" delivers it.
        agent = world.client_for(world.agent)
        page = agent.get("/workspace/ops/failed-deliveries/")
        assert page.status_code == 200
        assert ticket.reference in page.content.decode()
        assert page.content.decode().count('data-testid="failed-delivery"') == 1
        assert world.client_for(world.parent_user).get("/workspace/ops/failed-deliveries/").status_code in (
            302,
            403,
            404,
        )
        with django_capture_on_commit_callbacks(execute=True):
            again = agent.post(f"/workspace/ops/failed-deliveries/{row.pk}/retry/")
        assert again.status_code == 302
        row.refresh_from_db()
        assert row.status == DeliveryStatus.SENT and row.attempts == 1
        assert len(provider.received) == 7
        # Clicked twice (or by two agents): the row is no longer failed, nothing is sent again.
        assert agent.post(f"/workspace/ops/failed-deliveries/{row.pk}/retry/").status_code == 404
        assert len(provider.received) == 7
        assert (
            'data-testid="no-failed-deliveries"'
            in agent.get("/workspace/ops/failed-deliveries/").content.decode()
        )


@pytest.mark.django_db(transaction=True)
def test_a_provider_back_before_the_cap_gets_the_reply_once(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with ScriptedProvider([status(500), status(429), OK]) as provider:
        _inbox, ticket = _channel_ticket(world, provider, django_capture_on_commit_callbacks)
        row = _reply(world, ticket, django_capture_on_commit_callbacks)
        for _ in range(3):
            _due_now(row)
            outbound.outbound_send(row.pk)
        row.refresh_from_db()
        assert row.status == DeliveryStatus.SENT
        assert row.attempts == 3
        assert len(provider.received) == 3  # the fourth call found the row sent and did nothing


@pytest.mark.django_db(transaction=True)
def test_a_4xx_refusal_is_not_retried_and_an_agent_outside_the_ticket_cannot_see_or_resend_it(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with ScriptedProvider([status(400)]) as provider:
        _inbox, ticket = _channel_ticket(world, provider, django_capture_on_commit_callbacks)
        Ticket.objects.filter(pk=ticket.pk).update(category="results_certificates", team=None)
        row = _reply(world, ticket, django_capture_on_commit_callbacks)
        row.refresh_from_db()
        assert row.status == DeliveryStatus.FAILED and row.attempts == 1
        assert row.error_code == DeliveryError.PROVIDER
        # The outsourced agent covers account access only: the failed reply is not theirs to see.
        vendor = world.client_for(world.vendor_agent)
        assert ticket.reference not in vendor.get("/workspace/ops/failed-deliveries/").content.decode()
        assert vendor.post(f"/workspace/ops/failed-deliveries/{row.pk}/retry/").status_code == 404
        row.refresh_from_db()
        assert row.status == DeliveryStatus.FAILED
        assert len(provider.received) == 1


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("99999", 3600.0),
        ("-3", None),
        ("nan", None),
        ("Wed, 21 Oct 2026 07:28:00 GMT", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_is_read_in_seconds_and_capped_at_an_hour(
    header: str | None, seconds: float | None
) -> None:
    assert retry_after_seconds(header) == seconds


@pytest.mark.django_db(transaction=True)
def test_a_429_with_retry_after_waits_at_least_that_long(
    world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with ScriptedProvider([throttle(120), OK]) as provider:
        _inbox, ticket = _channel_ticket(world, provider, django_capture_on_commit_callbacks)
        row = _reply(world, ticket, django_capture_on_commit_callbacks)
        row.refresh_from_db()
        wait = (row.next_attempt_at - timezone.now()).total_seconds()
        assert row.status == DeliveryStatus.PENDING and row.attempts == 1
        assert 118 <= wait <= 121  # the provider's 120 s, not the 2.5-5 s of the first backoff step
        _due_now(row)
        outbound.outbound_send(row.pk)
        row.refresh_from_db()
        assert row.status == DeliveryStatus.SENT and len(provider.received) == 2
