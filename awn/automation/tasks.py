"""Automation jobs: the time-based rules (config/schedule.py, every few minutes)."""

from __future__ import annotations

from awn.core.tasks import job

from .services import time_rules_run


@job()
def time_rules() -> None:
    time_rules_run()
