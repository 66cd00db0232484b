"""Shared by the SLA tests: a Riyadh clock the tests set, and the targets of the default policy they use."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

RIYADH = timezone(timedelta(hours=3))
HOUR = 3600


def riyadh(*args: int) -> datetime:
    return datetime(*args, tzinfo=RIYADH)  # type: ignore[arg-type, misc]


def business(minutes: int) -> dict[str, object]:
    return {"minutes": minutes, "business": True}


# normal: first reply 1 h, next reply 2 h, resolution 8 h (one working day), requester wait 8 h, all business
# time; urgent: first reply 30 min, resolution 2 h.
NORMAL = {
    "first_reply": business(60),
    "next_reply": business(120),
    "resolution": business(480),
    "requester_wait": business(480),
}
URGENT = {"first_reply": business(30), "next_reply": business(30), "resolution": business(120)}


class Now:
    """Replaces awn.sla.clocks.current_time; starts on Sunday 2026-12-06 09:00 in Riyadh."""

    def __init__(self) -> None:
        self.value = riyadh(2026, 12, 6, 9, 0)

    def __call__(self) -> datetime:
        return self.value
