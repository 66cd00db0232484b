"""Periodic accounts jobs: forget sessions that have ended on their own."""

from __future__ import annotations

from awn.core.tasks import job

from .services import signed_in_sessions_prune


@job()
def prune_signed_in_sessions() -> int:
    """Drop the registry rows of sessions past their expiry (config/schedule.py runs it hourly); how many."""
    return signed_in_sessions_prune()
