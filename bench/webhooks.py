"""Webhook intake throughput: signed WhatsApp Cloud API webhooks posted by wrk to gunicorn.

    python -m bench.webhooks --db postgres --seconds 15 --connections 8
    python -m bench.webhooks --db sqlite --seconds 15 --connections 8

The web process only verifies, stores the raw event and answers (AWN_TASKS_MODE=off); the work (contact, ticket,
message) is done afterwards by `manage.py run_worker`, whose drain rate is reported too. Target (issue 4):
>= 500 acknowledgements/s with p99 <= 200 ms. Every body is a distinct message (its own wamid), signed with the
inbox's app secret, so each request is a real insert, not an absorbed duplicate. Latency is timed by our own
closed-loop client on keep-alive connections (`--client wrk` gives wrk's figures, whose tail did not add up here).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

import numpy as np

from bench.run import PORT, ROOT, database_url, ensure_postgres_database, manage, run_wrk, start_server

APP_SECRET = "bench-app-secret"
PHONE_ID = "106540352242922"

INBOX_SNIPPET = """
import json
from awn.connectors.models import Inbox
from awn.connectors.services import inbox_save
inbox = Inbox.objects.filter(name="bench-whatsapp").first()
inbox = inbox_save(inbox=inbox, name="bench-whatsapp", kind="whatsapp", settings={"phone_number_id": "PHONE_ID"},
                   secrets={"access_token": "unused", "app_secret": "APP_SECRET", "verify_token": "v"})
print(json.dumps({"uuid": str(inbox.uuid)}))
""".replace("PHONE_ID", PHONE_ID).replace("APP_SECRET", APP_SECRET)

COUNT_SNIPPET = """
import json
from awn.connectors.models import InboundEvent
print(json.dumps({s: InboundEvent.objects.filter(status=s).count() for s in ("pending", "done", "failed")}))
"""


def body(run: str, n: int) -> str:
    sender = f"9665{(10_000_000 + n % 5000):08d}"
    payload = {
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
                                    "id": f"wamid.bench{run}{n:08d}",
                                    "timestamp": "1763800000",
                                    "type": "text",
                                    "text": {"body": f"لا أستطيع الدخول إلى حساب ابني ({n})"},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def event_counts(env: dict[str, str]) -> dict[str, int]:
    """Raw inbound events by status, read in a subprocess on the benchmark's database."""
    return json.loads(manage(env, "shell", "-c", COUNT_SNIPPET).strip().splitlines()[-1])


def drain_with_worker(env: dict[str, str], before: dict[str, int]) -> dict[str, Any]:
    """Run one `run_worker --once` over the pending events; its rate, how many it processed and failed."""
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "run_worker",
            "--once",
            "--stale",
            "0",
            "--batch",
            str(before["pending"]),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    elapsed = time.perf_counter() - started
    drained = event_counts(env)
    processed = before["pending"] - drained["pending"]
    return {
        "worker_events_per_s": round(processed / elapsed, 1),
        "worker_processed": processed,
        "worker_failed": drained["failed"] - before["failed"],
    }


def signed_requests(path: str, count: int) -> list[bytes]:
    """Each distinct message as one raw HTTP/1.1 keep-alive request, signed as Meta signs it."""
    run = str(int(time.time()))
    out = []
    for n in range(count):
        payload = body(run, n).encode()
        sig = hmac.new(APP_SECRET.encode(), payload, hashlib.sha256).hexdigest()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"X-Hub-Signature-256: sha256={sig}\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        out.append(head.encode() + payload)
    return out


