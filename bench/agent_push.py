"""Agent push latency: 300 agent sockets open on uvicorn while signed WhatsApp webhooks arrive at 100 a second.

    python -m bench.agent_push --db postgres --agents 300 --rate 100 --seconds 60
    python -m bench.agent_push --db postgres --mode celery      # Celery worker + Redis channel layer

Setup: N agents (in-house team), each with a session and one WhatsApp ticket assigned to them (created through the
webhook and the inbound job, as in production). Then N real WebSockets (`websockets` client) open /ws/agent/ with
the agent's session cookie and subscribe to their ticket's page, as workspace/live.js does. The load generator
POSTs signed WhatsApp webhooks (each a new message, one wamid each) at `--rate` a second for `--seconds`, spread
over the N senders, so each message threads into an assigned agent's open ticket.

Latency = from the webhook's POST leaving the client to the `{"type": "message"}` frame naming that message
arriving at the assigned agent's socket (messages matched by id afterwards). It spans the whole path: signature
check and raw event row, the inbound job (contact, threading, message, events), the on-commit push with its
audience query, the channel layer and the socket. Target (issue 11, RELIABILITY L3): p95 <= 1 s.

Modes: `embedded` (default; `bin/awn up`): one uvicorn process, jobs on its in-process thread pool, the in-memory
channel layer. `celery`: uvicorn with the Redis channel layer and broker (AWN_REDIS_URL, AWN_BROKER_URL), jobs on
`celery -A config worker` (--concurrency 2), whose pushes reach the sockets through channels-redis; webhooks go
to gunicorn (2 gthread workers) as in the README's production layout, the sockets to uvicorn.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import websockets

from bench.chat_ws import pct, start_uvicorn
from bench.run import (
    PORT,
    ROOT,
    VENV_BIN,
    _free_port,
    database_url,
    ensure_postgres_database,
    manage,
    start_server,
)
from bench.webhooks import APP_SECRET, PHONE_ID

SETUP_SNIPPET = """
import hashlib, hmac, json, secrets
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from awn.accounts.enums import Role, TeamKind
from awn.accounts.models import Team, User
from awn.accounts.services import team_create, user_create
from awn.connectors.models import Conversation, InboundEvent, Inbox
from awn.connectors.services import inbox_save
from awn.tickets.enums import Status
from awn.tickets.models import Ticket
from awn.tickets.services import ticket_update
N = NUMBER
team = Team.objects.filter(name="bench-push").first() or team_create(name="bench-push", kind=TeamKind.IN_HOUSE)
inbox = Inbox.objects.filter(name="bench-push-whatsapp").first()
inbox = inbox_save(inbox=inbox, name="bench-push-whatsapp", kind="whatsapp", api_base_url="http://127.0.0.1:9/wa",
                   settings={"phone_number_id": "PHONE_ID"},
                   secrets={"access_token": "unused", "app_secret": "APP_SECRET", "verify_token": "v"})
