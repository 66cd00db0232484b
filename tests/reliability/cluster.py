"""Real Awn processes on 127.0.0.1 for the reliability tests: a private redis-server on a free port (never the
shared 6379), a PostgreSQL database of our own (copied from a migrated template, so a run does not pay for the
migrations), and gunicorn, uvicorn and Celery worker processes started with the production commands.

Everything is bounded: each wait has a deadline, every process is stopped (SIGTERM, then SIGKILL) at the end."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
T = TypeVar("T")
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"


def run_async(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to the end on a fresh event loop in its own thread: the browser tests leave an event loop
    running in the main thread, where neither asyncio.run nor async_to_sync may start another."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, scenario()).result()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def require_servers(*, postgres: bool = True) -> None:
    """Skip (or fail under CI=true) when PostgreSQL or redis-server is missing: the statement says which."""
    missing = []
    if postgres and not port_open(PG_PORT, PG_HOST):
        missing.append(f"PostgreSQL at {PG_HOST}:{PG_PORT}")
    if shutil.which("redis-server") is None:
        missing.append("the redis-server program")
    if missing:
        reason = "needs " + " and ".join(missing)
        if os.environ.get("CI") == "true" and os.environ.get("AWN_RELIABILITY_OPTIONAL") != "true":
            pytest.fail(f"CI=true: {reason}")
        pytest.skip(reason)


# --- Redis ----------------------------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own, on a free port, without persistence; stop() and start() again on the same
    port simulate an outage."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - a fixed argv on 127.0.0.1
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open(self.port), 10, "redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            self.process = None


# --- PostgreSQL -----------------------------------------------------------------------------------------------


def _admin_sql(*statements: str) -> None:
    import psycopg

    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
    ) as conn:
        for statement in statements:
            conn.execute(statement)


def database_url(name: str) -> str:
    return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def fresh_database(name: str, env: dict[str, str]) -> str:
    """A database of this run only, `<name>_<pid>` (several runs, from several checkouts, may overlap), copied from
    the migrated template `<name>_tmpl`; the template is migrated first when it is behind, under an advisory lock
    so that two runs never migrate it at once. Returns the new database's name."""
    import psycopg

    template = f"{name}_tmpl"
    run_name = f"{name}_{os.getpid()}"
    lock_key = int.from_bytes(template.encode()[:8].ljust(8, b"_"), "big") & 0x7FFF_FFFF_FFFF_FFFF
    with psycopg.connect(
        host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True
    ) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (lock_key,))
        try:
            _drop_stale_copies(conn, name)
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (template,)).fetchone():
                conn.execute(f'CREATE DATABASE "{template}"')
            template_env = {**env, "DATABASE_URL": database_url(template)}
            if manage(template_env, "migrate", "--check", "-v", "0", check=False).returncode != 0:
                manage(template_env, "migrate", "--noinput", "-v", "0")
            conn.execute(f'DROP DATABASE IF EXISTS "{run_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{run_name}" TEMPLATE "{template}"')
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (lock_key,))
    return run_name


def _drop_stale_copies(conn: Any, name: str) -> None:
    """Copies left by runs that were killed (their process is gone)."""
    rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{name}\\_%",)).fetchall()
    for (datname,) in rows:
        suffix = datname[len(name) + 1 :]
        if suffix.isdigit() and not Path(f"/proc/{suffix}").exists():
            conn.execute(f'DROP DATABASE IF EXISTS "{datname}" WITH (FORCE)')


def drop_database(name: str) -> None:
    with contextlib.suppress(Exception):
        _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        return list(conn.execute(sql, params).fetchall())


# --- Awn processes --------------------------------------------------------------------------------------------


