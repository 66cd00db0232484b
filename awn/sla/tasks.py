"""SLA jobs: the warning and breach scan (every minute, config/schedule.py) and the recomputation of open tickets'
due times after a policy, calendar or holiday edit."""

from __future__ import annotations

from awn.core.tasks import job

from .recompute import recompute_run, resume_stalled
from .scan import sla_scan


@job()
def scan() -> None:
    sla_scan()


@job()
def recompute(run_id: int) -> None:
    recompute_run(run_id)


@job()
def resume_recomputes() -> None:
    """Recomputations a crash or a lost message left running continue from their last batch."""
    resume_stalled()