# Events a previous run left pending would be swept into this run's measurement: this bench starts clean.
InboundEvent.objects.filter(inbox=inbox).exclude(status="done").delete()
client = Client()
out = []
for i in range(N):
    username = f"bench-push-{i:04d}"
    agent = User.objects.filter(username=username).first() or user_create(
        username=username, password=secrets.token_urlsafe(16), role=Role.AGENT, team=team)
    sender = f"96655{i:07d}"
    conversation = Conversation.objects.filter(inbox=inbox, address=sender).select_related("ticket").first()
    if conversation is None or conversation.ticket.status == Status.CLOSED:
        body = TEMPLATE.replace("SENDER", sender).replace("WAMID", f"wamid.setup{secrets.token_hex(8)}").encode()
        sig = "sha256=" + hmac.new(b"APP_SECRET", body, hashlib.sha256).hexdigest()
        with override_settings(AWN_TASKS_MODE="sync"):
            assert client.post(f"/hooks/{inbox.uuid}/", data=body, content_type="application/json",
                               headers={"X-Hub-Signature-256": sig}).status_code == 200
        conversation = Conversation.objects.select_related("ticket").get(inbox=inbox, address=sender)
    ticket = conversation.ticket
    if ticket.assignee_id != agent.pk:
        ticket_update(ticket=ticket, actor=None, changes={"assignee_id": agent.pk})
    session = SessionStore()
    session[SESSION_KEY] = str(agent.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = agent.get_session_auth_hash()
    session.create()
    out.append({"session": session.session_key, "ticket": ticket.pk, "sender": sender})
print(json.dumps({"inbox": str(inbox.uuid), "agents": out}))
""".replace("PHONE_ID", PHONE_ID).replace("APP_SECRET", APP_SECRET)

IDS_SNIPPET = """
import json
from awn.tickets.models import Message
rows = Message.objects.filter(body__startswith="PREFIX").values_list("pk", "body", "created_at")
print(json.dumps({body[len("PREFIX"):]: [pk, at.timestamp()] for pk, body, at in rows}))
"""


def payload(sender: str, wamid: str, text: str) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "102290129340398",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "966920000000", "phone_number_id": PHONE_ID},
                            "contacts": [{"profile": {"name": "ولي أمر"}, "wa_id": sender}],
                            "messages": [
                                {
                                    "from": sender,
                                    "id": wamid,
                                    "timestamp": "1763800000",
                                    "type": "text",
                                    "text": {"body": text},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }


def setup_snippet(agents: int) -> str:
    template = json.dumps(
        payload("SENDER", "WAMID", "السلام عليكم، عندي سؤال عن تسجيل ابني"), ensure_ascii=False
    )
    return SETUP_SNIPPET.replace("NUMBER", str(agents)).replace("TEMPLATE", repr(template))


def sign(body: bytes) -> str:
    import hashlib
    import hmac

    return "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()


async def run(
    base: str, hooks_base: str, setup: dict[str, Any], args: argparse.Namespace, prefix: str
) -> dict[str, Any]:
    ws_base = base.replace("http", "ws")
    received: dict[int, float] = {}  # message id → when its frame reached the assigned agent's socket
    received_wall: dict[int, float] = {}  # the same, wall clock (to compare with the row's created_at)
    frames = {"message": 0, "other": 0}
    sockets: list[Any] = []
    gate = asyncio.Semaphore(50)

    async def agent(entry: dict[str, Any], ready: asyncio.Event) -> None:
        headers = {"Cookie": f"sessionid={entry['session']}", "Origin": base}
        async with gate:
            ws = await websockets.connect(f"{ws_base}/ws/agent/", additional_headers=headers, max_queue=None)
            await ws.send(json.dumps({"type": "subscribe", "page": "ticket", "ticket": entry["ticket"]}))
            while json.loads(await ws.recv()).get("type") != "subscribed":
                pass
        sockets.append(ws)
        ready.set()
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") == "message" and frame.get("ticket") == entry["ticket"]:
                received.setdefault(frame["message"], time.perf_counter())
                received_wall.setdefault(frame["message"], time.time())
                frames["message"] += 1
            else:
                frames["other"] += 1

    t0 = time.perf_counter()
    readies = [asyncio.Event() for _ in setup["agents"]]
    readers = [asyncio.create_task(agent(e, r)) for e, r in zip(setup["agents"], readies, strict=True)]
    for ready, reader in zip(readies, readers, strict=True):
        while not ready.is_set():
            if reader.done() and reader.exception():
                raise reader.exception()  # type: ignore[misc]
            await asyncio.sleep(0.02)
    open_seconds = time.perf_counter() - t0

    sent: dict[str, float] = {}
    acks: list[float] = []
    errors = [0]
    total = int(args.rate * args.seconds)
    senders = [e["sender"] for e in setup["agents"]]
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    async with httpx.AsyncClient(base_url=hooks_base, limits=limits, timeout=60) as http:

        async def post(n: int) -> None:
            key = str(n)
            body = json.dumps(
                payload(senders[n % len(senders)], f"wamid.{prefix}{n:07d}", f"{prefix}{key}"),
                ensure_ascii=False,
                separators=(",", ":"),
            ).encode()
            headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)}
            started = time.perf_counter()
            sent[key] = started
            try:
                response = await http.post(f"/hooks/{setup['inbox']}/", content=body, headers=headers)
                errors[0] += response.status_code != 200
            except httpx.HTTPError:
                errors[0] += 1
            acks.append((time.perf_counter() - started) * 1000)

        start = time.perf_counter()
        posts = []
        for n in range(total):
            delay = start + n / args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            posts.append(asyncio.create_task(post(n)))
        await asyncio.gather(*posts)
        load_seconds = time.perf_counter() - start
        # Let the last messages drain to the screens.
        deadline = time.perf_counter() + args.drain
        while len(received) < total and time.perf_counter() < deadline:
            await asyncio.sleep(0.2)
    for ws in sockets:
        await ws.close()
    for task in readers:
        task.cancel()
    return {
        "sockets": len(sockets),
        "open_seconds": round(open_seconds, 1),
        "sent": total,
        "load_seconds": round(load_seconds, 1),
        "ack_p50_ms": round(pct(acks, 50), 1),
        "ack_p99_ms": round(pct(acks, 99), 1),
        "webhook_errors": errors[0],
        "frames": frames,
        "sent_at": sent,
        "received_at": received,
        "received_wall": received_wall,
    }


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    cmd = [
        str(VENV_BIN / "celery"),
        "-A",
        "config",
        "worker",
        "-Q",
        "inbound,outbound,ai,default",
        "--concurrency",
        "2",
        "--loglevel",
        "WARNING",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
    ]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--mode", choices=("embedded", "celery"), default="embedded")
    parser.add_argument("--agents", type=int, default=300)
    parser.add_argument("--rate", type=float, default=100.0, help="inbound messages a second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--connections", type=int, default=16, help="keep-alive connections posting webhooks")
    parser.add_argument("--drain", type=float, default=30.0, help="seconds to wait for the last pushes")
    args = parser.parse_args(argv)
    url = database_url(args.db)
    if args.db == "sqlite":
        url = f"sqlite:///{ROOT / 'var' / 'bench-push.sqlite3'}"
    else:
        url = url.rsplit("/", 1)[0] + "/awn_bench_push"
        ensure_postgres_database(url)
    redis = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    env = {**os.environ, "DATABASE_URL": url, "AWN_ASSISTANT_DENSE": "false", "AWN_AMI_EMBEDDED": "false"}
    for key in ("AWN_REDIS_URL", "AWN_BROKER_URL", "AWN_TASKS_MODE"):
        env.pop(key, None)
    if args.db == "postgres":
        env["AWN_DB_POOL"] = "true"  # under ASGI: the psycopg pool (DESIGN.md)
    manage(env, "migrate", "-v", "0")
    print(f"setting up {args.agents} agents and their tickets …", file=sys.stderr, flush=True)
    setup = json.loads(manage(env, "shell", "-c", setup_snippet(args.agents)).strip().splitlines()[-1])
    if args.mode == "celery":
        env.update(AWN_REDIS_URL=redis, AWN_BROKER_URL=redis, AWN_TASKS_MODE="celery")
        import redis as redis_client

        redis_client.Redis.from_url(redis).flushdb()  # the bench's own database: no task of an earlier run
    else:
        env["AWN_TASKS_MODE"] = "thread"
    port = _free_port()
    server = start_uvicorn(env, port)
    worker = start_worker(env) if args.mode == "celery" else None
    web = None
    hooks_base = f"http://127.0.0.1:{port}"
    if args.mode == "celery":
        web_env = {**env, "AWN_DB_POOL": "false", "AWN_DB_CONN_MAX_AGE": "600"}
        web = start_server(web_env, workers=2, worker_class="gthread")
        hooks_base = f"http://127.0.0.1:{PORT}"
    prefix = f"push:{int(time.time())}:"
    load_before = os.getloadavg()[0]
    try:
        if worker is not None:
            time.sleep(5)  # the worker's processes are up
        result = asyncio.run(run(f"http://127.0.0.1:{port}", hooks_base, setup, args, prefix))
    finally:
        for process in (web, worker, server):
            if process is not None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
    ids = json.loads(
        manage(env, "shell", "-c", IDS_SNIPPET.replace("PREFIX", prefix)).strip().splitlines()[-1]
    )
    sent_at, received_at = result.pop("sent_at"), result.pop("received_at")
    received_wall = result.pop("received_wall")
    latencies = [
        (received_at[pk] - sent_at[key]) * 1000
        for key, (pk, _at) in ids.items()
        if pk in received_at and key in sent_at
    ]
    # The realtime part alone: from the message row's insert (in the inbound job's transaction) to the frame.
    push_only = [(received_wall[pk] - at) * 1000 for pk, at in ids.values() if pk in received_wall]
    result.update(
        stored=len(ids),
        pushed=len(latencies),
        p50_ms=round(pct(latencies, 50), 1) if latencies else None,
        p95_ms=round(pct(latencies, 95), 1) if latencies else None,
        p99_ms=round(pct(latencies, 99), 1) if latencies else None,
        max_ms=round(max(latencies), 1) if latencies else None,
        insert_to_screen_p50_ms=round(pct(push_only, 50), 1) if push_only else None,
        insert_to_screen_p95_ms=round(pct(push_only, 95), 1) if push_only else None,
        db=args.db,
        mode=args.mode,
        rate=args.rate,
        load_avg_before=load_before,
        load_avg_after=os.getloadavg()[0],
    )
    result["met"] = bool(latencies) and result["p95_ms"] <= 1000 and len(latencies) == result["sent"]
    print(json.dumps(result))
    with (Path(ROOT) / "bench" / "results.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps({"bench": "agent_push", **result}) + "\n")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
