"""How tickets react to other domains' events (listed in config/event_subscriptions.py)."""

from __future__ import annotations

from awn.crm.events import ContactErased, ContactMerged

from .services import tickets_erase_contact, tickets_move_contact


def on_contact_merged(event: ContactMerged) -> None:
    tickets_move_contact(source_id=event.source_id, target_id=event.target_id)


def on_contact_erased(event: ContactErased) -> None:
    tickets_erase_contact(contact_id=event.contact_id)
