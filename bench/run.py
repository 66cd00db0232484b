"""Awn benchmarks: ticket creation through the HTTP API, the agent queue page, the contact timeline, the
ticket page.

    python -m bench.run --db postgres --tickets 100000      # seeds when needed, then measures
    python -m bench.run --db sqlite --tickets 100000

Layout (`--layout`, printed and stored with every result): `production` (the default) is the web processes
with AWN_TASKS_MODE=off, enqueueing nothing, and one `manage.py run_worker` process beside them that triages
what they wrote; `celery` a Celery worker on a Redis broker; `thread` each web worker triaging in its own pool.
Ticket creation is reported as the rate wrk saw AND the sustained rate: tickets created and triaged per second
over a window that runs from the first request until the worker has triaged the last of them, with the
worker's CPU per ticket. Beside it, in the same run, the limit: a bare Django + django-ninja endpoint
(bench/bare) doing the same token lookup and the two inserts, so creation is reported as a ratio to it.

Production server config: gunicorn sync workers over WSGI (DESIGN.md), persistent DB connections, wrk as the
load generator with 8 connections on the same 2-core machine. Results are printed and appended as JSON lines to
bench/results.jsonl; bench/RESULTS.md holds the reviewed figures and the exact commands.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def _free_port() -> int:
    """A port nobody listens on: engineers sharing the machine run benchmarks at the same time, and a server
    that cannot bind would leave wrk measuring someone else's."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


PORT = int(os.environ.get("BENCH_PORT") or _free_port())
WRK_REPORT = """
done = function(summary, latency, requests)
  local out = string.format('{"requests": %d, "duration_us": %d, "errors_status": %d, "errors_connect": %d, '
    .. '"errors_timeout": %d, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}',
    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000)
  io.stderr:write("WRKJSON " .. out .. "\\n")
end
"""


def database_url(kind: str) -> str:
    if kind == "postgres":
        return os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/awn_bench")
    return f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}"


def ensure_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[-1]
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def fresh_database(url: str) -> None:
    """An empty database at `url`: the SQLite file removed, or the PostgreSQL database dropped and made again."""
    if url.startswith("sqlite"):
        (ROOT / "var").mkdir(exist_ok=True)
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return result.stdout


def prepare(env: dict[str, str], tickets: int) -> dict[str, Any]:
    manage(env, "migrate", "-v", "0")
    out = manage(env, "shell", "-c", PREPARE_SNIPPET)
    state = json.loads(out.strip().splitlines()[-1])
    if state["tickets"] < tickets:
        print(f"seeding {tickets - state['tickets']} tickets …", file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, "-m", "bench.seed", "--tickets", str(tickets - state["tickets"])],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=sys.stderr,
        )
        state = json.loads(manage(env, "shell", "-c", PREPARE_SNIPPET).strip().splitlines()[-1])
    return state


PREPARE_SNIPPET = """
import json
from django.test import Client
from awn.accounts.enums import Role
from awn.accounts.models import User
from awn.accounts.services import api_token_create, user_create
from awn.crm.models import Contact
from awn.tickets.models import Ticket
user = User.objects.filter(username="bench-agent").first() or user_create(
    username="bench-agent", password="bench-agent-password-1", role=Role.AGENT)
_, key = api_token_create(user=user, name="bench")
client = Client()
client.force_login(user)
# A staff session that passed the second step (AWN_STAFF_2FA): without it every page answers 302 to sign-in.
from awn.accounts import session_keys
session = client.session
for name in (session_keys.AUTH_AT, session_keys.MFA_AT, session_keys.SEEN_AT):
    session[name] = session_keys.now()
session.save()
contact_ids = list(Contact.objects.filter(merged_into__isnull=True).order_by("-pk").values_list("pk", flat=True)[:500])
busy = Contact.objects.filter(pk__in=Ticket.objects.values("requester_id")[:1]).first()
ticket_ids = list(Ticket.objects.filter(triage__model_version="bench-seed").order_by("-created_at")
                  .values_list("pk", flat=True)[:50])
print(json.dumps({"token": key, "session": client.cookies["sessionid"].value,
                  "tickets": Ticket.objects.count(), "contact_ids": contact_ids,
                  "timeline_contact_id": busy.pk if busy else None, "ticket_ids": ticket_ids}))
"""

