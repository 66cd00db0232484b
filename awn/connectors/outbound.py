"""Outgoing public replies: one OutboundMessage per reply, sent with retries and exponential backoff with jitter.

A send is claimed under a row lock (a lease in next_attempt_at), done outside any transaction, then recorded.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from awn.core.channels import REPLIES
from awn.core.events import publish
from awn.core.tasks import enqueue, enqueue_in
from awn.tickets.attachments import IncomingFile
from awn.tickets.models import Message

from .base import Outgoing, SendError, StatusUpdate
from .enums import DELIVERY_RANK, DeliveryError, DeliveryStatus
from .events import DeliveryStatusChanged
from .kinds import InboxKind
from .models import Conversation, Inbox, OutboundMessage
from .registry import connector_for

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
BACKOFF_BASE_SECONDS = 5
BACKOFF_MAX_SECONDS = 1800
LEASE_SECONDS = 120
SEND_JOB = "awn.connectors.tasks.send_outbound"


def backoff(attempts: int, *, draw: Callable[[], float] = random.random) -> timedelta:
    """The wait after failed attempt number `attempts`: the exponential step (5 s, 10 s, 20 s… at most 30 min),
    half of it fixed and half drawn at random ("equal jitter"), so that the replies a provider outage failed
    together do not all come back at the same second, and none comes back sooner than half the step."""
    step = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS)
    return timedelta(seconds=step / 2 + draw() * step / 2)


def conversation_for_ticket(ticket_id: int) -> Conversation | None:
    """The channel thread replies to a ticket go back through: its own or a merged ticket's, on an inbox whose
    connector sends replies (a phone call's conversation does not)."""
    return (
        Conversation.objects.select_related("inbox")
        .filter(Q(ticket_id=ticket_id) | Q(ticket__merged_into_id=ticket_id))
        .filter(inbox__kind__in=InboxKind.with_capability(REPLIES))
        .order_by("-last_inbound_at")
        .first()
    )


def outbound_create_for_reply(message_id: int) -> OutboundMessage | None:
    message = Message.objects.filter(pk=message_id).only("pk", "ticket_id").first()
    if message is None:
        return None
    conversation = conversation_for_ticket(message.ticket_id)
    if conversation is None:
        return None  # not a channel ticket: the portal/email notification covers it
    with transaction.atomic():
        outbound, created = OutboundMessage.objects.get_or_create(
            message=message,
            defaults={
                "inbox": conversation.inbox,
                "address": conversation.address,
                "next_attempt_at": timezone.now(),
            },
        )
        if created:
            enqueue(SEND_JOB, outbound.pk)
    return outbound


def window_open(inbox: Inbox, address: str) -> bool:
    hours = connector_for(inbox.kind).reply_window_hours
    if hours is None:
        return True
    last = Conversation.objects.filter(inbox=inbox, address=address).aggregate(last=Max("last_inbound_at"))[
        "last"
    ]
    return last is not None and timezone.now() - last < timedelta(hours=hours)


def _claim(outbound_id: int) -> OutboundMessage | None:
    now = timezone.now()
    with transaction.atomic():
        row = (
            OutboundMessage.objects.select_for_update()
            .select_related("inbox", "message")
            .filter(pk=outbound_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if row is None:
            return None
        OutboundMessage.objects.filter(pk=row.pk).update(
            attempts=F("attempts") + 1, next_attempt_at=now + timedelta(seconds=LEASE_SECONDS)
        )
    row.attempts += 1
    return row


def _attachments(message: Message) -> tuple[IncomingFile, ...]:
    files = []
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as handle:
            files.append(IncomingFile(name=attachment.filename, content=handle.read()))
    return tuple(files)


def outbound_send(outbound_id: int) -> None:
    row = _claim(outbound_id)
    if row is None:
        return
    inbox = row.inbox
    if not inbox.is_active:
        _fail(row, DeliveryError.NO_INBOX, "inbox disabled")
        return
    connector = connector_for(inbox.kind)
    template = ""
    if not window_open(inbox, row.address):
        template = inbox.settings.get("template_name", "")
        if not template:
            _fail(row, DeliveryError.WINDOW_CLOSED, "outside the 24-hour customer-service window")
            return
    outgoing = Outgoing(
        address=row.address,
        text=row.message.body,
        attachments=_attachments(row.message),
        template=template,
        template_language=inbox.settings.get("template_language", "ar") or "ar",
        ticket_id=row.message.ticket_id,
        message_id=row.message_id,
    )
    try:
        provider_id = connector.send(inbox, outgoing)
    except SendError as exc:
        if exc.retryable and row.attempts < MAX_ATTEMPTS:
            delay = backoff(row.attempts)
            if exc.retry_after is not None:  # a 429/503 that says when: never sooner than the provider asked
                delay = max(delay, timedelta(seconds=exc.retry_after))
            OutboundMessage.objects.filter(pk=row.pk).update(
                last_error=str(exc)[:300], next_attempt_at=timezone.now() + delay
            )
            logger.warning(
                "outbound %s attempt %s failed, retry in %.1fs: %s",
                row.pk,
                row.attempts,
                delay.total_seconds(),
                exc,
            )
            enqueue_in(SEND_JOB, row.pk, seconds=delay.total_seconds())
        else:
            code = DeliveryError.UNREACHABLE if exc.retryable else DeliveryError.PROVIDER
            _fail(row, code, str(exc))
        return
    with transaction.atomic():
        OutboundMessage.objects.filter(pk=row.pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENT,
            provider_message_id=provider_id[:200],
            sent_at=timezone.now(),
            as_template=bool(template),
            last_error="",
        )
        publish(
            DeliveryStatusChanged(ticket_id=row.message.ticket_id, message_id=row.message_id, status="sent")
        )


def _fail(row: OutboundMessage, code: str, error: str) -> None:
    logger.warning("outbound %s failed for good (%s): %s", row.pk, code, error)
    with transaction.atomic():
        OutboundMessage.objects.filter(pk=row.pk).update(
            status=DeliveryStatus.FAILED, error_code=code, last_error=error[:300]
        )
        publish(
            DeliveryStatusChanged(ticket_id=row.message.ticket_id, message_id=row.message_id, status="failed")
        )


def outbound_retry(outbound_id: int) -> bool:
    """Send a failed reply again (an agent's decision on the dead-letter list): a fresh set of attempts. Only a
    failed row moves, once: a second click, or a row another agent already re-sent, changes nothing."""
    with transaction.atomic():
        moved = OutboundMessage.objects.filter(pk=outbound_id, status=DeliveryStatus.FAILED).update(
            status=DeliveryStatus.PENDING, attempts=0, error_code="", next_attempt_at=timezone.now()
        )
        if moved:
            enqueue(SEND_JOB, outbound_id)
    return bool(moved)


class UnknownProviderMessage(Exception):
    """A status callback for a send not recorded yet (the callback outran our write): retried later."""


def delivery_status_apply(inbox: Inbox, update: StatusUpdate) -> bool:
    """A provider's status callback; a status only moves forward. Call inside a transaction."""
    if update.status not in DELIVERY_RANK:
        return False
    row = (
        OutboundMessage.objects.select_for_update()
        .select_related("message")
        .filter(inbox=inbox, provider_message_id=update.provider_message_id)
        .first()
    )
    if row is None:
        raise UnknownProviderMessage(update.provider_message_id)
    if DELIVERY_RANK[update.status] <= DELIVERY_RANK[row.status]:  # type: ignore[index]
        return False
    now = timezone.now()
    changes: dict[str, object] = {"status": update.status}
    if update.status == DeliveryStatus.DELIVERED:
        changes["delivered_at"] = now
    elif update.status == DeliveryStatus.READ:
        changes["read_at"] = now
        if row.delivered_at is None:
            changes["delivered_at"] = now
    elif update.status == DeliveryStatus.FAILED:
        changes.update(error_code=DeliveryError.PROVIDER, last_error=update.error[:300])
    OutboundMessage.objects.filter(pk=row.pk).update(**changes)
    publish(
        DeliveryStatusChanged(
            ticket_id=row.message.ticket_id, message_id=row.message_id, status=update.status
        )
    )
    return True
