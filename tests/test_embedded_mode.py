"""The one-process mode of `bin/awn up`: the ASGI server starts the job pool and the scheduler itself, so work a
restart left pending (a raw event stored before a crash) is done with no request and no other process."""

from __future__ import annotations

import contextlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STORE = """
from awn.connectors.base import RawItem
from awn.connectors.services import events_store, inbox_save
inbox = inbox_save(inbox=None, name="left over", kind="fake", secrets={"signing_secret": "s"})
events_store(inbox, [RawItem("left-1", {"id": "left-1", "from": "user-1", "text": "رسالة بقيت معلقة"})])
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _event_status(database: Path) -> str:
    """Read straight from the file: a `manage.py shell` per poll would cost seconds of start-up each time."""
    with contextlib.closing(sqlite3.connect(database, timeout=10)) as db:
        (status,) = db.execute("SELECT status FROM connectors_inboundevent").fetchone()
    return str(status)


def _manage(env: dict[str, str], *args: str) -> str:
    return subprocess.run(  # noqa: S603 - our interpreter, our command
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def test_the_embedded_server_runs_the_schedule_without_any_request(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'embedded.sqlite3'}",
        "AWN_TASKS_MODE": "off",  # storing only: as if the process died before the job ran
        "AWN_LOG_LEVEL": "ERROR",
        "AWN_ASSISTANT_DENSE": "false",
    }
    _manage(env, "migrate", "-v", "0")
    _manage(env, "shell", "-c", STORE)
    database = tmp_path / "embedded.sqlite3"
    assert _event_status(database) == "pending"
    server = subprocess.Popen(  # noqa: S603 - our interpreter, our server
        [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--port",
            str(_free_port()),
            "--lifespan",
            "off",
        ],
        cwd=ROOT,
        env={
            **env,
            "AWN_TASKS_MODE": "thread",
            "AWN_EMBEDDED": "true",
            "AWN_WORKER_STALE_SECONDS": "0",
            "AWN_FIRST_SWEEP_SECONDS": "1",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60  # the first sweep runs 1 s after the server starts
        status = "pending"
        while time.monotonic() < deadline and status != "done":
            time.sleep(0.5)
            status = _event_status(database)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert status == "done"
