"""R3: PostgreSQL stopped under load. A private PostgreSQL cluster of this test (its own initdb, port and files,
never the shared server), a web process and a worker on it; API clients create tickets and a provider posts
webhooks while the server is stopped for AWN_RELIABILITY_OUTAGE_SECONDS (10 by default, 60 for the full test).
Passes when, during the outage, every answer is a 503 within 5 s (webhooks refused, so the provider retries), no
row is half-written, and requests succeed again within 30 s of the server's return, without restarting anything.
Long: `pytest -m reliability_long`. Needs root, runuser and the PostgreSQL 15 server binaries (skipped otherwise)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .cluster import Cluster, free_port, query, running_cluster

BIN = Path("/usr/lib/postgresql/15/bin")
OUTAGE_SECONDS = float(os.environ.get("AWN_RELIABILITY_OUTAGE_SECONDS", "10"))
pytestmark = [
    pytest.mark.reliability,
    pytest.mark.reliability_long,
    pytest.mark.skipif(
        not (BIN / "initdb").exists() or not Path("/usr/sbin/runuser").exists() or os.geteuid() != 0,
        reason="needs PostgreSQL 15 server binaries, runuser and root (to run the server as `postgres`)",
    ),
]


def _as_postgres(*command: str) -> None:
    subprocess.run(  # noqa: S603 - fixed server binaries, our own directory
        ["/usr/sbin/runuser", "-u", "postgres", "--", *command], check=True, capture_output=True, timeout=120
    )


class PrivatePostgres:
    def __init__(self) -> None:
        self.dir = Path(f"/tmp/awn-rel-pg-{os.getpid()}-{time.monotonic_ns()}")
        self.data = self.dir / "data"
        self.port = free_port()

    def init(self) -> None:
        self.dir.mkdir(mode=0o700)
        shutil.chown(self.dir, "postgres", "postgres")
        _as_postgres(
            str(BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )
        self.start()
        _as_postgres(str(BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "awn")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
        )
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w", "-t",
                     "60", "-o", options, "start")  # fmt: skip

    def stop(self) -> None:
        _as_postgres(str(BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(  # noqa: S603
                ["/usr/sbin/runuser", "-u", "postgres", "--", str(BIN / "pg_ctl"), "-D", str(self.data), "-m",
                 "immediate", "stop"],
                capture_output=True,
                timeout=60,
                check=False,
            )  # fmt: skip
        shutil.rmtree(self.dir, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/awn"


@pytest.fixture(scope="module")
def pg_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cluster, PrivatePostgres]]:
    server = PrivatePostgres()
    try:
        server.init()
        with running_cluster(
            tmp_path_factory.mktemp("pg-down"), "", {"web": 1, "worker": 1}, database=server.url
        ) as cluster:
            yield cluster, server
    finally:
        server.remove()


def test_postgres_stopped_under_load_fails_fast_with_503_and_recovers_without_restarts(
    pg_cluster: tuple[Cluster, PrivatePostgres],
) -> None:
    cluster, server = pg_cluster
    base = cluster["web1"].url
    seed = cluster.seed
    outcomes: list[tuple[str, str, float, float]] = []  # (kind, outcome, started, seconds)
    lock = threading.Lock()
    stop = threading.Event()

    def ticket_client(n: int) -> None:
        i = 0
        while not stop.is_set():
            started = time.monotonic()
            try:
                response = httpx.post(
                    f"{base}/api/v1/tickets/",
                    json={"subject": f"pgdown {n}-{i}", "body": "نص", "requester_id": seed["requester_id"]},
                    headers={"Authorization": f"Bearer {seed['api_key']}"},
                    timeout=30,
                )
                outcome = str(response.status_code)
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            with lock:
                outcomes.append(("ticket", outcome, started, time.monotonic() - started))
            i += 1
            time.sleep(0.1)

    def provider() -> None:
        i = 0
        while not stop.is_set():
            body = json.dumps({"events": [{"id": f"pg-{i}", "from": f"96655{i:07d}", "text": "نص"}]}).encode()
            signature = hmac.new(seed["secret"].encode(), body, hashlib.sha256).hexdigest()
            started = time.monotonic()
            try:
                response = httpx.post(
                    f"{base}/hooks/{seed['inbox']}/",
                    content=body,
                    headers={"Content-Type": "application/json", "X-Fake-Signature": signature},
                    timeout=30,
                )
                outcome = str(response.status_code)
            except httpx.HTTPError as exc:
                outcome = type(exc).__name__
            with lock:
                outcomes.append(("webhook", outcome, started, time.monotonic() - started))
            if outcome == "200":
                i += 1  # a refused event is sent again, as a provider does
            time.sleep(0.1)

    threads = [threading.Thread(target=ticket_client, args=(n,)) for n in range(3)]
    threads.append(threading.Thread(target=provider))
    for thread in threads:
        thread.start()
    time.sleep(3)
    down_at = time.monotonic()
    server.stop()
    stopped_at = time.monotonic()
    time.sleep(OUTAGE_SECONDS)
    server.start()
    up_at = time.monotonic()

    def recovered() -> float | None:
        with lock:
            after = [o for o in outcomes if o[2] >= up_at and o[1] in ("200", "201")]
        return min(o[2] for o in after) - up_at if after else None

    deadline = up_at + 40
    while recovered() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)  # steady again
    stop.set()
    for thread in threads:
        thread.join(40)

    during = [o for o in outcomes if stopped_at + 0.5 <= o[2] and o[2] + o[3] <= up_at]
    after_recovery = [o for o in outcomes if o[2] >= up_at + (recovered() or 0) + 1]
    created = query(cluster.db_url, "SELECT count(*) FROM tickets_ticket WHERE subject LIKE 'pgdown %%'")[0][
        0
    ]
    stored = query(
        cluster.db_url, "SELECT count(*) FROM connectors_inboundevent WHERE external_id LIKE 'pg-%%'"
    )
    figures = {
        "outage_s": round(up_at - down_at, 1),
        "requests_during": len(during),
        "during": dict(Counter(f"{k}:{o}" for k, o, _s, _d in during)),
        "slowest_during_s": round(max((d for *_x, d in during), default=0), 2),
        "recovered_after_s": recovered(),
        "after_recovery": dict(Counter(f"{k}:{o}" for k, o, _s, _d in after_recovery)),
        "tickets_201": sum(1 for k, o, *_r in outcomes if k == "ticket" and o == "201"),
        "ticket_rows": created,
        "webhooks_200": sum(1 for k, o, *_r in outcomes if k == "webhook" and o == "200"),
        "event_rows": stored[0][0],
    }
    print(f"\nRELIABILITY postgres down: {json.dumps(figures)}")
    assert during, "no request fell inside the outage"
    assert {o for _k, o, _s, _d in during} == {"503"}, figures  # fail fast, refused: the provider retries
    assert figures["slowest_during_s"] <= 5, figures
    assert figures["recovered_after_s"] is not None and figures["recovered_after_s"] <= 30, figures
    assert {o for _k, o, _s, _d in after_recovery} <= {"200", "201"}, figures
    assert (
        figures["ticket_rows"] == figures["tickets_201"]
    )  # nothing half-written, nothing answered unwritten
    assert figures["event_rows"] == figures["webhooks_200"]
    assert all(
        p.popen is not None and p.popen.poll() is None for p in cluster.processes.values()
    )  # no restart
