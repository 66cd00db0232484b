"""Reactions to ticket events (wired in config/event_subscriptions.py): the tickets app never imports us."""

from __future__ import annotations

from awn.tickets.events import ReplySent

from .outbound import outbound_create_for_reply


def on_reply_sent(event: ReplySent) -> None:
    outbound_create_for_reply(event.message_id)
