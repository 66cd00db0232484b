"""Liveness and readiness as a load balancer sees them: each dependency missing, down or silent."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[3]


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers a byte."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield int(s.getsockname()[1])


def test_health_answers_without_the_database(client: Client) -> None:
    # No `db` fixture: any query would raise.
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_ready_when_all_is_well(db: None, client: Client) -> None:
    response = client.get("/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failing"] == []
    checks = body["checks"]
    assert checks["database"]["status"] == "ok"
    # Embedded defaults: local-memory cache and no broker are not dependencies that can be down.
    assert checks["cache"] == {
        "status": "skipped",
        "ms": checks["cache"]["ms"],
        "detail": "not configured",
        "critical": True,
    }
    assert checks["broker"]["status"] == "skipped"
    assert checks["worker_lag"]["values"] == {
        "inbound_events_seconds": 0.0,
        "outgoing_messages_seconds": 0.0,
        "notifications_seconds": 0.0,
    }
    assert checks["disk"]["values"]["var_free_mb"] > 0


def test_ready_refuses_post(db: None, client: Client) -> None:
    assert client.post("/ready").status_code == 405
    assert client.post("/health").status_code == 405


def test_redis_cache_down_is_503_naming_the_cache(db: None, client: Client, settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
        }
    }
    response = client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["failing"] == ["cache"]
    assert body["checks"]["cache"]["detail"] == "ConnectionError"
    assert body["checks"]["database"]["status"] == "ok"


def test_silent_cache_costs_at_most_the_timeout(
    db: None, client: Client, settings: Any, silent_port: int
) -> None:
    settings.AWN_READY_TIMEOUT = 0.5
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{silent_port}/0",
        }
    }
    started = time.monotonic()
    response = client.get("/ready")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["checks"]["cache"]["detail"] == "timeout"
    assert elapsed < 2.0


def test_broker_down_is_named_and_only_degrades_by_default(db: None, client: Client, settings: Any) -> None:
    # RELIABILITY R4: with the broker's Redis down, webhooks are still stored and acknowledged, so the web
    # processes stay in the load balancer.
    settings.AWN_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded" and response.json()["failing"] == ["broker"]


def test_broker_down_is_503_when_listed_critical(db: None, client: Client, settings: Any) -> None:
    settings.AWN_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    settings.AWN_READY_CRITICAL = ("database", "cache", "broker", "disk")
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


def test_broker_up_is_ok(db: None, client: Client, settings: Any) -> None:
    settings.AWN_BROKER_URL = "memory://"
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"]["status"] == "ok"


def test_a_dependency_left_out_of_the_critical_list_only_degrades(
    db: None, client: Client, settings: Any
) -> None:
    settings.AWN_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    settings.AWN_READY_CRITICAL = ("database", "cache", "disk")
    response = client.get("/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["failing"] == ["broker"]


def test_disk_below_the_minimum_is_503(db: None, client: Client, settings: Any, tmp_path: Path) -> None:
    settings.AWN_READY_MIN_FREE_MB = 10**12  # more than any disk has
    settings.MEDIA_ROOT = tmp_path / "media-not-created-yet"
    response = client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["disk"]
    assert body["checks"]["disk"]["detail"] == "var, media"


def test_worker_lag_is_the_age_of_the_oldest_waiting_row(world: Any, client: Client, settings: Any) -> None:
    from awn.connectors.models import InboundEvent
    from awn.connectors.services import inbox_save

    inbox = inbox_save(inbox=None, name="قناة", kind="fake", secrets={"signing_secret": "s"})
    old = InboundEvent.objects.create(inbox=inbox, external_id="old", payload={})
    InboundEvent.objects.create(inbox=inbox, external_id="new", payload={})
    InboundEvent.objects.create(inbox=inbox, external_id="done", payload={}, status="done")
    InboundEvent.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(seconds=400))
    InboundEvent.objects.filter(external_id="done").update(received_at=timezone.now() - timedelta(days=9))

    settings.AWN_READY_MAX_LAG_SECONDS = 300
    response = client.get("/ready")
    body = response.json()
    # Behind, but the web process can still serve: degraded, not out of the load balancer.
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["failing"] == ["worker_lag"]
    lag = body["checks"]["worker_lag"]
    assert lag["detail"] == "inbound_events"
    assert 399 <= lag["values"]["inbound_events_seconds"] < 460

    settings.AWN_READY_MAX_LAG_SECONDS = 3600
    assert client.get("/ready").json()["status"] == "ok"


def test_ready_shows_no_personal_data_or_addresses(world: Any, client: Client, settings: Any) -> None:
    settings.AWN_BROKER_URL = f"redis://awn-user:s3cret-pass@127.0.0.1:{closed_port()}/0"
    text = client.get("/ready").content.decode()
    assert "s3cret" not in text
    assert "awn-user" not in text
    assert "127.0.0.1" not in text
    assert world.parent.name not in text


def _ready_in_a_process(env: dict[str, str]) -> dict[str, Any]:
    """GET /ready in a fresh process whose settings come from `env` (as a deployment would set them)."""
    code = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/ready');"
        "print(json.dumps({'code': r.status_code, 'body': r.json()}))"
    )
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    out = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        env=full,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def test_database_down_is_503_naming_the_database(tmp_path: Path) -> None:
    result = _ready_in_a_process(
        {"DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed_port()}/awn", "AWN_VAR_DIR": str(tmp_path)}
    )
    assert result["code"] == 503
    body = result["body"]
    assert body["failing"] == ["database"]
    assert body["checks"]["database"]["detail"] == "OperationalError"
    assert body["checks"]["database"]["ms"] < 5000  # fails fast (the process's start-up is not counted)
    # What needs the database is not tried again; the disk still is.
    assert body["checks"]["worker_lag"]["status"] == "skipped"
    assert body["checks"]["disk"]["status"] == "ok"


def test_everything_down_names_every_one(tmp_path: Path) -> None:
    port = closed_port()
    result = _ready_in_a_process(
        {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/awn",
            "AWN_REDIS_URL": f"redis://127.0.0.1:{port}/0",
            "AWN_BROKER_URL": f"redis://127.0.0.1:{port}/1",
            "AWN_VAR_DIR": str(tmp_path),
        }
    )
    assert result["code"] == 503
    assert result["body"]["failing"] == ["database", "cache", "broker"]


@pytest.fixture
def redis_port(tmp_path: Path) -> Iterator[int]:
    """A real redis-server of our own on 127.0.0.1 (no persistence), stopped after the test."""
    port = closed_port()
    server = subprocess.Popen(  # noqa: S603
        [
            "/usr/bin/redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_redis_cache_and_broker_up_are_ready(
    db: None, client: Client, settings: Any, redis_port: int
) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{redis_port}/0",
        }
    }
    settings.AWN_BROKER_URL = f"redis://127.0.0.1:{redis_port}/1"
    response = client.get("/ready")
    assert response.status_code == 200, response.content
    checks = response.json()["checks"]
    assert checks["cache"]["status"] == "ok"
    assert checks["broker"]["status"] == "ok"
