"""Asterisk AMI intake: `manage.py run_ami` reading a burst of call events from a protocol-level AMI server, then
the worker applying them.

    python -m bench.ami_intake --db postgres --calls 2000
    python -m bench.ami_intake --db sqlite --calls 2000

The AMI server (awn/connectors/tests/ami_server.py) runs in this process; once run_ami has logged in, it writes
every call at once: per call 12 AMI events (Newchannel ×2, UserEvent menu choice, DialBegin, AgentConnect, DialEnd,
BridgeEnter, Newstate ×2, Hangup ×2, an RTCP report), which run_ami turns into 4 raw events (ringing, ivr, answered,
ended). Reported: the wall time until all raw events are stored, run_ami's CPU seconds per AMI event over that time
(from /proc, the Django start-up excluded), then one `run_worker --once` drain over them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from typing import Any

from awn.connectors.tests.ami_server import AmiServer
from bench.run import ROOT, _cpu_seconds, _free_port, database_url, ensure_postgres_database, manage
from bench.webhooks import drain_with_worker, event_counts

INBOX_SNIPPET = """
from awn.connectors.models import Inbox
from awn.connectors.services import inbox_save
inbox = Inbox.objects.filter(name="bench-asterisk").first()
inbox = inbox_save(inbox=inbox, name="bench-asterisk", kind="asterisk", settings={
    "ami_host": "127.0.0.1", "ami_port": "PORT", "ami_username": "awn", "inbound_contexts": "from-trunk",
    "ivr_categories": '{"1": "account_access", "2": "results_certificates"}',
    "agent_extensions": '{"PJSIP/1001": "agent"}'}, secrets={"ami_secret": "bench-secret"})
print(inbox.pk, inbox.uuid)
"""


def _channel(channel: str, uniqueid: str, linkedid: str, caller: str, context: str) -> dict[str, str]:
    return {
        "Channel": channel,
        "ChannelState": "6",
        "ChannelStateDesc": "Up",
        "CallerIDNum": caller,
        "CallerIDName": "<unknown>",
        "Context": context,
        "Exten": "920000000",
        "Priority": "1",
        "Uniqueid": uniqueid,
        "Linkedid": linkedid,
    }


def call_events(run: str, n: int) -> list[dict[str, Any]]:
    call = f"{run}.{n}"
    caller = f"+9665{(10_000_000 + n % 5000):08d}"
    ts = float(run) + n
    me = _channel(f"PJSIP/trunk-{n:08x}", call, call, caller, "from-trunk")
    agent = _channel(f"PJSIP/1001-{n + 1:08x}", f"{call}9", call, "1001", "from-internal")

    def ev(name: str, at: float, base: dict[str, str], **extra: str) -> dict[str, Any]:
        return {"Event": name, "Privilege": "call,all", "Timestamp": f"{ts + at:.6f}", **base, **extra}

    return [
        ev("Newchannel", 0, me),
        ev("Newstate", 1, me),
        ev("UserEvent", 5, me, UserEvent="AwnIVR", Digit=str(1 + n % 2)),
        ev("Newchannel", 8, agent),
        ev("DialBegin", 8, me, DestChannel=agent["Channel"]),
        ev("Newstate", 10, agent),
        ev("AgentConnect", 10, me, DestChannel=agent["Channel"], Queue="support", Interface="PJSIP/1001"),
        ev("DialEnd", 10, me, DestChannel=agent["Channel"], DialStatus="ANSWER"),
        ev("BridgeEnter", 10, me, BridgeUniqueid=f"b-{n}"),
        ev("RTCPReceived", 30, me, SSRC="0x1", PT="200(SR)"),
        ev("Hangup", 130, agent, Cause="16"),
        ev("Hangup", 131, me, Cause="16"),
    ]


def stored_count(url: str, inbox_id: int, run: str) -> int:
    sql = "SELECT count(*) FROM connectors_inboundevent WHERE inbox_id = %s AND external_id LIKE %s"
    pattern = f"ami:{run}.%"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30) as conn:
            return int(conn.execute(sql.replace("%s", "?"), (inbox_id, pattern)).fetchone()[0])
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(sql, (inbox_id, pattern)).fetchone()
        return int(row[0]) if row else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args(argv)
    url = database_url(args.db).replace("awn_bench", "awn_bench_ami")
    if args.db == "postgres":
        ensure_postgres_database(url)
    else:
        url = url.replace("bench.sqlite3", "bench-ami.sqlite3")
    env = {**os.environ, "DATABASE_URL": url, "AWN_LOG_LEVEL": "ERROR", "AWN_TASKS_MODE": "off"}
    port = _free_port()
    manage(env, "migrate", "-v", "0")
    inbox_id_text, inbox_uuid = manage(env, "shell", "-c", INBOX_SNIPPET.replace("PORT", str(port))).split()[
        -2:
    ]
    inbox_id = int(inbox_id_text)
    run = str(int(time.time()))
    script: list[dict[str, Any] | bytes] = [e for n in range(args.calls) for e in call_events(run, n)]
    expected = 4 * args.calls

    loop = asyncio.new_event_loop()
    server = AmiServer(username="awn", secret="bench-secret", port=port)
    loop.run_until_complete(server.start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    listener = subprocess.Popen(
        [sys.executable, "manage.py", "run_ami", "--inbox", inbox_uuid],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while server.logins_ok < 1:
            if time.monotonic() > deadline:
                raise SystemExit("run_ami never logged in")
            time.sleep(0.05)
        time.sleep(0.5)  # let the login settle
        cpu_before = _cpu_seconds([listener.pid])
        started = time.perf_counter()
        asyncio.run_coroutine_threadsafe(server.broadcast(script), loop).result(timeout=600)
        written = time.perf_counter() - started
        stored = 0
        while stored < expected and time.perf_counter() - started < 600:
            time.sleep(0.1)
            stored = stored_count(url, inbox_id, run)
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds([listener.pid]) - cpu_before
    finally:
        os.killpg(listener.pid, signal.SIGTERM)
        listener.wait(timeout=20)
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
    before = event_counts(env)
    results: dict[str, Any] = {
        "bench": "ami_intake",
        "db": args.db,
        "calls": args.calls,
        "ami_events": len(script),
        "raw_events_stored": stored,
        "raw_events_expected": expected,
        "server_write_s": round(written, 2),
        "stored_in_s": round(elapsed, 2),
        "ami_events_per_s": round(len(script) / elapsed, 1),
        "run_ami_cpu_s": round(cpu, 2),
        "run_ami_cpu_us_per_ami_event": round(cpu / len(script) * 1e6, 1),
        **drain_with_worker(env, before),
    }
    print(json.dumps(results, ensure_ascii=False))
    with open(ROOT / "bench" / "results.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps(results, ensure_ascii=False) + "\n")
    return 0 if stored == expected else 1


if __name__ == "__main__":
    raise SystemExit(main())
