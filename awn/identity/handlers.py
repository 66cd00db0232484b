"""Reactions of awn/identity to other domains' events (declared in config/event_subscriptions.py)."""

from __future__ import annotations

from awn.crm.events import ContactErased

from .services import sign_in_ways_erase


def on_contact_erased(event: ContactErased) -> None:
    sign_in_ways_erase(event.contact_id)
