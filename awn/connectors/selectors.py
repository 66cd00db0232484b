"""Reads for pages: inboxes, which secrets are set (never their values), deliveries of a ticket."""

from __future__ import annotations

import time
import uuid
from collections import Counter

from django.db.models import Count, QuerySet

from awn.tickets.models import Ticket

from .enums import DeliveryStatus, EventStatus
from .models import Conversation, InboundEvent, Inbox, OutboundMessage
from .outbound import conversation_for_ticket, window_open
from .secrets import decrypt_secrets

# Webhooks look their inbox up on every request; a few seconds of staleness (an inbox disabled or a secret changed
# in another process) buys one database round trip less per webhook. Only found inboxes are cached.
INBOX_CACHE_SECONDS = 5.0
_inbox_cache: dict[uuid.UUID, tuple[float, Inbox]] = {}


def inbox_for_webhook(inbox_uuid: uuid.UUID) -> Inbox | None:
    now = time.monotonic()
    cached = _inbox_cache.get(inbox_uuid)
    if cached is not None and cached[0] > now:
        return cached[1]
    inbox = Inbox.objects.filter(uuid=inbox_uuid, is_active=True).first()
    if inbox is None:
        _inbox_cache.pop(inbox_uuid, None)
        return None
    if len(_inbox_cache) > 1000:
        _inbox_cache.clear()
    _inbox_cache[inbox_uuid] = (now + INBOX_CACHE_SECONDS, inbox)
    return inbox


def inbox_cache_clear() -> None:
    _inbox_cache.clear()


def inbox_list() -> QuerySet[Inbox]:
    return Inbox.objects.order_by("name")


def inbox_health() -> dict[int, dict[str, int]]:
    """Per inbox: raw events waiting or failed, and replies that could not be delivered (for the admin list)."""
    health: dict[int, Counter[str]] = {}
    events = (
        InboundEvent.objects.filter(status__in=(EventStatus.PENDING, EventStatus.FAILED))
        .values("inbox_id", "status")
        .annotate(n=Count("id"))
    )
    for row in events:
        health.setdefault(row["inbox_id"], Counter())[f"events_{row['status']}"] = row["n"]
    deliveries = (
        OutboundMessage.objects.filter(status=DeliveryStatus.FAILED)
        .values("inbox_id")
        .annotate(n=Count("id"))
    )
    for delivery in deliveries:
        health.setdefault(delivery["inbox_id"], Counter())["deliveries_failed"] = delivery["n"]
    return {inbox_id: dict(counts) for inbox_id, counts in health.items()}


def secrets_set(inbox: Inbox) -> set[str]:
    return set(decrypt_secrets(inbox.secrets_encrypted))


def deliveries_for_messages(message_ids: list[int]) -> dict[int, OutboundMessage]:
    return {o.message_id: o for o in OutboundMessage.objects.filter(message_id__in=message_ids)}


def channel_state_for_ticket(ticket_id: int) -> dict[str, object] | None:
    """Where replies to this ticket go, and whether WhatsApp's window still allows a free-form reply."""
    conversation = conversation_for_ticket(ticket_id)
    if conversation is None:
        return None
    inbox = conversation.inbox
    return {
        "inbox": inbox,
        "window_open": window_open(inbox, conversation.address),
        "has_template": bool(inbox.settings.get("template_name")),
    }


def phone_call_ticket(inbox: Inbox, call_id: str) -> Ticket | None:
    """The ticket of an earlier event of the call `call_id` on this voice inbox, if any."""
    conversation = (
        Conversation.objects.select_related("ticket").filter(inbox=inbox, external_id=call_id).first()
    )
    return conversation.ticket if conversation is not None else None