QUERY_COUNT_SNIPPET = """
import json
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from awn.accounts.models import User
client = Client()
client.force_login(User.objects.get(username="bench-agent"))
from awn.accounts import session_keys
session = client.session
for name in (session_keys.AUTH_AT, session_keys.MFA_AT, session_keys.SEEN_AT):
    session[name] = session_keys.now()
session.save()
client.get("/workspace/")
from django.core.cache import cache
out = {}
for size in (10, 25, 100):
    out[size] = {}
    for state in ("cold", "warm"):  # cold: tab counts and cached fragments rebuilt; warm: a reload within 5 s
        if state == "cold":
            cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/workspace/?queue=open&page=3&page_size={size}")
        out[size][state] = len(ctx.captured_queries)
        out[size]["status"] = response.status_code
print(json.dumps(out))
"""


def refresh_statistics(url: str) -> None:
    """VACUUM ANALYZE before measuring, as a maintained database is: after the seeder's bulk load and earlier
    runs' inserts, an autovacuum waking mid-run would otherwise take a core from the server."""
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    else:
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute("ANALYZE")


def start_celery_worker(env: dict[str, str], broker: str) -> subprocess.Popen[bytes]:
    """One Celery worker process on every queue (triage included), sharing the 2 cores with the web workers."""
    import redis

    redis.Redis.from_url(broker).flushdb()
    return subprocess.Popen(
        [
            str(VENV_BIN / "celery"),
            "-A",
            "config",
            "worker",
            "-Q",
            "default,inbound,outbound,ai",
            "-c",
            "1",
            "-l",
            "ERROR",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )


LAYOUTS = {
    "production": "web: AWN_TASKS_MODE=off (a request enqueues nothing); one `manage.py run_worker --sleep 0.5 "
    "--stale 0` process beside it triages what the web wrote (its sweeps), as README's broker-less layout",
    "celery": "web: AWN_TASKS_MODE=celery; one Celery worker (-c 1) on every queue, Redis broker",
    "thread": "web: AWN_TASKS_MODE=thread; each web worker triages in its own thread pool, no worker process",
}
TASKS_MODE = {"production": "off", "celery": "celery", "thread": "thread"}


def start_run_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """The broker-less worker: the periodic sweeps, every job inline (the triage of new tickets included)."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--sleep", "0.5", "--stale", "0"],
        cwd=ROOT,
        env={**env, "AWN_TASKS_MODE": "off"},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )


def process_tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its children (a Celery worker's pool processes)."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return _cpu_seconds([pid, *(int(c) for c in children)])


def db_scalar(url: str, sql: str, params: tuple[Any, ...] = ()) -> Any:
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            row = conn.execute(sql, params).fetchone()
    else:
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30) as conn:
            row = conn.execute(sql.replace("%s", "?"), params).fetchone()
    return row[0] if row else None


UNTRIAGED_SQL = (
    "SELECT COUNT(*) FROM tickets_ticket t LEFT JOIN assistant_tickettriage r ON r.ticket_id = t.id "
    "WHERE t.id > %s AND r.id IS NULL"
)


def wait_drained(url: str, after_id: int, timeout: float) -> tuple[float, int]:
    """Wait until every ticket with an id above `after_id` is triaged; (when, how many are left)."""
    deadline = time.monotonic() + timeout
    while True:
        left = int(db_scalar(url, UNTRIAGED_SQL, (after_id,)) or 0)
        if left == 0 or time.monotonic() > deadline:
            return time.monotonic(), left
        time.sleep(0.25)


def measure_sustained(
    args: argparse.Namespace, lua: str, url: str, cpu: CpuProbe, worker: subprocess.Popen[bytes] | None
) -> dict[str, Any]:
    """wrk's rate, then the sustained rate: created and triaged per second over a window from the first request
    to the last triage (the backlog drained), and the worker's CPU per ticket. A warm-up first, drained too."""
    run_wrk("/api/v1/tickets/", seconds=3, connections=args.connections, lua_body=lua, warmup=0)
    wait_drained(url, 0, args.drain_timeout)
    first_id = int(db_scalar(url, "SELECT COALESCE(MAX(id), 0) FROM tickets_ticket") or 0)
    worker_before = process_tree_cpu(worker.pid) if worker is not None else 0.0
    started = time.monotonic()
    data = run_wrk(
        "/api/v1/tickets/",
        seconds=args.seconds,
        connections=args.connections,
        lua_body=lua,
        warmup=0,
        cpu=cpu,
    )
    sent = time.monotonic()
    drained, left = wait_drained(url, first_id, args.drain_timeout)
    created = int(db_scalar(url, "SELECT COUNT(*) FROM tickets_ticket WHERE id > %s", (first_id,)) or 0)
    triaged = created - left
    window = drained - started
    data["sustained"] = {
        "created": created,
        "triaged": triaged,
        "untriaged_at_timeout": left,
        "window_s": round(window, 1),
        "drain_after_load_s": round(drained - sent, 1),
        "created_and_triaged_per_s": round(triaged / window, 1) if window > 0 else None,
    }
    if worker is not None and created:
        data["sustained"]["worker_cpu_ms_per_ticket"] = round(
            (process_tree_cpu(worker.pid) - worker_before) / created * 1000, 2
        )
    return data


def measure_bare(env: dict[str, str], args: argparse.Namespace, lua: str, url: str) -> dict[str, Any]:
    """The limit, measured in the same run: bench/bare's endpoint, same workers, token, bodies and database.
    Its tickets are deleted afterwards (they have no triage: a worker would otherwise take them up)."""
    first_id = int(db_scalar(url, "SELECT COALESCE(MAX(id), 0) FROM tickets_ticket") or 0)
    bare = start_server({**env, "DJANGO_SETTINGS_MODULE": "bench.bare.settings"}, args.workers)
    try:
        cpu = cpu_probe(bare, url)
        data = run_wrk(
            "/bare/tickets/", seconds=args.seconds, connections=args.connections, lua_body=lua, cpu=cpu
        )
    finally:
        os.killpg(bare.pid, signal.SIGTERM)
        bare.wait(timeout=20)
    for table, column in (("tickets_message", "ticket_id"), ("tickets_ticket", "id")):
        db_scalar(url, f"DELETE FROM {table} WHERE {column} > %s RETURNING 1", (first_id,))  # noqa: S608
    return data


def ticket_page_paths(ticket_ids: list[int]) -> list[str]:
    return [f"/workspace/tickets/{pk}/" for pk in ticket_ids]


def start_server(
    env: dict[str, str], workers: int, worker_class: str = "sync", threads: int = 2, wait: float = 30
) -> subprocess.Popen[bytes]:
    threading = ["--threads", str(threads), "--keep-alive", "5"] if worker_class == "gthread" else []
    cmd = [
        str(VENV_BIN / "gunicorn"),
        "config.wsgi:application",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        *threading,
        "--bind",
        f"127.0.0.1:{PORT}",
        "--backlog",
        "256",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.time() + wait
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited (port {PORT} taken?)")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/accounts/login/", timeout=2)
            return server
        except urllib.error.HTTPError:
            return server  # it answers (the bare server has no sign-in page)
        except OSError:
            time.sleep(0.3)
    os.killpg(server.pid, signal.SIGTERM)
    raise RuntimeError("the server did not start")


def median_run(repeat: int, measure: Any) -> dict[str, Any]:
    runs = sorted((measure() for _ in range(max(1, repeat))), key=lambda r: r["rps"])
    chosen = dict(runs[len(runs) // 2])
    if len(runs) > 1:
        chosen["rps_all_runs"] = [r["rps"] for r in runs]
        chosen["p95_all_runs"] = [r["p95_ms"] for r in runs]
    return chosen


CpuProbe = Any  # () -> {"server": seconds, "postgres": seconds}


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (Linux /proc)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_probe(server: subprocess.Popen[bytes], url: str) -> CpuProbe:
    """CPU used by the server's workers and by the PostgreSQL backends serving them: unlike latency, barely
    moved by other work on a shared machine, so it tells what a change saved."""

    def backends() -> list[int]:
        if not url.startswith("postgres"):
            return []
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        return [row[0] for row in rows]

    def probe() -> dict[str, float]:
        workers = subprocess.run(
            ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
        ).stdout.split()
        return {"server": _cpu_seconds([int(pid) for pid in workers]), "postgres": _cpu_seconds(backends())}

    return probe


def run_wrk(
    path: str,
    *,
    seconds: int,
    connections: int,
    lua_body: str,
    warmup: int = 3,
    cpu: CpuProbe | None = None,
) -> dict[str, Any]:
    """Steady-state figures: a short unmeasured run first warms every worker (imports, templates, DB)."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    if warmup:
        run_wrk(path, seconds=warmup, connections=connections, lua_body=lua_body, warmup=0)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua_body + WRK_REPORT)
    load_before = [round(x, 2) for x in os.getloadavg()]
    cpu_before = cpu() if cpu else {}
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = subprocess.run(
        [
            "wrk",
            "-t",
            str(min(2, connections)),
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "5s",
            "-s",
            script.name,
            f"http://127.0.0.1:{PORT}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(ln for ln in result.stderr.splitlines() if ln.startswith("WRKJSON "))
    data = json.loads(line.removeprefix("WRKJSON "))
    data["rps"] = round(data["requests"] / (data["duration_us"] / 1e6), 1)
    if cpu and data["requests"]:
        cpu_after = cpu()
        data["cpu_ms_per_request"] = {
            name: round((cpu_after[name] - cpu_before[name]) / data["requests"] * 1000, 2)
            for name in cpu_after
        }
        # The load generator shares the 2 cores: wrk (C, requests formatted once per thread) costs ~0.15 ms.
        client = (client_after.ru_utime + client_after.ru_stime) - (
            client_before.ru_utime + client_before.ru_stime
        )
        data["cpu_ms_per_request"]["client"] = round(client / data["requests"] * 1000, 3)
    data["load_average"] = [round(x, 2) for x in os.getloadavg()]
    data["load_average_before"] = load_before
    return data


def create_ticket_lua(token: str, contact_ids: list[int]) -> str:
    """POSTs rotating over many requesters, as real traffic is (one requester would pile up every ticket). Each
    body carries the request's own number (REQNO, replaced per request), so no two tickets have the same text:
    a repeated text would be triaged from a vector computed once (the assistant's QueryMemo), not measured."""
    bodies = [
        json.dumps(
            {
                "subject": "لا أستطيع الدخول إلى حسابي في النظام",
                "body": "تظهر رسالة أن كلمة المرور غير صحيحة مع أنني متأكد منها. رقم الطلب REQNO",
                "category": "account_access",
                "priority": "normal",
                "requester_id": contact_id,
            },
            ensure_ascii=False,
        )
        for contact_id in contact_ids
    ]
    items = ", ".join(json.dumps(body, ensure_ascii=False) for body in bodies)
    return (
        f"local bodies = {{{items}}}\n"
        "local i = 0\n"
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json; charset=utf-8"\n'
        f'wrk.headers["Authorization"] = "Bearer {token}"\n'
        # Each request formats its own body with its number (the run's start time, the thread, the count), so
        # texts never repeat within a run, across threads or across the warm-up and measured runs.
        "local run = tostring(os.time())\n"
        "local threads = 0\n"
        "setup = function(thread) threads = threads + 1; thread:set('tid', threads) end\n"
        "request = function() i = i + 1\n"
        "  local number = run .. '-' .. tostring(tid or 0) .. '-' .. tostring(i)\n"
        "  local body = bodies[(i % #bodies) + 1]:gsub('REQNO', number)\n"
        "  return wrk.format(nil, nil, nil, body) end\n"
    )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def assert_page_ok(session: str, path: str) -> None:
    """A page run must measure the page, not a redirect to sign-in (wrk counts a 302 as a success)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}", headers={"Cookie": f"sessionid={session}"}
    )
    try:
        status = urllib.request.build_opener(_NoRedirect).open(request, timeout=30).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise SystemExit(f"{path} answers {status}, not 200: the figures would be a redirect's")


def page_lua(session: str, paths: list[str]) -> str:
    items = ", ".join(json.dumps(p) for p in paths)
    return (
        f'wrk.headers["Cookie"] = "sessionid={session}"\n'
        f"local paths = {{{items}}}\n"
        "local i = 0\n"
        "local requests = {}\n"
        "init = function() for k, path in ipairs(paths) do requests[k] = wrk.format(nil, path) end end\n"
        "request = function() i = i + 1; return requests[(i % #requests) + 1] end\n"
    )


def queue_paths() -> list[str]:
    paths = [f"/workspace/?queue=open&page={p}" for p in range(1, 40)]
    return paths + [
        f"/workspace/?queue=all&status=open&category=account_access&page={p}" for p in range(1, 10)
    ]


# Arabic searches as agents type them: missing hamzas, ه for ة, no diacritics.
SEARCH_TERMS = [
    "اعاده تعيين",
    "كلمه المرور",
    "نقل طالب",
    "النتيجه",
    "شهاده",
    "الغياب",
    "رصد الدرجات",
    "رمز التحقق",
    "تسجيل مستجد",
    "المدرسه",
]


def search_paths() -> list[str]:
    return [f"/workspace/?queue=all&sort=relevance&q={quote(term)}" for term in SEARCH_TERMS]


def timeline_paths(first_contact_id: int) -> list[str]:
    return [f"/api/v1/crm/contacts/{first_contact_id + k}/timeline" for k in range(50)]


def measure(path: str, lua: str, args: argparse.Namespace, cpu: CpuProbe | None = None) -> dict[str, Any]:
    return run_wrk(path, seconds=args.seconds, connections=args.connections, lua_body=lua, cpu=cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--worker-class", choices=["sync", "gthread"], default="sync", help="gthread: 2 threads, keep-alive"
    )
    parser.add_argument(
        "--only", choices=["create", "queue", "timeline", "search", "ticket"], action="append"
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs per measurement; the median run is reported"
    )
    parser.add_argument(
        "--layout",
        choices=list(LAYOUTS),
        default="production",
        help="; ".join(f"{name}: {text}" for name, text in LAYOUTS.items()),
    )
    parser.add_argument(
        "--drain-timeout", type=float, default=90, help="seconds to wait for the worker to triage the backlog"
    )
    parser.add_argument("--no-bare", action="store_true", help="skip the bare endpoint (the limit)")
    parser.add_argument(
        "--subscribers",
        choices=["all", "none"],
        default="all",
        help="none: an empty reaction map (the baseline of what the reactions cost)",
    )
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/12")
    args = parser.parse_args(argv)
    print(f"layout {args.layout}: {LAYOUTS[args.layout]}", file=sys.stderr, flush=True)
    url = database_url(args.db)
    if args.db == "postgres":
        ensure_postgres_database(url)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "AWN_DB_CONN_MAX_AGE": "600",
        "AWN_LOG_LEVEL": "ERROR",
        "AWN_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "AWN_API_RATE": "1000000/m",
        "AWN_TASKS_MODE": TASKS_MODE[args.layout],
        "AWN_BROKER_URL": args.broker if args.layout == "celery" else "",
    }
    if args.subscribers == "none":
        env["AWN_EVENT_SUBSCRIPTIONS"] = "bench.no_subscriptions.SUBSCRIPTIONS"
    state = prepare({**env, "AWN_TASKS_MODE": "off"}, args.tickets)
    refresh_statistics(url)
    queries = json.loads(manage(env, "shell", "-c", QUERY_COUNT_SNIPPET).strip().splitlines()[-1])
    wanted = set(args.only or ["create", "queue", "timeline", "ticket"])
    results: dict[str, Any] = {
        "db": args.db,
        "tickets_in_db": state["tickets"],
        "connections": args.connections,
        "workers": args.workers,
        "worker_class": args.worker_class,
        "layout": args.layout,
        "layout_means": LAYOUTS[args.layout],
        "subscribers": args.subscribers,
        "queries_per_queue_page": queries,
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "machine": f"{os.cpu_count()} cores, shared with other work: every figure is an upper bound",
    }
    create_lua = create_ticket_lua(state["token"], state["contact_ids"])
    if "create" in wanted and not args.no_bare:
        results["bare_create_limit"] = measure_bare(env, args, create_lua, url)
    server = start_server(env, args.workers, args.worker_class)
    worker = None
    if args.layout == "celery":
        worker = start_celery_worker(env, args.broker)
    elif args.layout == "production":
        worker = start_run_worker(env)
    cpu = cpu_probe(server, url)
    try:
        page_runs = {
            "queue": ("queue_page", queue_paths()),
            "search": ("search_page", search_paths()),
            "timeline": ("timeline_api", timeline_paths(state["timeline_contact_id"])),
        }
        for name, (key, paths) in page_runs.items():
            if name in wanted:
                assert_page_ok(state["session"], paths[0])
                lua = page_lua(state["session"], paths)
                results[key] = median_run(args.repeat, lambda lua=lua: measure("/", lua, args, cpu))
        if "ticket" in wanted and state.get("ticket_ids"):
            assert_page_ok(state["session"], ticket_page_paths(state["ticket_ids"])[0])
            lua = page_lua(state["session"], ticket_page_paths(state["ticket_ids"]))
            for connections in sorted({1, args.connections}):
                results[f"ticket_page_c{connections}"] = median_run(
                    args.repeat,
                    lambda lua=lua, c=connections: run_wrk(
                        "/", seconds=args.seconds, connections=c, lua_body=lua, cpu=cpu
                    ),
                )
        if "create" in wanted:
            results["create_ticket_api"] = median_run(
                args.repeat, lambda: measure_sustained(args, create_lua, url, cpu, worker)
            )
            bare = results.get("bare_create_limit")
            if bare and bare.get("rps"):
                made = results["create_ticket_api"]
                results["create_ratio_to_bare"] = {
                    "wrk_rate": round(made["rps"] / bare["rps"], 3),
                    "sustained": round(
                        (made["sustained"]["created_and_triaged_per_s"] or 0) / bare["rps"], 3
                    ),
                }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=60)
    results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    results["at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    with open(ROOT / "bench" / "results.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps(results, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
