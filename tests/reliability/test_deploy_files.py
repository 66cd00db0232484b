"""The deployment files (deploy/) say what the production layout promises: several web and ASGI processes,
workers, exactly one beat, Redis, a PostgreSQL primary with a replica, shared attachments, nginx for HTTP and
WebSockets; and every setting they pass is one Awn reads."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SETTINGS = (DEPLOY.parent / "config" / "settings.py").read_text(encoding="utf-8")


def _compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def test_compose_runs_every_kind_of_process_with_more_than_one_of_the_stateless_ones() -> None:
    services = _compose()["services"]
    for name in (
        "postgres",
        "postgres-replica",
        "redis",
        "migrate",
        "web",
        "asgi",
        "worker",
        "beat",
        "nginx",
    ):
        assert name in services, name
    for name in ("web", "asgi", "worker"):
        assert services[name]["deploy"]["replicas"] >= 2, name
    assert services["beat"]["deploy"]["replicas"] == 1
    assert "gunicorn config.wsgi:application" in services["web"]["command"]
    assert "uvicorn config.asgi:application" in services["asgi"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]


def test_every_awn_process_shares_the_database_redis_and_the_attachment_volume() -> None:
    services = _compose()["services"]
    for name in ("web", "asgi", "worker", "beat", "migrate"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:" in env["DATABASE_URL"], name
        assert "@postgres-replica:" in env["AWN_REPORTS_DATABASE_URL"], name
        assert env["AWN_REDIS_URL"].startswith("redis://redis:"), name
        assert env["AWN_BROKER_URL"].startswith("redis://redis:"), name
        assert "media:/srv/awn/media" in services[name]["volumes"], name
        assert env["AWN_MEDIA_ROOT"] == "/srv/awn/media", name
    assert services["web"]["environment"]["AWN_DB_CONN_MAX_AGE"] == "600"
    assert services["asgi"]["environment"]["AWN_DB_POOL"] == "true"


def test_every_awn_setting_the_files_pass_is_one_awn_reads() -> None:
    text = "".join(
        p.read_text(encoding="utf-8")
        for p in [
            DEPLOY / "compose.yaml",
            DEPLOY / "awn.env.example",
            *sorted((DEPLOY / "systemd").glob("*")),
        ]
    )
    names = set(re.findall(r"\b(AWN_[A-Z0-9_]+)\b", text)) - {
        "AWN_DB_PASSWORD",  # compose's own substitution for the database password
        "AWN_REPLICATION_PASSWORD",  # the replica's, read by deploy/postgres/*.sh
        "AWN_WORKER_QUEUES",  # the worker unit's own variable
    }
    assert names
    missing = sorted(n for n in names if n not in SETTINGS and n not in _env_read_elsewhere(n))
    assert missing == []


def _env_read_elsewhere(name: str) -> str:
    root = DEPLOY.parent / "awn"
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if name in text:
            return name
    return ""


def test_nginx_proxies_http_to_web_and_websockets_to_asgi_without_sticky_sessions() -> None:
    conf = (DEPLOY / "nginx" / "awn.conf").read_text(encoding="utf-8")
    assert re.search(r"upstream awn_web \{[^}]*server web:8000", conf)
    assert re.search(r"upstream awn_asgi \{[^}]*server asgi:8001", conf)
    ws = re.search(r"location /ws/ \{(.*?)\n    \}", conf, re.S)
    assert ws is not None
    assert "proxy_pass http://awn_asgi" in ws.group(1)
    assert "proxy_set_header Upgrade $http_upgrade" in ws.group(1)
    assert "proxy_http_version 1.1" in ws.group(1)
    directives = "\n".join(line for line in conf.splitlines() if not line.strip().startswith("#"))
    for sticky in ("ip_hash", "sticky", "hash $cookie", "hash $remote_addr"):
        assert sticky not in directives
    assert "X-Request-ID" in conf


def test_systemd_units_stop_gracefully_and_run_one_beat() -> None:
    units = {p.name: p.read_text(encoding="utf-8") for p in (DEPLOY / "systemd").glob("*")}
    assert {"awn-web@.service", "awn-asgi@.service", "awn-worker@.service", "awn-beat.service"} <= set(units)
    assert "--graceful-timeout 30" in units["awn-web@.service"]
    assert (
        "ExecReload=/bin/kill -s HUP $MAINPID" in units["awn-web@.service"]
    )  # deploys without failed requests
    assert re.search(r"TimeoutStopSec=3[5-9]", units["awn-web@.service"])  # longer than gunicorn's grace
    assert "--timeout-graceful-shutdown" in units["awn-asgi@.service"]
    assert "@" not in ["awn-beat", "service"][0]  # not a template: one per deployment
    for name, text in units.items():
        if name.endswith(".service"):
            assert "EnvironmentFile=/etc/awn/awn.env" in text, name
