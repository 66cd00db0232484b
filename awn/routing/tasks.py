"""Jobs of routing (config/schedule.py)."""

from __future__ import annotations

from awn.core.tasks import job

from . import services


@job()
def rollup_volumes() -> None:
    """Recount the contacts per channel and half-hour of the last two days (the forecast's history)."""
    services.volumes_rollup_recent()


@job()
def presence_sweep() -> None:
    """Online agents idle for AWN_ROUTING_AWAY_MINUTES become away; no page open for AWN_ROUTING_OFFLINE_MINUTES,
    offline."""
    services.presence_sweep()
