"""The id of the request a piece of work comes from, for logs: set per request (awn/ops middleware, from the
X-Request-ID header or a new one) and carried into the background jobs it enqueues (awn/core/tasks.py)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar[str] = ContextVar("awn_request_id", default="")
# What a client or a proxy may send: short and plain, so it can never forge a log line or a header.
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def get() -> str:
    return _current.get()


def new() -> str:
    return uuid.uuid4().hex


def clean(value: str | None) -> str:
    """The given id when it is acceptable, else a new one."""
    return value if value and _ACCEPTED.fullmatch(value) else new()


@contextmanager
def bound(value: str) -> Iterator[str]:
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)


def bind_worker(value: str) -> None:
    """Set the id for what this thread runs next (a Celery worker, before each job)."""
    _current.set(value)
