"""Liveness and readiness: what a load balancer, an orchestrator and the operations page ask of a process.

- liveness (`/health`): the process answers. No database, no network: a database outage must not make an
  orchestrator restart every healthy web process.
- readiness (`/ready`): the process can serve now. Each check has a short timeout and reports only a status, a
  duration and a short reason (an exception class, a count): never a host name, a password or a person's data.

Which failing checks make the process unready (HTTP 503) is AWN_READY_CRITICAL (default: database, cache,
disk). The others (worker lag, channel listeners) are reported and make the status "degraded" with HTTP 200: a
worker that is behind does not get better when every web process leaves the load balancer.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connections, transaction
from django.utils import timezone

OK = "ok"
FAIL = "fail"
SKIPPED = "skipped"  # not configured in this deployment (no Redis, no broker)

# The worker's lag: the age of the oldest row that a job should already have taken up.
LAG_SOURCES = ("inbound_events", "outgoing_messages", "notifications")


@dataclass
class CheckResult:
    name: str
    status: str
    ms: float = 0.0
    detail: str = ""
    critical: bool = True
    values: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        del data["name"]
        if not data["values"]:
            del data["values"]
        if not data["detail"]:
            del data["detail"]
        return data


@dataclass
class Readiness:
    status: str  # ok, degraded (a non-critical check failed) or fail
    checks: list[CheckResult]

    @property
    def ready(self) -> bool:
        return self.status != FAIL

    @property
    def failing(self) -> list[str]:
        return [c.name for c in self.checks if c.status == FAIL]

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "failing": self.failing,
            "checks": {c.name: c.as_json() for c in self.checks},
        }


def _timeout() -> float:
    return float(getattr(settings, "AWN_READY_TIMEOUT", 2.0))


def _critical() -> frozenset[str]:
    return frozenset(getattr(settings, "AWN_READY_CRITICAL", ("database", "cache", "disk")))


def _reason(exc: BaseException) -> str:
    # The class only: a driver's message may carry a host, a user name or a query's values.
    return type(exc).__name__


# --- the checks ------------------------------------------------------------------------------------------------


def check_database() -> dict[str, Any]:
    connection = connections["default"]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # SET takes no bound parameter (server-side binding is on): set_config is the same, local.
            cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(int(_timeout() * 1000))])
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def check_cache() -> dict[str, Any] | None:
    backend = settings.CACHES["default"]["BACKEND"]
    if "locmem" in backend or "dummy" in backend:
        return None  # in this process only: nothing that can be down
    cache = caches["default"]
    key = "awn:ops:ready"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache read back nothing")
    return {}


def check_broker() -> dict[str, Any] | None:
    url = str(getattr(settings, "AWN_BROKER_URL", ""))
    if not url:
        return None  # jobs run in this process (thread mode): the database holds the work
    from kombu import Connection

    with Connection(url, connect_timeout=_timeout(), transport_options={"max_retries": 0}) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=_timeout())
    return {}


def _age(oldest: datetime | None, now: datetime) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def worker_lag() -> dict[str, float]:
    """Seconds since the oldest row that should have been taken up, per kind of work (0 = nothing waits).

    Each is one query on a partial index over the pending rows (bounded by the backlog, never by history).
    """
    from awn.connectors.models import InboundEvent, OutboundMessage
    from awn.notifications.models import Notification

    now = timezone.now()
    event = (
        InboundEvent.objects.filter(status="pending").order_by("received_at").values("received_at").first()
    )
    outgoing = (
        OutboundMessage.objects.filter(status="pending", next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values("next_attempt_at")
        .first()
    )
    notification = (
        Notification.objects.filter(status="pending", next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values("next_attempt_at")
        .first()
    )
    return {
        "inbound_events": _age(event["received_at"] if event else None, now),
        "outgoing_messages": _age(outgoing["next_attempt_at"] if outgoing else None, now),
        "notifications": _age(notification["next_attempt_at"] if notification else None, now),
    }


def check_worker_lag() -> dict[str, Any]:
    lag = worker_lag()
    limit = float(getattr(settings, "AWN_READY_MAX_LAG_SECONDS", 300))
    values: dict[str, Any] = {f"{k}_seconds": round(v, 1) for k, v in lag.items()}
    behind = [k for k, v in lag.items() if v > limit]
    if behind:
        raise LagError(", ".join(behind), values)
    return values


class LagError(Exception):
    def __init__(self, which: str, values: dict[str, Any]) -> None:
        super().__init__(which)
        self.values = values


def check_listeners() -> dict[str, Any]:
    """Long-running channel listeners (the Asterisk AMI connection) that say they cannot connect."""
    from awn.connectors.models import Inbox

    down = Inbox.objects.filter(is_active=True).exclude(connection_error="").count()
    if down:
        raise ListenersDown(down)
    return {"down": 0}


class ListenersDown(Exception):
    def __init__(self, count: int) -> None:
        super().__init__(str(count))
        self.values = {"down": count}


def disk_paths() -> dict[str, Path]:
    var = Path(getattr(settings, "VAR_DIR", settings.BASE_DIR / "var"))
    return {"var": var, "media": Path(settings.MEDIA_ROOT)}


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_disk() -> dict[str, Any]:
    minimum = int(getattr(settings, "AWN_READY_MIN_FREE_MB", 500))
    values: dict[str, Any] = {}
    low = []
    for name, path in disk_paths().items():
        free_mb = shutil.disk_usage(_existing(path)).free // (1024 * 1024)
        values[f"{name}_free_mb"] = free_mb
        if free_mb < minimum:
            low.append(name)
    if low:
        raise DiskLow(", ".join(low), values)
    return values


class DiskLow(Exception):
    def __init__(self, which: str, values: dict[str, Any]) -> None:
        super().__init__(which)
        self.values = values


# --- running them --------------------------------------------------------------------------------------------

# name → (function, runs in this thread). Database reads stay in the request's thread (its connection, its
# statement timeout); network calls run in a worker thread so that a silent peer costs at most the timeout.
CHECKS: dict[str, tuple[Callable[[], dict[str, Any] | None], bool]] = {
    "database": (check_database, True),
    "cache": (check_cache, False),
    "broker": (check_broker, False),
    "worker_lag": (check_worker_lag, True),
    "listeners": (check_listeners, True),
    "disk": (check_disk, True),
}

NEEDS_DATABASE = frozenset({"worker_lag", "listeners"})

_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="awn-ready")


def _finish(name: str, started: float, values: dict[str, Any] | None) -> CheckResult:
    ms = round((time.perf_counter() - started) * 1000, 1)
    if values is None:
        return CheckResult(name, SKIPPED, ms, "not configured")
    return CheckResult(name, OK, ms, values=values)


def _failed(name: str, started: float, exc: BaseException) -> CheckResult:
    ms = round((time.perf_counter() - started) * 1000, 1)
    values = getattr(exc, "values", {})
    detail = str(exc) if isinstance(exc, LagError | DiskLow) else _reason(exc)
    if isinstance(exc, ListenersDown):
        detail = "listeners down"
    return CheckResult(name, FAIL, ms, detail, values=values)


def readiness(names: tuple[str, ...] | None = None) -> Readiness:
    critical = _critical()
    timeout = _timeout()
    results: dict[str, CheckResult] = {}
    started = time.perf_counter()
    futures = {
        name: _pool.submit(function)
        for name, (function, here) in CHECKS.items()
        if not here and (names is None or name in names)
    }
    for name, (function, here) in CHECKS.items():
        if not here or (names is not None and name not in names):
            continue
        t0 = time.perf_counter()
        if name in NEEDS_DATABASE and results.get("database", CheckResult("", OK)).status == FAIL:
            # It would only wait for the same error.
            results[name] = CheckResult(name, SKIPPED, 0.0, "database unavailable")
            continue
        try:
            results[name] = _finish(name, t0, function())
        except Exception as exc:
            results[name] = _failed(name, t0, exc)
    for name, future in futures.items():
        remaining = max(0.05, timeout - (time.perf_counter() - started))
        try:
            results[name] = _finish(name, started, future.result(timeout=remaining))
        except FutureTimeout:
            results[name] = CheckResult(name, FAIL, round(remaining * 1000, 1), "timeout")
        except Exception as exc:
            results[name] = _failed(name, started, exc)
    ordered = [results[name] for name in CHECKS if name in results]
    for result in ordered:
        result.critical = result.name in critical
    if any(r.status == FAIL and r.critical for r in ordered):
        status = FAIL
    elif any(r.status == FAIL for r in ordered):
        status = "degraded"
    else:
        status = OK
    return Readiness(status, ordered)
