"""Fault tests on real processes (R4 Redis down, R7 SIGTERM under load). Long: run with
`pytest -m reliability_long tests/reliability` (README). Each prints a RELIABILITY line with its figures."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from .cluster import Cluster, query, run_async, running_cluster, sign_in, wait_until

pytestmark = [pytest.mark.reliability, pytest.mark.reliability_long]
OUTAGE_SECONDS = float(os.environ.get("AWN_RELIABILITY_OUTAGE_SECONDS", "10"))


def _webhook(cluster: Cluster, base: str, event_id: str) -> tuple[int, float]:
    seed = cluster.seed
    body = json.dumps(
        {
            "events": [
                {"id": event_id, "from": f"9665{abs(hash(event_id)) % 10**8:08d}", "name": "م", "text": "نص"}
            ]
        }
    ).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Fake-Signature": hmac.new(seed["secret"].encode(), body, hashlib.sha256).hexdigest(),
    }
    started = time.monotonic()
    response = httpx.post(f"{base}/hooks/{seed['inbox']}/", content=body, headers=headers, timeout=30)
    return response.status_code, time.monotonic() - started


@pytest.fixture(scope="module")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(
        tmp_path_factory.mktemp("redis-down"),
        "awn_ops_faults",
        {"web": 1, "worker": 1, "beat": 1},
        env_extra={"AWN_WORKER_STALE_SECONDS": "2"},
    ) as cluster:
        yield cluster


def test_webhooks_are_stored_and_acknowledged_while_redis_is_down_and_drained_after(
    redis_cluster: Cluster,
) -> None:
    cluster = redis_cluster
    base = cluster["web1"].url
    assert _webhook(cluster, base, "before")[0] == 200
    wait_until(
        lambda: (
            query(cluster.db_url, "SELECT count(*) FROM connectors_inboundevent WHERE status='done'")
            == [(1,)]
        ),
        30,
        "the first event was not processed",
    )

    agent = sign_in(base, cluster.seed["agent"], cluster.seed["password"])
    assert agent.get("/workspace/").status_code == 200
    cluster.redis.stop()  # our own redis-server: cache, channel layer and broker all gone
    outage_started = time.monotonic()
    answers = []
    pages = []
    i = 0
    while time.monotonic() - outage_started < OUTAGE_SECONDS:
        answers.append(_webhook(cluster, base, f"outage-{i}"))
        if i % 10 == 0:  # an agent keeps working: the session is read from the database
            pages.append(agent.get("/workspace/").status_code)
        i += 1
    ready_during = httpx.get(f"{base}/ready", timeout=10).status_code
    pending = query(cluster.db_url, "SELECT count(*) FROM connectors_inboundevent WHERE status='pending'")[0][
        0
    ]
    cluster.redis.start()  # same port: every process reconnects by itself, none is restarted
    back = time.monotonic()

    def drained() -> bool:
        rows = dict(
            query(cluster.db_url, "SELECT status, count(*) FROM connectors_inboundevent GROUP BY status")
        )
        return rows.get("done", 0) == len(answers) + 1

    wait_until(drained, 90, "the backlog was not drained after Redis came back", every=0.5)
    drain_seconds = time.monotonic() - back
    statuses = Counter(code for code, _s in answers)
    latencies = sorted(seconds for _c, seconds in answers)
    figures = {
        "outage_s": OUTAGE_SECONDS,
        "webhooks": len(answers),
        "statuses": dict(statuses),
        "ack_p50_s": round(latencies[len(latencies) // 2], 3),
        "ack_max_s": round(latencies[-1], 3),
        "pending_at_return": pending,
        "drained_after_return_s": round(drain_seconds, 1),
        "agent_pages": dict(Counter(pages)),
        "ready_during": ready_during,
    }
    print(f"\nRELIABILITY redis down: {json.dumps(figures)}")
    assert statuses == {200: len(answers)}  # every webhook acknowledged
    assert set(pages) == {200}  # the workspace keeps working without its cache
    assert pending == len(answers)  # and stored before the answer (nothing processed without a broker)
    assert latencies[-1] < 5  # a provider's timeout is longer
    tickets = query(cluster.db_url, "SELECT count(*) FROM connectors_conversation")[0][0]
    assert tickets == len(answers) + 1  # 0 lost, 0 doubled


# --- SIGTERM of a web process under load -------------------------------------------------------------------


@pytest.fixture(scope="module")
def web_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(
        tmp_path_factory.mktemp("sigterm"),
        "awn_ops_sigterm",
        {"web": 1, "worker": 0},
        web_args=tuple(os.environ.get("AWN_RELIABILITY_WEB_ARGS", "").split()),
    ) as c:
        yield c


def _load(cluster: Cluster, tag: str, action: Any, clients: int = 6, steady: float = 4) -> dict[str, Any]:
    """`clients` threads create tickets through the API on web1 in a loop; after `steady` seconds `action()` runs
    (a signal to the web process); the clients stop once it returns. Every outcome is classified."""
    base = cluster["web1"].url
    headers = {"Authorization": f"Bearer {cluster.seed['api_key']}"}
    outcomes: list[tuple[str, float, float]] = []  # (outcome, started, ended)
    lock = threading.Lock()
    stop = threading.Event()

    def client(n: int) -> None:
        i = 0
        while not stop.is_set():
            started = time.monotonic()
            try:
                response = httpx.post(
                    f"{base}/api/v1/tickets/",
                    json={
                        "subject": f"{tag} {n}-{i}",
                        "body": "نص",
                        "requester_id": cluster.seed["requester_id"],
                    },
                    headers=headers,
                    timeout=30,
                )
                outcome = str(response.status_code)
            except httpx.ConnectError:
                outcome = "refused"  # never reached the process: nginx sends it to another one
            except httpx.HTTPError as exc:
                outcome = f"reset:{type(exc).__name__}"
            with lock:
                outcomes.append((outcome, started, time.monotonic()))
            if outcome == "refused":
                return
            i += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(steady)
    signalled = time.monotonic()
    result = action()
    done = time.monotonic()
    time.sleep(1)  # a little load after the action
    stop.set()
    for thread in threads:
        thread.join(40)
    spanning = [o for o in outcomes if o[1] < signalled < o[2]]
    counts = Counter(o[0] for o in outcomes)
    created = query(
        cluster.db_url, "SELECT count(*) FROM tickets_ticket WHERE subject LIKE %s", (f"{tag} %",)
    )[0][0]
    return {
        "requests": len(outcomes),
        "outcomes": dict(counts),
        "spanning_the_signal": dict(Counter(o[0] for o in spanning)),
        "action_result": result,
        "action_seconds": round(done - signalled, 2),
        "rows_created": created,
    }


def test_a_reload_of_a_web_process_under_load_fails_no_request(web_cluster: Cluster) -> None:
    """The deploy path (systemd `reload` = SIGHUP to gunicorn): new workers start, the old ones finish their
    requests, the listening socket never closes. 0 failed requests."""
    process = web_cluster["web1"]
    assert process.popen is not None
    before = _worker_pids(process.popen.pid)

    def reload() -> list[int]:
        assert process.popen is not None
        master = process.popen.pid
        process.signal(signal.SIGHUP)
        wait_until(
            lambda: bool(_worker_pids(master)) and not set(_worker_pids(master)) & set(before),
            30,
            "gunicorn did not replace its workers",
        )
        return _worker_pids(master)

    figures = _load(web_cluster, "reload", reload)
    print(f"\nRELIABILITY reload (HUP) web under load: {json.dumps(figures)}")
    assert figures["outcomes"] == {"201": figures["requests"]}, figures
    assert figures["rows_created"] == figures["requests"]
    assert figures["spanning_the_signal"].get("201", 0) >= 1


def _worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    try:
        return [int(pid) for pid in children.read_text().split()]
    except OSError:
        return []


def test_sigterm_of_a_web_process_under_load_completes_what_it_started(web_cluster: Cluster) -> None:
    """Stopping for good (SIGTERM): the requests a worker started complete, new connections are refused (nginx
    tries the next process). Connections still waiting in the kernel's listen queue when gunicorn closes its socket
    are reset: they were never started (0 rows for them), but nginx does not resend a POST, so take a process out
    of the upstream before stopping it (README); deploys use reload, above."""
    process = web_cluster["web1"]
    assert process.popen is not None

    def terminate() -> int | None:
        process.signal(signal.SIGTERM)
        return process.popen.wait(40) if process.popen else None

    figures = _load(web_cluster, "sigterm", terminate)
    print(f"\nRELIABILITY sigterm web under load: {json.dumps(figures)}")
    counts = figures["outcomes"]
    assert figures["action_result"] == 0  # a clean exit, within the graceful timeout
    assert figures["spanning_the_signal"].get("201", 0) >= 1, figures  # in flight at SIGTERM, completed
    assert not [o for o in counts if o.startswith("5")], figures  # no 5xx: nothing failed half-way
    # Every request that was reset or refused wrote nothing: rows are exactly the 201 answers.
    assert figures["rows_created"] == counts.get("201", 0)


# --- SIGTERM of an ASGI process: the agents' sockets come back on the other one ----------------------------------


@pytest.fixture(scope="module")
def asgi_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(
        tmp_path_factory.mktemp("asgi"), "awn_ops_asgi", {"web": 1, "asgi": 2, "worker": 1}
    ) as c:
        yield c


async def _frame(ws: Any, kind: str, timeout: float = 10) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("type") == kind:
                return dict(frame)


def test_sigterm_of_an_asgi_process_agent_sockets_reconnect_within_5_seconds(asgi_cluster: Cluster) -> None:
    """The agent page's policy (awn/workspace/static/workspace/live.js): on close, retry after 0.5 s, 1 s, 2 s…;
    nginx sends a refused connection to the next ASGI process. Measured from SIGTERM to the socket subscribed again
    and to the first push it receives."""
    cluster = asgi_cluster
    agent = sign_in(cluster["web1"].url, cluster.seed["agent"], cluster.seed["password"])
    cookie = "; ".join(f"{k}={v}" for k, v in agent.cookies.items())
    targets = [cluster["asgi1"].url, cluster["asgi2"].url]
    figures: dict[str, Any] = {}

    async def open_socket() -> Any:
        for base in targets:  # nginx: the next upstream when one refuses
            try:
                ws = await websockets.connect(
                    f"{base.replace('http', 'ws')}/ws/agent/",
                    additional_headers={"Cookie": cookie, "Origin": base},
                    open_timeout=3,
                )
            except (OSError, websockets.exceptions.InvalidHandshake):
                continue
            await ws.send(json.dumps({"type": "subscribe", "page": "chats"}))
            await _frame(ws, "chats")
            return ws
        return None

    async def scenario() -> None:
        ws = await open_socket()
        assert ws is not None
        term = time.monotonic()
        cluster["asgi1"].signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(15):
                while True:
                    await ws.recv()
        except websockets.exceptions.ConnectionClosed as closed:
            figures["close_code"] = closed.rcvd.code if closed.rcvd else None
        figures["closed_after_s"] = round(time.monotonic() - term, 2)
        retry, again = 0, None
        while again is None and time.monotonic() - term < 30:
            retry = min(retry + 1, 6)
            await asyncio.sleep(min(15.0, 0.5 * 2 ** (retry - 1)))
            again = await open_socket()
        assert again is not None
        figures["subscribed_again_after_s"] = round(time.monotonic() - term, 2)
        async with httpx.AsyncClient(base_url=cluster["web1"].url, timeout=30) as http:
            started = await http.post(
                "/chat/start/", json={"name": "منى", "email": "m@example.sa", "question": "سؤال"}
            )
        assert started.status_code == 200, started.text
        live = cluster["asgi2"].url
        async with websockets.connect(
            f"{live.replace('http', 'ws')}/ws/chat/{started.json()['token']}/",
            additional_headers={"Origin": live},
        ) as visitor:
            await _frame(visitor, "history")
            await visitor.send(json.dumps({"type": "human"}))  # "talk to a person": the chat is queued
            await _frame(again, "chat")  # pushed to the agent's new socket
        figures["first_push_after_s"] = round(time.monotonic() - term, 2)
        await again.close()

    run_async(scenario)
    process = cluster["asgi1"].popen
    assert process is not None
    figures["exit_code"] = process.wait(20)
    print(f"\nRELIABILITY sigterm asgi: {json.dumps(figures)}")
    assert figures["subscribed_again_after_s"] < 5, figures
    assert figures["close_code"] == 1012  # "service restart": the page reconnects at once
    # uvicorn finishes its shutdown, then re-raises SIGTERM (exit -15: systemd counts it as a clean stop).
    assert figures["exit_code"] in (0, -signal.SIGTERM)
    assert "Finished server process" in cluster["asgi1"].log_text()


# --- Redis stopped with agents' sockets open: the page learns it, polls, and comes back -------------------------


@pytest.fixture(scope="module")
def realtime_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(
        tmp_path_factory.mktemp("redis-ws"), "awn_ops_redis_ws", {"web": 1, "asgi": 1, "worker": 1}
    ) as c:
        yield c


def test_redis_stopped_agent_sockets_close_pages_poll_and_sockets_return_after(
    realtime_cluster: Cluster,
) -> None:
    """R4's screens: the socket closes (live.js then shows «جارٍ إعادة الاتصال…» and polls its fragments over HTTP,
    which keep working without the cache); after Redis returns, the page's retries get a socket that carries
    pushes again, without restarting the ASGI process."""
    cluster = realtime_cluster
    agent = sign_in(cluster["web1"].url, cluster.seed["agent"], cluster.seed["password"])
    cookie = "; ".join(f"{k}={v}" for k, v in agent.cookies.items())
    base = cluster["asgi1"].url
    ws_url = f"{base.replace('http', 'ws')}/ws/agent/"
    figures: dict[str, Any] = {}

    async def open_socket() -> Any:
        try:
            ws = await websockets.connect(
                ws_url, additional_headers={"Cookie": cookie, "Origin": base}, open_timeout=5
            )
        except (OSError, websockets.exceptions.InvalidHandshake, TimeoutError):
            return None
        await ws.send(json.dumps({"type": "subscribe", "page": "chats"}))
        await _frame(ws, "chats")
        return ws

    async def scenario() -> None:
        ws = await open_socket()
        assert ws is not None
        stopped = time.monotonic()
        cluster.redis.stop()
        try:
            async with asyncio.timeout(10):
                while True:
                    await ws.recv()
        except websockets.exceptions.ConnectionClosed:
            figures["socket_closed_after_s"] = round(time.monotonic() - stopped, 2)
        async with httpx.AsyncClient(cookies=agent.cookies, timeout=10) as http:  # the page's polling
            polls = [(await http.get(f"{cluster['web1'].url}/workspace/")).status_code for _ in range(3)]
        figures["polls_during"] = polls
        figures["socket_during"] = "refused" if await open_socket() is None else "open"
        cluster.redis.start()
        back = time.monotonic()
        retry, again = 0, None
        while again is None and time.monotonic() - back < 30:
            retry = min(retry + 1, 6)
            await asyncio.sleep(min(15.0, 0.5 * 2 ** (retry - 1)))  # live.js's policy
            again = await open_socket()
        assert again is not None
        figures["socket_back_after_s"] = round(time.monotonic() - back, 2)
        async with httpx.AsyncClient(base_url=cluster["web1"].url, timeout=30) as http:
            started = await http.post(
                "/chat/start/", json={"name": "منى", "email": "m@example.sa", "question": "؟"}
            )
        async with websockets.connect(
            f"{base.replace('http', 'ws')}/ws/chat/{started.json()['token']}/",
            additional_headers={"Origin": base},
        ) as visitor:
            await _frame(visitor, "history")
            await visitor.send(json.dumps({"type": "human"}))
            await _frame(again, "chat")
        figures["first_push_after_s"] = round(time.monotonic() - back, 2)
        await again.close()

    run_async(scenario)
    print(f"\nRELIABILITY redis down, agent sockets: {json.dumps(figures)}")
    assert figures.get("socket_closed_after_s", 99) < 5, figures  # the page knows at once: "reconnecting"
    assert figures["polls_during"] == [200, 200, 200]
    assert figures["socket_back_after_s"] < 5, figures
    assert cluster["asgi1"].popen is not None and cluster["asgi1"].popen.poll() is None  # never restarted
