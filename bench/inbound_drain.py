"""How fast Celery workers turn stored raw events into contacts, tickets and messages.

    python -m bench.inbound_drain --events 3000 --senders 600 --concurrency 1 [--broker redis://127.0.0.1:6379/13]
    python -m bench.inbound_drain --events 500 --profile      # one process, inline, cProfile's top functions
    python -m bench.inbound_drain --events 500 --inline       # one process, inline: CPU ms and queries per event
    ... --job process                                          # the one-event job per event (the path before batches)

A fresh PostgreSQL database (`awn_drain`) gets `--events` signed-WhatsApp-shaped raw events from `--senders`
distinct numbers (so about senders/events of them open a ticket and the rest thread into it), stored as the
webhook stores them. Their jobs are put on the broker as one-message webhooks would put them (`--job drain`: one
drain job naming its event, each; `--job process`: the one-event job), then one `celery -A config worker -Q
inbound,default` with `--concurrency` processes starts; the figures are events done per second from its first to
its last, the worker's CPU ms per event and the SQL statements its processes ran per event. Triage jobs go to the `ai` queue, which this worker does not serve: the figure is
intake alone. Target (issue 11): one worker process drains ≥ 500 events/s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

from bench.run import ROOT, manage
from bench.webhooks import body

DB = "awn_drain"
URL = f"postgres://postgres@127.0.0.1:5432/{DB}"

STORE_SNIPPET = """
import json
from awn.connectors.base import RawItem
from awn.connectors.models import Inbox
from awn.connectors.registry import connector_for
from awn.connectors.services import events_store, inbox_save
inbox = inbox_save(inbox=None, name="drain", kind="whatsapp", settings={"phone_number_id": "106540352242922"},
                   secrets={"access_token": "unused", "app_secret": "s", "verify_token": "v"})
connector = connector_for("whatsapp")
bodies = json.load(open(BODIES))
items = []
for raw in bodies:
    items += connector.split_events(inbox, raw.encode())
for start in range(0, len(items), 500):
    events_store(inbox, items[start:start + 500])
print(json.dumps({"stored": len(items)}))
"""

ENQUEUE_SNIPPET = """
from awn.connectors.models import InboundEvent
from awn.connectors.services import DRAIN_JOB, PROCESS_JOB
from awn.core.tasks import dispatch
for pk in InboundEvent.objects.filter(status="pending").order_by("pk").values_list("pk", flat=True):
    if WHICH == "drain":
        dispatch(DRAIN_JOB, [pk])
    else:
        dispatch(PROCESS_JOB, pk)
"""

COUNT_SNIPPET = """
import json
from awn.connectors.models import InboundEvent
print(json.dumps({s: InboundEvent.objects.filter(status=s).count() for s in ("pending", "done", "failed")}))
"""

PROFILE_SNIPPET = """
import cProfile, pstats, time
from awn.connectors import tasks
from awn.connectors.models import InboundEvent
ids = list(InboundEvent.objects.filter(status="pending").order_by("pk").values_list("pk", flat=True))
profile = cProfile.Profile()
started = time.perf_counter()
profile.enable()
for pk in ids:
    if WHICH == "drain":
        tasks.drain_inbound([pk])
    else:
        tasks.process_inbound_event(pk)
profile.disable()
elapsed = time.perf_counter() - started
print(f"{len(ids)} events inline in {elapsed:.2f} s: {len(ids) / elapsed:.0f} events/s, {1000 * elapsed / len(ids):.2f} ms each")
pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
"""

INLINE_SNIPPET = """
import json, time
from django.db import connection
from django.test.utils import CaptureQueriesContext
from awn.connectors import tasks
from awn.connectors.models import InboundEvent
ids = list(InboundEvent.objects.filter(status="pending").order_by("pk").values_list("pk", flat=True))
cpu, wall = time.process_time(), time.perf_counter()
with CaptureQueriesContext(connection) as queries:
    if WHICH == "drain":
        for pk in ids:
            tasks.drain_inbound([pk])
    else:
        for pk in ids:
            tasks.process_inbound_event(pk)
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
print(json.dumps({"events": len(ids), "done": InboundEvent.objects.filter(status="done").count(),
                  "events_per_s": round(len(ids) / wall, 1), "cpu_ms_per_event": round(1000 * cpu / len(ids), 2),
                  "queries_per_event": round(len(queries.captured_queries) / len(ids), 2)}))
"""

QUERIES_SNIPPET = """
from django.db import connection
from django.test.utils import CaptureQueriesContext
from awn.connectors.inbound import inbound_event_process
from awn.connectors.models import InboundEvent
ids = list(InboundEvent.objects.filter(status="pending").order_by("pk").values_list("pk", flat=True))
for pk in ids[:SKIP]:
    inbound_event_process(pk)
for label, pk in (("new ticket", ids[SKIP]), ("threaded", ids[-1])):
    with CaptureQueriesContext(connection) as queries:
        inbound_event_process(pk)
    print(f"--- {label}: {len(queries.captured_queries)} queries")
    for q in queries.captured_queries:
        print("  ", q["sql"][:160])
"""


def _body(n: int, senders: int) -> str:
    """The webhook's n-th message, from one of `senders` numbers (the first message of each opens a ticket)."""
    raw = json.loads(body("d", n))
    sender = f"9665{(20_000_000 + n % senders):08d}"
    value = raw["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["wa_id"] = value["messages"][0]["from"] = sender
    return json.dumps(raw, ensure_ascii=False)


def fresh_database() -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB}"')


