"""How tickets react to other domains' events (listed in config/event_subscriptions.py)."""

from __future__ import annotations

from awn.crm.events import ContactMerged

from .services import tickets_move_contact


def on_contact_merged(event: ContactMerged) -> None:
    tickets_move_contact(source_id=event.source_id, target_id=event.target_id)