def base_env(*, redis_url: str, var_dir: Path, db_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWN_", "DATABASE_URL", "PROMETHEUS"))}
    env.update(
        {
            "DATABASE_URL": db_url,
            "AWN_REDIS_URL": f"{redis_url}/0",
            "AWN_BROKER_URL": f"{redis_url}/1",
            "AWN_TASKS_MODE": "celery",
            "AWN_VAR_DIR": str(var_dir),
            "AWN_MEDIA_ROOT": str(var_dir / "media"),  # one attachment store for every process
            "AWN_STAFF_2FA": "false",
            "AWN_ASSISTANT_DENSE": "false",
            "AWN_ASSISTANT_FIRST_CHANNELS": "",
            "AWN_API_RATE": "100000/m",
            "AWN_API_ANON_RATE": "100000/m",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def manage(
    env: dict[str, str], *args: str, check: bool = True, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed: {result.stderr[-2000:]}")
    return result


def wait_until(condition: Any, seconds: float, message: str, every: float = 0.1) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(message)
        time.sleep(every)


@dataclass
class Process:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    popen: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        handle = self.log.open("ab")
        self.popen = subprocess.Popen(  # noqa: S603 - the venv's own servers, fixed arguments
            self.argv, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )

    def ready(self) -> bool:
        assert self.popen is not None
        if self.popen.poll() is not None:
            raise RuntimeError(f"{self.name} exited ({self.popen.returncode}): {self.log_text()[-3000:]}")
        if self.port is not None:
            try:
                return httpx.get(f"{self.url}/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False
        text = self.log_text()
        return " ready." in text or "beat: Starting..." in text

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def signal(self, sig: int) -> None:
        if self.popen is not None and self.popen.poll() is None:
            os.kill(self.popen.pid, sig)

    def stop(self, grace: float = 15) -> int | None:
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)  # its own session: only its own children
                self.popen.wait(5)
        return self.popen.returncode


def web(name: str, env: dict[str, str], logs: Path, *extra: str) -> Process:
    port = free_port()
    argv = [
        str(BIN / "gunicorn"),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--graceful-timeout",
        "20",
        *extra,
    ]
    return Process(name, argv, env, logs / f"{name}.log", port)


def asgi(name: str, env: dict[str, str], logs: Path) -> Process:
    port = free_port()
    argv = [
        str(BIN / "uvicorn"),
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--lifespan",
        "off",
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "5",
    ]
    return Process(name, argv, {**env, "AWN_DB_POOL": "true"}, logs / f"{name}.log", port)


def worker(name: str, env: dict[str, str], logs: Path) -> Process:
    argv = [
        str(BIN / "celery"),
        "-A",
        "config",
        "worker",
        "-n",
        f"{name}@%h",
        "-Q",
        "inbound,outbound,ai,default",
        "--pool",
        "solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-l",
        "info",
    ]
    return Process(name, argv, env, logs / f"{name}.log")


def beat(name: str, env: dict[str, str], logs: Path) -> Process:
    argv = [
        str(BIN / "celery"),
        "-A",
        "config",
        "beat",
        "-l",
        "info",
        "--schedule",
        str(logs / "beat-schedule"),
    ]
    process = Process(name, argv, env, logs / f"{name}.log")
    return process


@dataclass
class Cluster:
    db_url: str
    redis: RedisServer
    env: dict[str, str]
    processes: dict[str, Process] = field(default_factory=dict)
    seed: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Process:
        return self.processes[name]

    def start(self, *processes: Process, seconds: float = 90) -> None:
        for process in processes:
            self.processes[process.name] = process
            process.start()
        pending = list(processes)

        def all_ready() -> bool:
            pending[:] = [p for p in pending if not p.ready()]
            return not pending

        wait_until(all_ready, seconds, f"not ready: {[p.name for p in pending]}", every=0.3)

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()


SEED = r"""
import json
from awn.accounts.enums import Role
from awn.accounts.services import api_token_create, user_create
from awn.connectors.services import inbox_save
from awn.crm.services import contact_create
agent = user_create(username="relagent", password="reliability-pass-1", role=Role.AGENT)
supervisor = user_create(username="relsuper", password="reliability-pass-1", role=Role.SUPERVISOR)
_token, key = api_token_create(user=supervisor, name="reliability")
parent = contact_create(name="ولي أمر الاختبار", phone="+966500000009")
inbox = inbox_save(inbox=None, name="قناة اختبار", kind="fake", secrets={"signing_secret": "rel-secret"})
print("SEED" + json.dumps({"api_key": key, "requester_id": parent.pk, "inbox": str(inbox.uuid),
                            "secret": "rel-secret", "agent": "relagent", "password": "reliability-pass-1"}))
"""


def seed(env: dict[str, str]) -> dict[str, Any]:
    out = manage(env, "shell", "-c", SEED).stdout
    line = next(line for line in out.splitlines() if line.startswith("SEED"))
    return dict(json.loads(line[4:]))


def sign_in(base: str, username: str, password: str) -> httpx.Client:
    """A browser's sign-in through the form (CSRF cookie and token), on the process at `base`."""
    client = httpx.Client(base_url=base, timeout=15, follow_redirects=False)
    client.get("/accounts/login/")
    token = client.cookies.get("csrftoken", "")
    response = client.post(
        "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
    )
    assert response.status_code == 302, response.text[:500]
    return client


@contextlib.contextmanager
def running_cluster(
    tmp: Path,
    db_name: str,
    spec: dict[str, int],
    env_extra: dict[str, str] | None = None,
    web_args: tuple[str, ...] = (),
    database: str = "",
) -> Iterator[Cluster]:
    """A cluster with `spec` = {"web": n, "asgi": n, "worker": n, "beat": 0|1} processes; torn down whatever
    happens. `database`: a PostgreSQL URL used as it is (migrated here) instead of a copy on the shared server."""
    require_servers(postgres=not database)
    (tmp / "redis").mkdir(exist_ok=True)
    (tmp / "logs").mkdir(exist_ok=True)
    redis = RedisServer(tmp / "redis")
    redis.start()
    env = {**base_env(redis_url=redis.url, var_dir=tmp / "var"), **(env_extra or {})}
    cluster = Cluster(db_url="", redis=redis, env=env)
    run_db = ""
    try:
        if database:
            db_url = database
            env["DATABASE_URL"] = db_url
            manage(env, "migrate", "--noinput", "-v", "0", timeout=600)
        else:
            run_db = fresh_database(db_name, env)
            db_url = database_url(run_db)
            env["DATABASE_URL"] = db_url
        cluster.db_url = db_url
        cluster.seed = seed(env)
        logs = tmp / "logs"
        processes = [
            *(web(f"web{i + 1}", env, logs, *web_args) for i in range(spec.get("web", 0))),
            *(asgi(f"asgi{i + 1}", env, logs) for i in range(spec.get("asgi", 0))),
            *(worker(f"worker{i + 1}", env, logs) for i in range(spec.get("worker", 0))),
            *(beat("beat", env, logs) for _ in range(spec.get("beat", 0))),
        ]
        started = time.monotonic()
        cluster.start(*processes)
        print(f"\nRELIABILITY {len(processes)} processes ready in {time.monotonic() - started:.1f} s")
        yield cluster
    finally:
        cluster.stop()
        redis.stop()
        if run_db:
            drop_database(run_db)
