"""Jobs of live screens (config/schedule.py)."""

from __future__ import annotations

from awn.core.tasks import job

from . import services


@job()
def sweep() -> None:
    """Forget the sockets of a process that died without closing them, and notifications past their age."""
    services.sweep()
