"""Background work on real Celery workers and brokers (RELIABILITY R1, R4): workers killed with SIGKILL mid-work
lose and double nothing; with the broker down, webhooks are still stored and acknowledged, and the backlog
drains once it is back; the same jobs run over RabbitMQ.

The workers are separate processes, so the database must be one they can open: these run in the PostgreSQL
pass of the suite (the SQLite test database lives in the test process's memory).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from awn.connectors.enums import EventStatus
from awn.connectors.models import InboundEvent, Inbox
from awn.connectors.services import PROCESS_JOB, inbox_save
from awn.connectors.tasks import sweep
from awn.core import tasks
from awn.tickets.models import Message, Ticket

from .conftest import sign

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = "redis://127.0.0.1:6379/14"
RABBIT_URL = "amqp://guest:guest@127.0.0.1:5672//"
SECRET = "celery-faults-secret"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="Celery workers are separate processes: they need PostgreSQL (the PostgreSQL pass runs these)",
    ),
]


def _reachable(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        return False
    return True


def _require(port: int, name: str) -> None:
    if not _reachable("127.0.0.1", port):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} on 127.0.0.1:{port} is unreachable and CI=true")
        pytest.skip(f"{name} on 127.0.0.1:{port} is not running here")


def _flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def _purge_rabbit() -> None:
    from kombu import Connection

    with Connection(RABBIT_URL) as conn:
        for queue in ("inbound", "default", "outbound", "ai"):
            try:
                conn.default_channel.queue_purge(queue)
            except Exception:  # noqa: S112 - a queue not declared yet holds nothing
                continue


class Worker:
    """A `celery -A config worker` process on this test's database and the given broker."""

    def __init__(self, broker: str, concurrency: int = 2) -> None:
        self.broker = broker
        self.concurrency = concurrency
        self.process: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        settings = connection.settings_dict
        url = f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{settings['NAME']}"
        return {
            **os.environ,
            "DATABASE_URL": url,
            "AWN_BROKER_URL": self.broker,
            "AWN_TASKS_MODE": "celery",
            "AWN_LOG_LEVEL": "ERROR",
            "AWN_ASSISTANT_DENSE": "false",
            "AWN_DB_PREPARED": "false",
        }

    def start(self) -> Worker:
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "inbound,default,outbound",
                "-c",
                str(self.concurrency),
                "--pool",
                "prefork",
                "-l",
                "ERROR",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: SIGKILL reaches the main process and its children
        )
        return self

    def children(self) -> list[int]:
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except OSError:
            return []

    def kill_all(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def kill_a_child(self) -> bool:
        children = self.children()
        if not children:
            return False
        os.kill(random.choice(children), signal.SIGKILL)
        return True


@pytest.fixture
def inbox() -> Inbox:
    return inbox_save(inbox=None, name="faults", kind="fake", secrets={"signing_secret": SECRET})


@pytest.fixture
def celery_mode(settings: Any) -> Iterator[None]:
    settings.AWN_TASKS_MODE = "celery"
    tasks._broker_down_until = 0.0
    yield
    tasks._broker_down_until = 0.0
    _use_broker(settings, "memory://")


def _use_broker(settings: Any, url: str) -> None:
    from celery import current_app

    settings.AWN_BROKER_URL = settings.CELERY_BROKER_URL = url
    current_app.conf.broker_url = url
    if current_app._pool is not None:  # connections to the previous broker
        current_app._pool.force_close_all()
        current_app._pool = None
    current_app.amqp._producer_pool = None


def _post(inbox: Inbox, first: int, count: int, senders: int = 40) -> int:
    body = json.dumps(
        {
            "events": [
                {
                    "id": f"evt-{i}",
                    "from": f"sender-{i % senders}",
                    "name": "ولي أمر",
                    "text": f"رسالة رقم {i}",
                }
                for i in range(first, first + count)
            ]
        }
    ).encode()
    response = Client().post(
        f"/hooks/{inbox.uuid}/",
        data=body,
        content_type="application/json",
        headers=sign("fake", body, secret=SECRET),
    )
    return response.status_code


def _wait_until_done(expected: int, timeout: float, *, sweep_every: float = 2.0) -> None:
    """Beat's part, done here: the sweep enqueues again whatever a killed worker left pending. Gives up after
    `timeout` seconds without progress (a loaded machine drains slower, a stuck one not at all)."""
    deadline = time.monotonic() + timeout
    next_sweep = time.monotonic() + sweep_every
    done_before = -1
    while time.monotonic() < deadline:
        done = InboundEvent.objects.filter(status=EventStatus.DONE).count()
        if done >= expected:
            return
        if done > done_before:
            done_before, deadline = done, time.monotonic() + timeout
        if time.monotonic() >= next_sweep:
            sweep(stale_seconds=3)
            next_sweep = time.monotonic() + sweep_every
        time.sleep(0.2)


def _wait_for_progress(timeout: float) -> None:
    before = InboundEvent.objects.filter(status=EventStatus.DONE).count()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if InboundEvent.objects.filter(status=EventStatus.DONE).count() > before:
            return
        time.sleep(0.05)


def _assert_each_event_became_exactly_one_message(expected: int) -> None:
    assert InboundEvent.objects.count() == expected
    assert InboundEvent.objects.filter(status=EventStatus.DONE).count() == expected
    messages = Message.objects.filter(channel="api")
    assert messages.count() == expected  # none lost, none doubled
    bodies = list(messages.values_list("body", flat=True))
    assert len(set(bodies)) == expected
    assert InboundEvent.objects.values("message_id").distinct().count() == expected
    assert Ticket.objects.filter(channel="api").count() == 40  # one thread per sender, never two


def test_workers_killed_ten_times_mid_work_lose_and_double_nothing(
    settings: Any, inbox: Inbox, celery_mode: None
) -> None:
    _require(6379, "Redis")
    _use_broker(settings, REDIS_URL)
    _flush_redis(REDIS_URL)
    settings.AWN_TASKS_MODE = "off"
    for first in range(0, 500, 100):
        assert _post(inbox, first, 100) == 200  # stored and acknowledged
    assert InboundEvent.objects.count() == 500
    settings.AWN_TASKS_MODE = "celery"
    for event_id in InboundEvent.objects.order_by("pk").values_list("pk", flat=True):
        # Every job delivered twice in a row (brokers deliver at least once): two worker processes take the
        # same event at the same moment, and only one may turn it into a message.
        tasks.dispatch(PROCESS_JOB, event_id)
        tasks.dispatch(PROCESS_JOB, event_id)
    rng = random.Random(7)
    worker = Worker(REDIS_URL)
    try:
        for kill in range(10):
            worker.start()
            _wait_for_progress(timeout=20)  # started and working
            time.sleep(rng.uniform(0.1, 1.2))  # then killed at a random point of its work
            if kill % 2 and worker.kill_a_child():
                time.sleep(rng.uniform(0.3, 1.0))  # the main process replaces the child and goes on
            worker.kill_all()  # SIGKILL to the main process and its children at once
        done_under_fire = InboundEvent.objects.filter(status=EventStatus.DONE).count()
        print(f"processed while being killed: {done_under_fire} of 500")
        assert 0 < done_under_fire < 500  # work was done, and the kills interrupted it
        worker.start()
        _wait_until_done(500, timeout=60)
    finally:
        worker.kill_all()
        _flush_redis(REDIS_URL)
    _assert_each_event_became_exactly_one_message(500)


def _redis_server(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    process = subprocess.Popen(  # noqa: S603 - the machine's redis-server, on loopback
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not _reachable("127.0.0.1", port):
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    return process


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_with_the_broker_down_webhooks_are_stored_and_acknowledged_then_drained(
    settings: Any, inbox: Inbox, celery_mode: None, tmp_path: Path
) -> None:
    port = _free_port()
    url = f"redis://127.0.0.1:{port}/0"
    redis = _redis_server(port, tmp_path)
    _use_broker(settings, url)
    outage = float(os.environ.get("AWN_TEST_BROKER_OUTAGE_SECONDS", "8"))
    worker = Worker(url)
    try:
        assert _post(inbox, 0, 100) == 200
        redis.kill()  # the broker goes away while webhooks keep arriving
        redis.wait(timeout=10)
        started, acked, slowest = time.monotonic(), 0, 0.0
        first = 100
        while time.monotonic() - started < outage:
            sent = time.monotonic()
            acked += _post(inbox, first, 20) == 200
            slowest = max(slowest, time.monotonic() - sent)
            first += 20
            time.sleep(0.25)
        assert acked == (first - 100) // 20  # every webhook during the outage answered 200
        assert slowest < 5  # and fast: a request never waits on the dead broker for long
        total = first
        assert InboundEvent.objects.count() == total  # stored, pending: the database holds the work
        redis = _redis_server(port, tmp_path)  # back (empty: what was on it before the outage is gone too)
        tasks._broker_down_until = 0.0
        worker.start()
        _wait_until_done(total, timeout=60)
    finally:
        worker.kill_all()
        redis.kill()
    assert InboundEvent.objects.filter(status=EventStatus.DONE).count() == total
    assert Message.objects.filter(channel="api").count() == total


def test_jobs_run_over_rabbitmq_too(settings: Any, inbox: Inbox, celery_mode: None) -> None:
    _require(5672, "RabbitMQ")
    _use_broker(settings, RABBIT_URL)
    _purge_rabbit()
    worker = Worker(RABBIT_URL)
    try:
        assert _post(inbox, 0, 60) == 200
        worker.start()
        _wait_until_done(60, timeout=90, sweep_every=30)
    finally:
        worker.kill_all()
        _purge_rabbit()
    assert InboundEvent.objects.filter(status=EventStatus.DONE).count() == 60
    assert Message.objects.filter(channel="api").count() == 60
