"""Reactions to ticket events (wired in config/event_subscriptions.py): the tickets app never imports us."""

from __future__ import annotations

from awn.crm.events import ContactErased
from awn.tickets.events import ReplySent

from .outbound import outbound_create_for_reply
from .services import identities_erase_contact


def on_reply_sent(event: ReplySent) -> None:
    outbound_create_for_reply(event.message_id)


def on_contact_erased(event: ContactErased) -> None:
    identities_erase_contact(event.contact_id)