def _cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    except OSError:
        return []


QUERY_COUNTS = ROOT / "var" / "drain-queries"


def counting_worker() -> None:
    """`celery worker …` (the arguments after -c) whose pool processes count their SQL statements: each writes its
    running total to var/drain-queries/<pid> after every job."""
    from celery.__main__ import main as celery_main
    from celery.signals import task_postrun, worker_process_init

    counted = {"queries": 0}

    def count_queries(**_: Any) -> None:
        from django.db.backends import utils

        execute = utils.CursorWrapper._execute_with_wrappers  # type: ignore[attr-defined]

        def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
            counted["queries"] += 1
            return execute(self, *args, **kwargs)

        utils.CursorWrapper._execute_with_wrappers = counting  # type: ignore[attr-defined]

    def write_total(**_: Any) -> None:
        (QUERY_COUNTS / str(os.getpid())).write_text(str(counted["queries"]))

    worker_process_init.connect(count_queries, weak=False)
    task_postrun.connect(write_total, weak=False)
    sys.argv = ["celery", *sys.argv[1:]]
    celery_main()


def _queries_counted() -> int:
    return sum(int(path.read_text() or 0) for path in QUERY_COUNTS.glob("*"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--senders", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--profile", action="store_true", help="process inline in one process under cProfile")
    parser.add_argument("--inline", action="store_true", help="process inline in one process: CPU, queries")
    parser.add_argument(
        "--job", choices=("drain", "process"), default="drain", help="the batch drain or the one-event job"
    )
    parser.add_argument(
        "--queries", action="store_true", help="list the SQL of one new-ticket and one threaded event"
    )
    args = parser.parse_args(argv)

    env = {
        **os.environ,
        "DATABASE_URL": URL,
        "AWN_LOG_LEVEL": "ERROR",
        "AWN_ASSISTANT_DENSE": "false",
        "AWN_BROKER_URL": args.broker,
        "AWN_TASKS_MODE": "off",
    }
    fresh_database()
    manage(env, "migrate", "-v", "0")
    bodies_path = ROOT / "var" / "drain-bodies.json"
    bodies_path.parent.mkdir(exist_ok=True)
    senders = max(1, args.senders)
    bodies_path.write_text(json.dumps([_body(n, senders) for n in range(args.events)]))
    stored = json.loads(
        manage(env, "shell", "-c", STORE_SNIPPET.replace("BODIES", repr(str(bodies_path))))
        .strip()
        .splitlines()[-1]
    )
    print(f"stored {stored['stored']} raw events from {senders} senders", file=sys.stderr)
    if args.queries:
        print(
            manage(
                env, "shell", "-c", QUERIES_SNIPPET.replace("SKIP", str(min(senders, args.events - 1) - 1))
            )
        )
        return 0
    job = repr(args.job)
    if args.profile:
        print(manage(env, "shell", "-c", PROFILE_SNIPPET.replace("WHICH", job)))
        return 0
    if args.inline:
        result = json.loads(
            manage(env, "shell", "-c", INLINE_SNIPPET.replace("WHICH", job)).strip().splitlines()[-1]
        )
        print(json.dumps({**result, "job": args.job, "senders": senders, "load_avg": os.getloadavg()[0]}))
        return 0

    import redis

    redis.Redis.from_url(args.broker).flushdb()
    manage({**env, "AWN_TASKS_MODE": "celery"}, "shell", "-c", ENQUEUE_SNIPPET.replace("WHICH", job))
    QUERY_COUNTS.mkdir(parents=True, exist_ok=True)
    for path in QUERY_COUNTS.glob("*"):
        path.unlink()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from bench.inbound_drain import counting_worker; counting_worker()",
            "-A",
            "config",
            "worker",
            "-Q",
            "inbound,default",
            "-c",
            str(args.concurrency),
            "--pool",
            "prefork",
            "-l",
            "ERROR",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env={**env, "AWN_TASKS_MODE": "celery"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    counts: dict[str, Any] = {}
    try:
        first_done_at = None
        cpu_at_first = 0.0
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            counts = json.loads(manage(env, "shell", "-c", COUNT_SNIPPET).strip().splitlines()[-1])
            now = time.monotonic()
            if first_done_at is None and counts["done"]:
                first_done_at, done_at_first = now, counts["done"]
                cpu_at_first = _cpu_seconds(_children(worker.pid))
            if counts["pending"] == 0:
                break
            time.sleep(0.5)
        finished = time.monotonic()
        cpu = _cpu_seconds(_children(worker.pid)) - cpu_at_first
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert first_done_at is not None
    processed = counts["done"] - done_at_first
    seconds = finished - first_done_at
    result = {
        "events": stored["stored"],
        "senders": senders,
        "concurrency": args.concurrency,
        "done": counts["done"],
        "failed": counts["failed"],
        "events_per_s": round(processed / seconds, 1),
        "worker_cpu_ms_per_event": round(1000 * cpu / max(processed, 1), 2),
        # Every statement of the worker's pool processes (no-op jobs included) over every event.
        "queries_per_event": round(_queries_counted() / max(counts["done"], 1), 2),
        "job": args.job,
        "load_avg": os.getloadavg()[0],
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
