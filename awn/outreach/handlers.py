"""Reactions of proactive outreach (wired in config/event_subscriptions.py)."""

from __future__ import annotations

from awn.connectors.events import DeliveryStatusChanged
from awn.core.tasks import enqueue
from awn.tickets.events import MessageReceived
from awn.tickets.models import Message

from .services import OPT_OUT_JOB, is_stop_word, recipient_delivery_update


def on_message_received(event: MessageReceived) -> None:
    """on_commit: a customer's message that reads as STOP may opt them out (a job decides); any other message
    costs one read by primary key and no job."""
    body = Message.objects.filter(pk=event.message_id).values_list("body", flat=True).first()
    if body and is_stop_word(body):
        enqueue(OPT_OUT_JOB, event.message_id)


def on_delivery_status_changed(event: DeliveryStatusChanged) -> None:
    """sync: an outreach message's delivery status (delivered, read, failed) on its recipient row."""
    recipient_delivery_update(event.message_id, event.status)
