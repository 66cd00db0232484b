"""Background jobs of the privacy app (declared in config/schedule.py)."""

from __future__ import annotations

import logging

from awn.core.tasks import job

from . import retention

logger = logging.getLogger(__name__)


@job()
def apply_retention() -> int:
    """Empty the personal data past its retention period (hourly); how many rows."""
    done = retention.apply_retention()
    if any(done.values()):
        logger.info("retention: %s", done)
    return sum(done.values())