def _exchange(sock: socket.socket, request: bytes, pending: bytes) -> tuple[int, bool, bytes]:
    """Send one request and read its whole response: (status, server closes, bytes read past it)."""
    sock.sendall(request)
    data = pending
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed by the server")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines[1:])}
    length = int(fields.get(b"content-length", b"0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed by the server")
        rest += chunk
    return status, fields.get(b"connection", b"").lower() == b"close", rest[length:]


def socket_client(requests: list[bytes], *, seconds: float, connections: int) -> dict[str, Any]:
    """A closed-loop client on keep-alive connections that times every request from its first byte sent to its
    response's last byte read (wrk's latency figures did not add up for this bench: its mean × count exceeded
    the run's length × connections). Python threads: its CPU is reported and shares the 2 cores."""
    latencies: list[float] = []
    errors = [0]
    stop_at = time.perf_counter() + seconds
    port = PORT

    def one_connection(first: int) -> None:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending, n = b"", first
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            try:
                status, closes, pending = _exchange(sock, requests[n % len(requests)], pending)
            except OSError:
                errors[0] += 1
                sock.close()
                sock, pending, closes, status = socket.create_connection(("127.0.0.1", port)), b"", False, 200
            latencies.append(time.perf_counter() - started)
            errors[0] += status >= 400
            if closes:
                sock.close()
                sock = socket.create_connection(("127.0.0.1", port))
            n += connections
        sock.close()

    cpu_before = time.process_time()
    threads = [threading.Thread(target=one_connection, args=(c,)) for c in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu = time.process_time() - cpu_before
    values = np.array(latencies) * 1000
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(float(np.percentile(values, 50)), 2),
        "p95_ms": round(float(np.percentile(values, 95)), 2),
        "p99_ms": round(float(np.percentile(values, 99)), 2),
        "max_ms": round(float(values.max()), 1),
        "over_200_ms": int((values > 200).sum()),
        "errors": errors[0],
        "client_cpu_ms_per_request": round(cpu / max(len(latencies), 1) * 1000, 3),
    }


def webhook_lua(path: str, count: int, threads: int) -> str:
    run = str(int(time.time()))
    lines = ["bodies = {}", "sigs = {}"]
    for n in range(count):
        text = body(run, n)
        sig = hmac.new(APP_SECRET.encode(), text.encode(), hashlib.sha256).hexdigest()
        lines.append(f"bodies[{n + 1}] = [==[{text}]==]")
        lines.append(f'sigs[{n + 1}] = "sha256={sig}"')
    lines.append(
        f"""
local next_tid = 0
setup = function(thread) thread:set("tid", next_tid); next_tid = next_tid + 1 end
requests = {{}}
i = 0
init = function(args)
  for k, b in ipairs(bodies) do
    if k % {threads} == tid then
      requests[#requests + 1] = wrk.format("POST", "{path}",
        {{["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = sigs[k]}}, b)
    end
  end
end
request = function()
  i = i + 1
  if i > #requests then i = 1 end
  return requests[i]
end
"""
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--bodies", type=int, default=30_000, help="distinct signed messages to cycle through"
    )
    parser.add_argument("--no-drain", action="store_true", help="skip running the worker afterwards")
    parser.add_argument(
        "--client",
        choices=["socket", "wrk"],
        default="socket",
        help="socket: times every request itself (default); wrk: its figures, kept for comparison",
    )
    parser.add_argument(
        "--worker-class",
        choices=["sync", "gthread"],
        default="sync",
        help="gthread: 2 threads with keep-alive (sync workers close every connection: at ~1,000 new loopback "
        "connections/s some SYNs are retransmitted after 1 s, which sets p99)",
    )
    args = parser.parse_args(argv)
    url = database_url(args.db).replace("awn_bench", "awn_bench_webhooks")
    if args.db == "postgres":
        ensure_postgres_database(url)
    else:
        url = url.replace("bench.sqlite3", "bench-webhooks.sqlite3")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "AWN_DB_CONN_MAX_AGE": "600",
        "AWN_LOG_LEVEL": "ERROR",
        "AWN_TASKS_MODE": "off",
        "AWN_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    manage(env, "migrate", "-v", "0")
    inbox_uuid = json.loads(manage(env, "shell", "-c", INBOX_SNIPPET).strip().splitlines()[-1])["uuid"]
    before = event_counts(env)
    path = f"/hooks/{inbox_uuid}/"
    server = start_server(env, args.workers, args.worker_class)
    try:
        if args.client == "wrk":
            lua = webhook_lua(path, args.bodies, threads=min(2, args.connections))
            raw = run_wrk(path, seconds=args.seconds, connections=args.connections, lua_body=lua, warmup=0)
            result: dict[str, Any] = {
                **raw,
                "errors": raw["errors_status"] + raw["errors_connect"] + raw["errors_timeout"],
            }
        else:
            requests = signed_requests(path, args.bodies)
            result = socket_client(requests, seconds=args.seconds, connections=args.connections)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    after = event_counts(env)
    stored = sum(after.values()) - sum(before.values())
    results: dict[str, Any] = {
        "bench": "webhooks",
        "db": args.db,
        "connections": args.connections,
        "workers": args.workers,
        "worker_class": args.worker_class,
        "client": args.client,
        "acks_per_s": result["rps"],
        "p50_ms": result["p50_ms"],
        "p99_ms": result["p99_ms"],
        **{
            key: result[key]
            for key in ("p95_ms", "max_ms", "over_200_ms", "client_cpu_ms_per_request")
            if key in result
        },
        "errors": result["errors"],
        "requests": result["requests"],
        "events_stored": stored,
        "target": ">= 500/s, p99 <= 200 ms",
    }
    if not args.no_drain and after["pending"]:
        results.update(drain_with_worker(env, after))
    results["at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    with open(ROOT / "bench" / "results.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps(results, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
