"""Live chat delivery over WebSockets: N visitor sockets open on uvicorn, agents reply, visitors receive.

    python -m bench.chat_ws --db sqlite --sockets 2000 --messages 600 --rate 40
    python -m bench.chat_ws --db postgres --sockets 2000 --messages 600 --rate 40

Setup writes N assigned chats straight to the database (the pre-chat form is rate-limited per address and runs
the assistant: not what is measured). One uvicorn process (the embedded mode: in-memory channel layer) serves
everything; `--redis` switches it to the Redis channel layer. All N visitor sockets are opened and kept open
(each receives its history first); then agents send `--messages` replies at `--rate` a second over `--agents`
sockets, spread over the chats. Delivery latency = from the agent's frame leaving the client to the visitor's
socket receiving the line; each reply is a real ticket message (a DB write) pushed after commit.
Target (issue 4): 2,000 sockets, p99 <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import websockets

from bench.run import ROOT, VENV_BIN, _free_port, database_url, ensure_postgres_database, manage

SETUP_SNIPPET = """
import json, secrets
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils import timezone
from awn.accounts.enums import Role
from awn.accounts.models import User
from awn.accounts.services import user_create
from awn.chat.models import LiveSession, Line
from awn.chat.services import token_for
from awn.connectors.models import Conversation as Thread
from awn.connectors.services import web_chat_inbox
from awn.crm.models import Contact
from awn.tickets.models import Ticket
N = NUMBER
agent = User.objects.filter(username="bench-chat-agent").first() or user_create(
    username="bench-chat-agent", password=secrets.token_urlsafe(16), role=Role.AGENT)
LiveSession.objects.filter(agent=agent).update(status="closed")
now = timezone.now()
contacts = Contact.objects.bulk_create(
    [Contact(name=f"زائر {i}", name_normalized=f"زاير {i}", email=f"v{i}@bench.example") for i in range(N)])
tickets = Ticket.objects.bulk_create([
    Ticket(subject="سؤال في المحادثة", requester=c, channel="chat", status="open", assignee=agent, last_message_at=now)
    for c in contacts])
inbox = web_chat_inbox()
threads = Thread.objects.bulk_create([
    Thread(ticket=t, inbox=inbox, address=c.email, contact=c, last_inbound_at=now, created_at=now)
    for t, c in zip(tickets, contacts)])
chats = LiveSession.objects.bulk_create([
    LiveSession(thread=th, key=secrets.token_urlsafe(24), status="assigned", agent=agent,
                 visitor_name=c.name, visitor_email=c.email, accepted_at=now, queued_at=now)
    for th, c in zip(threads, contacts)])
Thread.objects.bulk_update([Thread(pk=th.pk, external_id=str(x.pk)) for th, x in zip(threads, chats)], ["external_id"])
Line.objects.bulk_create([Line(conversation=x, sender="visitor", body="سؤال في المحادثة", author_name=x.visitor_name)
                          for x in chats])
