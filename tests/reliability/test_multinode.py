"""Statelessness (issue 19, item 3): two web processes (gunicorn), two ASGI processes (uvicorn) and two Celery
workers on 127.0.0.1, one PostgreSQL database and one Redis. A session made on one web process works on the
other; tickets are created through both; a live chat joins a visitor on ASGI #1 and an agent on ASGI #2; the
workers share the channel jobs and none is done twice. Skips cleanly without PostgreSQL or redis-server."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets

from .cluster import Cluster, query, run_async, running_cluster, sign_in, wait_until

pytestmark = pytest.mark.reliability
DB_NAME = "awn_ops_multinode"
EVENTS = 24


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(
        tmp_path_factory.mktemp("multinode"), DB_NAME, {"web": 2, "asgi": 2, "worker": 2}
    ) as c:
        yield c


def test_a_session_made_on_one_web_process_is_honoured_and_ended_on_the_other(cluster: Cluster) -> None:
    seed = cluster.seed
    on_web1 = sign_in(cluster["web1"].url, seed["agent"], seed["password"])
    on_web2 = httpx.Client(base_url=cluster["web2"].url, cookies=on_web1.cookies, timeout=15)
    assert on_web2.get("/workspace/").status_code == 200
    # Signing out on web2 ends the session for web1 too: no process keeps a copy of its own.
    token = on_web2.cookies.get("csrftoken", "")
    out = on_web2.post(
        "/accounts/logout/",
        data={"csrfmiddlewaretoken": token},
        headers={"Referer": f"{cluster['web2'].url}/"},
    )
    assert out.status_code in (200, 302)
    again = httpx.get(f"{cluster['web1'].url}/workspace/", cookies=on_web1.cookies, timeout=15)
    assert again.status_code == 302 and "/accounts/login/" in again.headers["location"]


def test_tickets_are_created_through_both_web_processes(cluster: Cluster) -> None:
    headers = {"Authorization": f"Bearer {cluster.seed['api_key']}"}
    created = []
    for i in range(8):
        base = cluster[f"web{i % 2 + 1}"].url
        response = httpx.post(
            f"{base}/api/v1/tickets/",
            json={
                "subject": f"multinode ticket {i}",
                "body": "نص الطلب",
                "requester_id": cluster.seed["requester_id"],
            },
            headers=headers,
            timeout=30,
        )
        assert response.status_code == 201, response.text
        created.append(response.json()["id"])
    assert len(set(created)) == 8
    rows = query(cluster.db_url, "SELECT id FROM tickets_ticket WHERE subject LIKE 'multinode ticket %%'")
    assert sorted(r[0] for r in rows) == sorted(created)


def _signed(body: bytes, secret: str) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Fake-Signature": hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
    }


def test_channel_jobs_are_shared_by_both_workers_and_none_is_done_twice(cluster: Cluster) -> None:
    seed = cluster.seed
    bodies = [
        json.dumps(
            {"events": [{"id": f"mn-{i}", "from": f"9665{i:08d}", "name": "مرسل", "text": f"رسالة {i}"}]}
        ).encode()
        for i in range(EVENTS)
    ]
    # Every event through both web processes (a provider's redelivery lands on the other one).
    for i, body in enumerate(bodies):
        for web in (f"web{i % 2 + 1}", f"web{(i + 1) % 2 + 1}"):
            response = httpx.post(
                f"{cluster[web].url}/hooks/{seed['inbox']}/",
                content=body,
                headers=_signed(body, seed["secret"]),
                timeout=30,
            )
            assert response.status_code == 200, response.text

    def all_processed() -> bool:
        rows = query(cluster.db_url, "SELECT status, count(*) FROM connectors_inboundevent GROUP BY status")
        counts = dict(rows)
        return counts.get("done", 0) + counts.get("failed", 0) >= EVENTS

    wait_until(all_processed, 45, "the workers did not process every event", every=0.5)
    statuses = dict(
        query(cluster.db_url, "SELECT status, count(*) FROM connectors_inboundevent GROUP BY status")
    )
    assert statuses == {"done": EVENTS}
    conversations = query(
        cluster.db_url,
        "SELECT t.id, (SELECT count(*) FROM tickets_message m WHERE m.ticket_id = t.id) FROM tickets_ticket t "
        "JOIN connectors_conversation c ON c.ticket_id = t.id",
    )
    assert len(conversations) == EVENTS  # one ticket per sender: none twice
    assert all(messages == 1 for _ticket, messages in conversations)  # one message per event: none twice

    # Both workers took some, and no job id ran on both (or twice on one): one drain job per stored webhook (the
    # redelivery stores nothing and enqueues nothing).
    pattern = re.compile(r"Task awn\.connectors\.tasks\.drain_inbound\[([0-9a-f-]+)\] succeeded")

    def logged() -> dict[str, list[str]]:
        return {name: pattern.findall(cluster[name].log_text()) for name in ("worker1", "worker2")}

    # A worker writes "succeeded" just after the job's commit: give the last lines a moment to reach the files.
    wait_until(lambda: sum(map(len, logged().values())) >= EVENTS, 10, "the workers' logs lag", every=0.2)
    per_worker = logged()
    assert all(per_worker.values()), {k: len(v) for k, v in per_worker.items()}
    runs = Counter(task for tasks in per_worker.values() for task in tasks)
    assert sum(runs.values()) == EVENTS and max(runs.values()) == 1, runs


async def _until(ws: Any, kind: str, timeout: float = 15, **match: Any) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame.get("type") == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame


def test_a_live_chat_joins_a_visitor_on_one_asgi_process_and_an_agent_on_the_other(cluster: Cluster) -> None:
    seed = cluster.seed
    agent_http = sign_in(cluster["web1"].url, seed["agent"], seed["password"])
    cookie = "; ".join(f"{k}={v}" for k, v in agent_http.cookies.items())
    asgi1, asgi2 = cluster["asgi1"].url, cluster["asgi2"].url
    timings: dict[str, float] = {}

    async def scenario() -> None:
        async with websockets.connect(
            f"{asgi2.replace('http', 'ws')}/ws/agent/", additional_headers={"Cookie": cookie, "Origin": asgi2}
        ) as agent:
            await agent.send(json.dumps({"type": "subscribe", "page": "chats"}))
            await _until(agent, "chats")
            async with httpx.AsyncClient(base_url=cluster["web2"].url, timeout=30) as http:
                started = await http.post(
                    "/chat/start/",
                    json={"name": "منى", "email": "mona@example.sa", "question": "ابني لا يظهر"},
                )
            assert started.status_code == 200, started.text
            queued = await _until(agent, "chat")  # pushed from web2 through Redis to ASGI #2
            cid = queued["chat"]["id"]
            async with websockets.connect(
                f"{asgi1.replace('http', 'ws')}/ws/chat/{started.json()['token']}/",
                additional_headers={"Origin": asgi1},
            ) as visitor:
                await _until(visitor, "history")
                await agent.send(json.dumps({"type": "accept", "conversation": cid}))
                await _until(visitor, "status", status="assigned")
                t0 = time.monotonic()
                await visitor.send(json.dumps({"type": "message", "text": "اسمه فهد"}))
                seen = await _until(agent, "line", conversation=cid)
                timings["visitor_to_agent"] = time.monotonic() - t0
                assert seen["line"]["body"] == "اسمه فهد"
                t0 = time.monotonic()
                await agent.send(json.dumps({"type": "reply", "conversation": cid, "text": "تم الربط"}))
                got = await _until(visitor, "line")
                while got["line"]["sender"] != "agent":
                    got = await _until(visitor, "line")
                timings["agent_to_visitor"] = time.monotonic() - t0
                assert got["line"]["body"] == "تم الربط"

    run_async(scenario)
    assert query(cluster.db_url, "SELECT count(*) FROM tickets_message WHERE body = %s", ("تم الربط",)) == [
        (1,)
    ]
    print(
        f"\nRELIABILITY chat across ASGI processes: {json.dumps({k: round(v, 3) for k, v in timings.items()})}"
    )
    assert all(seconds < 5 for seconds in timings.values()), timings
