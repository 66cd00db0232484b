"""Prometheus metrics: requests by view (this process, or every worker in multi-process mode) and Awn's own gauges
computed at scrape time from the database with bounded, indexed queries.

Multi-process mode (several gunicorn/uvicorn workers): set PROMETHEUS_MULTIPROC_DIR to an empty directory the
workers share, wiped at each start (prometheus_client writes each worker's counters there; a scrape of any
worker adds them up). Awn's gauges are read from the database at scrape time, so every worker reports the same.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

# --- requests (recorded by awn.ops.middleware.RequestMetricsMiddleware) -------------------------------------

REQUESTS = Counter(
    "awn_http_requests",
    "HTTP requests answered, by view, method and status class",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "awn_http_request_duration_seconds",
    "Time to answer an HTTP request, by view",
    ["view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
QUERIES = Histogram(
    "awn_http_request_db_queries",
    "Database queries run by one HTTP request, by view",
    ["view"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100),
)
EXCEPTIONS = Counter("awn_http_exceptions", "Unhandled exceptions in views, by view", ["view"])


# A client chooses the method: anything unusual is one label, so a stranger cannot grow the series without end.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The labelled children, looked up once per (view, method, status class): `labels()` takes a lock each call.
_children: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}


def observe_request(view: str, method: str, status: int, seconds: float, queries: int | None) -> None:
    key = (view, method if method in METHODS else "other", status // 100)
    children = _children.get(key)
    if children is None:
        children = (
            REQUESTS.labels(view, key[1], f"{key[2]}xx"),
            LATENCY.labels(view),
            QUERIES.labels(view),
        )
        _children[key] = children
    requests, latency, queries_histogram = children
    requests.inc()
    latency.observe(seconds)
    if queries is not None:
        queries_histogram.observe(queries)


# --- Awn's gauges, computed at scrape time --------------------------------------------------------------------

# Outgoing messages have no index on their status: failures are counted among the newest rows (primary key range).
RECENT_OUTGOING = 10_000
# The assistant's handoff rate: over its newest decisions (primary key order).
RECENT_DECISIONS = 1_000


def _age(oldest: datetime | None, now: datetime) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def waiting_contacts(now: datetime) -> Iterator[Metric]:
    """New tickets nobody has taken yet, per channel (index ticket_status_created), and live chats in the queue
    (partial index chat_conv_queue)."""
    from awn.chat.enums import ChatStatus
    from awn.chat.models import LiveSession
    from awn.tickets.enums import Channel, Status
    from awn.tickets.models import Ticket

    rows = {
        r["channel"]: r
        for r in Ticket.objects.filter(status=Status.NEW)
        .order_by()
        .values("channel")
        .annotate(n=Count("id"), oldest=Min("created_at"))
    }
    waiting = GaugeMetricFamily(
        "awn_contacts_waiting", "New tickets no agent has taken yet, by channel", labels=["channel"]
    )
    oldest = GaugeMetricFamily(
        "awn_contacts_waiting_oldest_seconds", "Age of the oldest new ticket, by channel", labels=["channel"]
    )
    for channel in Channel.values:
        row = rows.get(channel)
        waiting.add_metric([channel], row["n"] if row else 0)
        oldest.add_metric([channel], _age(row["oldest"] if row else None, now))
    yield waiting
    yield oldest
    queue = LiveSession.objects.filter(status=ChatStatus.QUEUED).aggregate(
        n=Count("id"), oldest=Min("queued_at")
    )
    yield _gauge("awn_chat_queue_waiting", "Live chats waiting for an agent", queue["n"])
    yield _gauge(
        "awn_chat_queue_oldest_seconds",
        "Time the longest-waiting live chat has waited",
        _age(queue["oldest"], now),
    )


def channel_work(now: datetime) -> Iterator[Metric]:
    from awn.connectors.models import InboundEvent, OutboundMessage
    from awn.notifications.models import Notification

    inbound = InboundEvent.objects.filter(status="pending").aggregate(
        n=Count("id"), oldest=Min("received_at")
    )
    yield _gauge("awn_inbound_events_pending", "Raw inbound channel events not processed yet", inbound["n"])
    yield _gauge(
        "awn_inbound_events_oldest_seconds",
        "Age of the oldest unprocessed inbound event",
        _age(inbound["oldest"], now),
    )
    outgoing = OutboundMessage.objects.filter(status="pending").aggregate(n=Count("id"))
    yield _gauge("awn_outgoing_messages_pending", "Replies to customers not sent yet", outgoing["n"])
    newest = OutboundMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0
    failed = OutboundMessage.objects.filter(id__gt=newest - RECENT_OUTGOING, status="failed").count()
    yield _gauge(
        "awn_outgoing_messages_failed",
        f"Replies that could not be delivered, among the newest {RECENT_OUTGOING}",
        failed,
    )
    notifications = dict(
        Notification.objects.filter(status__in=("pending", "failed"))
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    yield _gauge(
        "awn_notifications_pending", "Email notifications not sent yet", notifications.get("pending", 0)
    )
    yield _gauge(
        "awn_notifications_failed",
        "Email notifications that failed after their last attempt",
        notifications.get("failed", 0),
    )


def assistant(now: datetime) -> Iterator[Metric]:
    from awn.assistant.models import FirstLineConversation, FirstLineState

    newest = FirstLineConversation.objects.order_by("-id").values_list("id", flat=True).first() or 0
    states = dict(
        FirstLineConversation.objects.filter(id__gt=newest - RECENT_DECISIONS)
        .exclude(state=FirstLineState.ANSWERED)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
    )
    decided = sum(states.values())
    handed = states.get(FirstLineState.HANDED_OFF, 0)
    yield _gauge(
        "awn_assistant_decisions",
        f"First-line conversations decided (solved or handed off), among the newest {RECENT_DECISIONS}",
        decided,
    )
    yield _gauge(
        "awn_assistant_handoff_ratio",
        "Share of the assistant's decided first-line conversations handed to people (0 when none)",
        handed / decided if decided else 0.0,
    )


def dependencies(now: datetime) -> Iterator[Metric]:
    from .health import FAIL, SKIPPED, readiness

    # The readiness checks, worker lag included (the age of the oldest row a job should have taken up).

    up = GaugeMetricFamily(
        "awn_dependency_up", "1 when the readiness check passes, 0 when it fails", labels=["check"]
    )
    seconds = GaugeMetricFamily(
        "awn_dependency_check_seconds", "Time the readiness check took", labels=["check"]
    )
    disk = GaugeMetricFamily("awn_disk_free_bytes", "Free disk space", labels=["path"])
    lag = GaugeMetricFamily(
        "awn_worker_lag_seconds",
        "Age of the oldest row a background job should already have taken up, by kind of work",
        labels=["work"],
    )
    for check in readiness().checks:
        if check.status == SKIPPED and check.detail == "not configured":
            continue
        up.add_metric([check.name], 0 if check.status == FAIL else 1)
        seconds.add_metric([check.name], check.ms / 1000)
        if check.name == "disk":
            for key, value in check.values.items():
                disk.add_metric([key.removesuffix("_free_mb")], value * 1024 * 1024)
        if check.name == "worker_lag":
            for key, value in check.values.items():
                lag.add_metric([key.removesuffix("_seconds")], value)
    yield up
    yield seconds
    yield disk
    yield lag


SOURCES: tuple[Callable[[datetime], Iterator[Metric]], ...] = (
    dependencies,
    waiting_contacts,
    channel_work,
    assistant,
)


class AwnCollector(Collector):
    """Awn's gauges, read from the database when Prometheus scrapes (the same whichever worker answers)."""

    def collect(self) -> Iterable[Metric]:
        now = timezone.now()
        errors = GaugeMetricFamily(
            "awn_metrics_source_errors", "1 when a group of gauges could not be read", labels=["source"]
        )
        started = time.perf_counter()
        for source in SOURCES:
            try:
                metrics = list(source(now))
            except Exception:
                errors.add_metric([source.__name__], 1)
                continue
            errors.add_metric([source.__name__], 0)
            yield from metrics
        yield errors
        yield _gauge(
            "awn_metrics_scrape_seconds", "Time to compute Awn's gauges", time.perf_counter() - started
        )

    def describe(self) -> Iterable[Metric]:
        return []  # computed at scrape time: nothing to check at registration


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def exposition() -> bytes:
    """The text a scrape returns: this process's (or every worker's) request metrics and Awn's gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY

        registry.register(_Delegate(REGISTRY))
    registry.register(AwnCollector())
    data: bytes = generate_latest(registry)
    return data


class _Delegate(Collector):
    """The process's default registry (our request metrics, Python's process and GC metrics) inside another."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Metric]:
        return self.registry.collect()

    def describe(self) -> Iterable[Metric]:
        return []


def metrics_response(request: HttpRequest) -> HttpResponse:
    from prometheus_client import CONTENT_TYPE_LATEST

    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
