"""Reactions of routing to other apps' events (config/event_subscriptions.py)."""

from __future__ import annotations

from awn.accounts.events import UserSignedIn, UserSignedOut

from . import services


def on_user_signed_in(event: UserSignedIn) -> None:
    services.signed_in(event.user_id)


def on_user_signed_out(event: UserSignedOut) -> None:
    services.signed_out(event.user_id)
