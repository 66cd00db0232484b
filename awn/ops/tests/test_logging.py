"""Structured logs: the request id in and out, in every line, and in the jobs a request enqueues (thread pool and a
real Celery worker on the in-memory broker)."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from awn.core import request_id, tasks
from awn.core.tasks import job
from awn.ops.logs import JsonFormatter, RequestIdFilter

ROOT = Path(__file__).resolve().parents[3]
SEEN: dict[str, str] = {}


@job()
def remember_request_id(key: str) -> None:
    SEEN[key] = request_id.get()
    logging.getLogger("awn.test.job").warning("job ran")


JOB = f"{__name__}.remember_request_id"


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old = logging.getLogger("awn.request").level
    logging.getLogger("awn.request").setLevel(logging.INFO)
    yield stream
    root.removeHandler(handler)
    logging.getLogger("awn.request").setLevel(old)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_given_request_id_is_kept_and_sent_back(client: Client) -> None:
    response = client.get("/health", HTTP_X_REQUEST_ID="lb-4f2a.77")
    assert response["X-Request-ID"] == "lb-4f2a.77"


def test_a_missing_or_malformed_request_id_is_replaced(client: Client) -> None:
    generated = client.get("/health")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert client.get("/health")["X-Request-ID"] != generated
    for bad in ("has space", "x" * 129, 'quote"', "new\nline"):
        rid = client.get("/health", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", rid), bad


def test_each_request_logs_one_json_line_with_its_id_and_no_path(world: Any, json_lines: io.StringIO) -> None:
    client = world.client_for(world.agent)
    client.get("/workspace/contacts/?q=0501234567", HTTP_X_REQUEST_ID="req-1")
    (line,) = [entry for entry in lines(json_lines) if entry["logger"] == "awn.request"]
    assert line["request_id"] == "req-1"
    assert line["view"] == "workspace:contacts"
    assert line["status"] == 200
    assert line["method"] == "GET"
    assert line["level"] == "INFO"
    assert line["duration_ms"] > 0
    assert line["queries"] >= 1
    assert line["time"].endswith("+00:00")
    assert "0501234567" not in json_lines.getvalue()


def test_formatter_writes_exceptions_extras_and_arabic(json_lines: io.StringIO) -> None:
    log = logging.getLogger("awn.test")
    with request_id.bound("r-42"):
        try:
            raise ValueError("قيمة غير صالحة")
        except ValueError:
            log.error("تعذّر الحفظ %s", 7, exc_info=True, extra={"ticket_id": 7})
    entry = lines(json_lines)[-1]
    assert entry["message"] == "تعذّر الحفظ 7"
    assert entry["request_id"] == "r-42"
    assert entry["ticket_id"] == 7
    assert "ValueError: قيمة غير صالحة" in entry["exception"]
    assert "قيمة" in json_lines.getvalue()  # UTF-8, not \\u escapes


def test_plain_text_logs_can_show_the_id_too() -> None:
    record = logging.LogRecord("x", logging.INFO, "f", 1, "m", (), None)
    with request_id.bound("abc"):
        assert RequestIdFilter().filter(record)
    assert record.request_id == "abc"  # type: ignore[attr-defined]


def test_the_thread_pool_runs_a_job_under_the_id_of_its_request(
    transactional_db: None, settings: Any, json_lines: io.StringIO
) -> None:
    settings.AWN_TASKS_MODE = "thread"
    try:
        with request_id.bound("req-thread"):
            tasks.enqueue(JOB, "thread")
        for future in list(tasks.submitted):
            future.result(timeout=30)
    finally:
        tasks.shutdown()
    assert SEEN["thread"] == "req-thread"
    job_lines = [entry for entry in lines(json_lines) if entry["logger"] == "awn.test.job"]
    assert job_lines[-1]["request_id"] == "req-thread"


def test_a_celery_worker_runs_a_job_under_the_id_of_its_request(settings: Any) -> None:
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    settings.AWN_TASKS_MODE = "celery"
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with request_id.bound("req-celery"):
            tasks.dispatch(JOB, "celery")
        deadline = time.monotonic() + 20
        while "celery" not in SEEN and time.monotonic() < deadline:
            time.sleep(0.05)
    assert SEEN["celery"] == "req-celery"


def test_awn_log_json_turns_the_console_into_json_lines() -> None:
    code = "import django, logging; django.setup(); logging.getLogger('awn.x').warning('مرحبا %s', 1)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "AWN_LOG_JSON": "true"}
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    entry = json.loads(out.stderr.strip().splitlines()[-1])
    assert entry["message"] == "مرحبا 1"
    assert entry["level"] == "WARNING"
    assert entry["request_id"] == ""
