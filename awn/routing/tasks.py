"""Jobs of routing (config/schedule.py)."""

from __future__ import annotations

from awn.core.tasks import job

from . import services


@job()
def rollup_volumes() -> None:
    """Recount the contacts per channel and half-hour of the last two days (the forecast's history)."""
    services.volumes_rollup_recent()
