"""Jobs of the analytics app (each idempotent)."""

from __future__ import annotations

from awn.core.tasks import job

from .scheduled import reports_send_due


@job(queue="outbound")
def send_scheduled_reports() -> int:
    """Periodic (config/schedule.py): the weekly and monthly reports due, each period once."""
    return reports_send_due()
