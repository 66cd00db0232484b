"""Reactions to ticket events (config/event_subscriptions.py): the tickets app never imports chat."""

from __future__ import annotations

from awn.crm.events import ContactErased
from awn.tickets.events import ReplySent

from .services import chat_line_for_reply, chats_erase_contact


def on_reply_sent(event: ReplySent) -> None:
    """A reply written on the ticket page of a live chat also reaches the visitor's socket."""
    chat_line_for_reply(event.message_id)


def on_contact_erased(event: ContactErased) -> None:
    chats_erase_contact(event.contact_id)
