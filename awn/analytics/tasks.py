"""Jobs of the analytics app (each idempotent)."""

from __future__ import annotations

from awn.core.tasks import job

from .scheduled import reports_send_due
from .services import rollup_deltas_fold_all


@job(queue="outbound")
def send_scheduled_reports() -> int:
    """Periodic (config/schedule.py): the weekly and monthly reports due, each period once."""
    return reports_send_due()


@job(queue="default")
def fold_rollups() -> int:
    """Pending rollup deltas into the rollup rows (services.rollup_deltas_fold): asked for after an intake commit
    (batched, services.FOLD_DELAY_SECONDS) and periodic (config/schedule.py) for what is left. Two at once never
    fold the same delta (SKIP LOCKED)."""
    return rollup_deltas_fold_all()
