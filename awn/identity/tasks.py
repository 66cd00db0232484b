"""Periodic identity jobs: one-time codes past their life are deleted."""

from __future__ import annotations

from awn.core.tasks import job

from .services import codes_prune


@job()
def prune_codes() -> int:
    """Delete one-time codes a day past their expiry (config/schedule.py runs it hourly); how many."""
    return codes_prune()
