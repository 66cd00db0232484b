"""SLA jobs: the warning and breach scan (every minute, config/schedule.py) and the recomputation of open tickets'
due times after a policy, calendar or holiday edit."""

from __future__ import annotations

from awn.core.tasks import job

from .scan import sla_scan


@job()
def scan() -> None:
    sla_scan()