session = SessionStore()
session[SESSION_KEY] = str(agent.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = agent.get_session_auth_hash()
session.create()
print(json.dumps({"session": session.session_key, "chats": [[x.pk, token_for(x)] for x in chats]}))
"""


def start_uvicorn(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    cmd = [
        str(VENV_BIN / "uvicorn"),
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--lifespan",
        "off",
        "--log-level",
        "warning",
        "--backlog",
        "4096",
    ]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError("uvicorn exited")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/chat/strings/", timeout=2)
            return server
        except OSError:
            time.sleep(0.3)
    os.killpg(server.pid, signal.SIGTERM)
    raise RuntimeError("uvicorn did not start")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def run(base: str, session: str, chats: list[list[Any]], args: argparse.Namespace) -> dict[str, Any]:
    ws_base = base.replace("http", "ws")
    origin = {"Origin": base}
    sent: dict[str, float] = {}
    latencies: list[float] = []
    done = asyncio.Event()
    opened: list[Any] = []
    gate = asyncio.Semaphore(100)

    async def visitor(token: str) -> None:
        async with gate:
            ws = await websockets.connect(
                f"{ws_base}/ws/chat/{token}/", additional_headers=origin, max_queue=None
            )
            json.loads(await ws.recv())  # the history frame
        opened.append(ws)
        async for raw in ws:
            frame = json.loads(raw)
            if frame.get("type") == "line" and frame["line"]["body"].startswith("bench:"):
                key = frame["line"]["body"]
                if key in sent:
                    latencies.append((time.perf_counter() - sent[key]) * 1000)
                    if len(latencies) >= args.messages:
                        done.set()

    t0 = time.perf_counter()
    readers = [asyncio.create_task(visitor(token)) for _, token in chats]
    while len(opened) < len(chats):
        if any(r.done() and r.exception() for r in readers):
            raise next(r.exception() for r in readers if r.done() and r.exception())  # type: ignore[misc]
        await asyncio.sleep(0.05)
    open_seconds = time.perf_counter() - t0
    cookie = {"Cookie": f"sessionid={session}", **origin}
    agents = [
        await websockets.connect(f"{ws_base}/ws/agent/", additional_headers=cookie)
        for _ in range(args.agents)
    ]
    for agent in agents:
        await agent.send(json.dumps({"type": "subscribe", "page": "chats"}))  # the live chats page
        while json.loads(await agent.recv()).get("type") != "subscribed":  # the chats snapshot comes first
            pass

    async def drain(agent: Any) -> None:
        async for raw in agent:
            frame = json.loads(raw)
            if frame.get("type") == "error":
                print("agent error:", frame, file=sys.stderr)

    drains = [asyncio.create_task(drain(a)) for a in agents]
    interval = 1 / args.rate
    start = time.perf_counter()
    for i in range(args.messages):
        cid = chats[(i * 7919) % len(chats)][0]
        key = f"bench:{i}"
        sent[key] = time.perf_counter()
        await agents[i % len(agents)].send(json.dumps({"type": "reply", "conversation": cid, "text": key}))
        delay = start + (i + 1) * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), timeout=60)
    for ws in opened + agents:
        await ws.close()
    for task in readers + drains:
        task.cancel()
    return {
        "sockets": len(opened),
        "open_seconds": round(open_seconds, 1),
        "sent": args.messages,
        "delivered": len(latencies),
        "rate": args.rate,
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p99_ms": round(pct(latencies, 99), 1) if latencies else None,
        "max_ms": round(max(latencies), 1) if latencies else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--sockets", type=int, default=2000)
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--rate", type=float, default=40.0, help="replies a second")
    parser.add_argument("--agents", type=int, default=4, help="agent sockets sending the replies")
    parser.add_argument("--redis", action="store_true", help="Redis channel layer (AWN_REDIS_URL)")
    args = parser.parse_args(argv)
    url = database_url(args.db)
    if args.db == "sqlite":
        url = f"sqlite:///{ROOT / 'var' / 'bench-chat.sqlite3'}"
    else:
        url = url.rsplit("/", 1)[0] + "/awn_bench_chat"
        ensure_postgres_database(url)
    env = {**os.environ, "DATABASE_URL": url, "AWN_TASKS_MODE": "off", "AWN_ASSISTANT_DENSE": "false"}
    if args.db == "postgres":
        env["AWN_DB_POOL"] = "true"  # under ASGI: the psycopg pool, not a connection per call (DESIGN.md)
    if args.redis:
        env["AWN_REDIS_URL"] = os.environ.get("AWN_REDIS_URL", "redis://127.0.0.1:6379/14")
    else:
        env.pop("AWN_REDIS_URL", None)
    manage(env, "migrate", "-v", "0")
    snippet = SETUP_SNIPPET.replace("NUMBER", str(args.sockets))
    setup = json.loads(manage(env, "shell", "-c", snippet).strip().splitlines()[-1])
    port = _free_port()
    server = start_uvicorn(env, port)
    try:
        result = asyncio.run(run(f"http://127.0.0.1:{port}", setup["session"], setup["chats"], args))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    result.update(db=args.db, layer="redis" if args.redis else "in-memory", load=os.getloadavg()[0])
    print(json.dumps(result))
    with (Path(ROOT) / "bench" / "results.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps({"bench": "chat_ws", **result}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
