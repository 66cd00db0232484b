"""Periodic knowledge-base jobs: the retention of users' learned questions."""

from __future__ import annotations

import threading
import time

from .services import article_questions_expire

EXPIRE_EVERY_SECONDS = 3600  # the sweepers run every few seconds; the retention needs no more than hourly
_last_expiry: float | None = None
_lock = threading.Lock()


def expire_learned_questions(*, force: bool = False) -> int:
    """Delete learned questions past their retention, at most once an hour per process; how many."""
    global _last_expiry
    with _lock:
        now = time.monotonic()
        if not force and _last_expiry is not None and now - _last_expiry < EXPIRE_EVERY_SECONDS:
            return 0
        _last_expiry = now
    return article_questions_expire()
