"""The notification outbox: the email row is written in the reply's own transaction, sent by a job once it
commits, retried with backoff on a transport error, and failed (visible on the ticket) after its last attempt."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from awn.core.leases import claim_attempt
from awn.notifications import services
from awn.notifications.models import Notification, NotificationStatus
from awn.notifications.services import MAX_ATTEMPTS, backoff, notification_send
from awn.notifications.tasks import sweep
from awn.tickets.enums import MessageKind, Status
from awn.tickets.services import ticket_add_message, ticket_update


class BrokenSMTP(Exception):
    pass


@pytest.fixture
def smtp_down(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    tried: list[str] = []

    def refuse(subject: str, *args: Any, **kwargs: Any) -> None:
        tried.append(subject)
        raise BrokenSMTP("421 service not available")

    monkeypatch.setattr(services, "send_mail", refuse)
    return tried


def _reply(world: Any, ticket: Any, body: str = "تم تحديث رقم الجوال") -> Any:
    return ticket_add_message(ticket=ticket, body=body, actor=world.agent, kind=MessageKind.REPLY)


def test_the_backoff_doubles_from_ten_seconds_and_stops_at_an_hour() -> None:
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert backoff(9).total_seconds() == 2560
    assert backoff(10).total_seconds() == 3600 and backoff(30).total_seconds() == 3600


def test_a_reply_writes_its_email_row_in_the_same_transaction(world: Any) -> None:
    ticket = world.ticket()
    with pytest.raises(RuntimeError), transaction.atomic():
        _reply(world, ticket)
        assert Notification.objects.filter(ticket_id=ticket.pk).count() == 1  # inside, before any commit
        raise RuntimeError("the request failed after the reply")
    assert not Notification.objects.exists()  # rolled back with the reply: no email about a reply nobody sees


def test_the_email_is_sent_once_after_commit(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    ticket = world.ticket()
    with django_capture_on_commit_callbacks(execute=True):
        _reply(world, ticket)
    row = Notification.objects.get(ticket_id=ticket.pk)
    assert row.status == NotificationStatus.SENT and row.attempts == 1
    assert [m.to for m in mail.outbox] == [[world.parent.email]]
    assert notification_send(row.pk) is False  # a redelivered job: nothing sent again
    assert sweep() == 0
    assert len(mail.outbox) == 1


def test_a_transport_error_is_retried_with_backoff_then_fails_visibly(
    world: Any, smtp_down: list[str], django_capture_on_commit_callbacks: Any
) -> None:
    ticket = world.ticket()
    with django_capture_on_commit_callbacks(execute=True):
        _reply(world, ticket)
    row = Notification.objects.get(ticket_id=ticket.pk)
    assert row.status == NotificationStatus.PENDING and row.attempts == 1
    assert "421" in row.last_error
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=8)  # backoff(1) = 10 s
    assert sweep() == 0  # not due yet
    for attempt in range(2, MAX_ATTEMPTS + 1):
        Notification.objects.update(next_attempt_at=timezone.now())
        assert sweep() == 1
        row.refresh_from_db()
        assert row.attempts == attempt
    assert row.status == NotificationStatus.FAILED and len(smtp_down) == MAX_ATTEMPTS
    Notification.objects.update(next_attempt_at=timezone.now())
    assert sweep() == 0  # failed rows are not retried any more
    page = world.client_for(world.agent).get(f"/workspace/tickets/{ticket.pk}/")
    assert b'data-testid="notification-failed"' in page.content
    assert "421 service not available" in page.content.decode()


def _claim(pk: int) -> Notification | None:
    return claim_attempt(
        Notification.objects.all(),
        pk,
        pending=NotificationStatus.PENDING,
        now=timezone.now(),
        lease_seconds=services.LEASE_SECONDS,
    )


def test_a_send_in_flight_is_not_taken_twice(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ticket = world.ticket()
    _reply(world, ticket)  # the test's transaction never commits: the row waits, as after a crash
    row = Notification.objects.get(ticket_id=ticket.pk)
    claimed = _claim(row.pk)
    assert claimed is not None and claimed.attempts == 1
    assert _claim(row.pk) is None  # leased: a second worker (or a redelivery) skips it
    assert sweep() == 0
    Notification.objects.update(next_attempt_at=timezone.now())  # the lease ran out: the worker died mid-send
    assert sweep() == 1
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT and row.attempts == 2


def test_the_resolved_email_is_written_once_per_resolution(world: Any) -> None:
    ticket = world.ticket()
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.RESOLVED})
    rows = Notification.objects.filter(ticket_id=ticket.pk)
    assert rows.count() == 1 and rows.get().status == NotificationStatus.PENDING


def test_no_address_no_row(world: Any) -> None:
    world.parent.email = ""
    world.parent.save()
    _reply(world, world.ticket())
    assert not Notification.objects.exists()


def test_the_resolved_email_dates_the_ticket_in_the_requesters_digits_with_the_hijri_date(world: Any) -> None:
    """Issue 13, defect 8: emails go through the formatting layer, Gregorian with the Hijri date beside it, in the
    digits the requester chose in the portal (kept on their user)."""
    from datetime import UTC, datetime

    from awn.core.formatting import Digits
    from awn.tickets.models import Ticket

    world.parent_user.digits = Digits.ARABIC_INDIC
    world.parent_user.save(update_fields=["digits"])
    ticket = world.ticket()
    Ticket.objects.filter(pk=ticket.pk).update(created_at=datetime(2027, 3, 9, 6, 0, tzinfo=UTC))
    ticket.refresh_from_db()
    ticket_update(ticket=ticket, actor=world.agent, changes={"status": Status.RESOLVED})
    body = Notification.objects.get(dedupe_key__startswith=f"resolved:{ticket.pk}:").body
    assert "٢٠٢٧-٠٣-٠٩ ٠٩:٠٠ · ١ شوال ١٤٤٨هـ" in body
    world.parent_user.digits = ""
    world.parent_user.save(update_fields=["digits"])
    other = world.ticket()
    Ticket.objects.filter(pk=other.pk).update(created_at=datetime(2027, 3, 9, 6, 0, tzinfo=UTC))
    other.refresh_from_db()
    ticket_update(ticket=other, actor=world.agent, changes={"status": Status.RESOLVED})
    assert (
        "2027-03-09 09:00 · 1 شوال 1448هـ"
        in Notification.objects.get(dedupe_key__startswith=f"resolved:{other.pk}:").body
    )
