"""Reports read from a PostgreSQL replica (AWN_REPORTS_DATABASE_URL): the `reports` database alias.

Only the reads of a report request go there: a GET under AWN_REPORTS_PATHS (the analytics pages by default),
outside any transaction. Everything else, and every write, stays on `default`, so a write is never followed by a
stale read of its own row. Without the setting the router answers None and Django uses `default`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest

REPORTS_ALIAS = "reports"
_reading_reports: ContextVar[bool] = ContextVar("awn_reading_reports", default=False)


def replica_configured() -> bool:
    return REPORTS_ALIAS in settings.DATABASES


def is_report_request(request: HttpRequest) -> bool:
    prefixes = tuple(getattr(settings, "AWN_REPORTS_PATHS", ("/workspace/analytics/",)))
    return request.method in ("GET", "HEAD") and request.path.startswith(prefixes)


@contextmanager
def reading_reports(active: bool = True) -> Iterator[None]:
    token = _reading_reports.set(active)
    try:
        yield
    finally:
        _reading_reports.reset(token)


class ReportsReplicaRouter:
    """Sends a report request's reads to the replica; no opinion on anything else."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if not (_reading_reports.get() and replica_configured()):
            return None
        if connections["default"].in_atomic_block:
            return None  # inside a transaction on the primary: read what it wrote
        return REPORTS_ALIAS

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if db == REPORTS_ALIAS:
            return False  # the replica follows the primary by streaming: never migrate it
        return None


def reports_middleware_scope(request: HttpRequest, call: Callable[[], Any]) -> Any:
    """Run `call` with the report reads sent to the replica when this request is a report's and one is set."""
    if replica_configured() and is_report_request(request):
        with reading_reports():
            return call()
    return call()
