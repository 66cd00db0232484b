"""Ticket creation through the HTTP API with SLA policies and N active automation rules (issue 16: >= 300/s on
PostgreSQL with 50 rules). Measured twice on the same database and server settings: with no rule, then with N.

    python -m bench.automation --db postgres --tickets 20000 --rules 50 --seconds 15 --repeat 3

Uses its own database (awn_automation_bench; BENCH_DATABASE_URL to change it), so the rules it writes never reach
another benchmark's data. Server, load generator (wrk) and background jobs as bench/run.py sets them.
Every rule is evaluated on each creation (ticket created + message received): 50 rules over five triggers, of
which 4 match the benchmark's tickets and change them (a tag, a priority, a team, a note), so each creation
also runs the rule chain of the updates they cause.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from typing import Any

from bench import run

RULES_SNIPPET = """
import json
from awn.accounts.enums import TeamKind
from awn.accounts.models import Team, User
from awn.automation import services
from awn.automation.models import Rule
from awn.sla.models import SlaPolicy
Rule.objects.all().delete()
n = {n}
team = Team.objects.filter(name="bench-team").first() or Team.objects.create(name="bench-team", kind=TeamKind.IN_HOUSE)
admin = User.objects.get(username="bench-agent")
categories = ["registration", "transfer", "parent_link", "results_certificates", "academic_record", "attendance",
              "grade_entry", "timetable_assignment", "school_technical", "complaints_suggestions", "other"]
specs = []
matching = {matching}
# Four that match the benchmark's tickets (account access, "كلمة المرور" in the body, from the API).
specs.append(("ticket_created", {{"conditions": [{{"field": "category", "op": "is", "value": "account_access"}},
    {{"field": "body", "op": "contains", "value": "كلمه المرور"}}], "actions": [{{"type": "add_tag", "value": "password"}}]}}))
specs.append(("ticket_created", {{"conditions": [{{"field": "channel", "op": "is", "value": "api"}}],
    "actions": [{{"type": "set_team", "value": team.pk}}]}}))
specs.append(("message_received", {{"conditions": [{{"field": "subject", "op": "contains", "value": "الدخول"}}],
    "actions": [{{"type": "set_priority", "value": "high"}}]}}))
specs.append(("ticket_updated", {{"conditions": [{{"field": "priority", "op": "is", "value": "high"}},
    {{"field": "tags", "op": "not_contains", "value": "reviewed"}}],
    "actions": [{{"type": "add_tag", "value": "reviewed"}}]}}))
specs = specs[:matching]
i = 0
while len(specs) < n:
    category = categories[i % len(categories)]
    trigger = ["ticket_created", "message_received", "ticket_updated", "sla_breached", "sla_warning"][i % 5]
    specs.append((trigger, {{"match": "any" if i % 2 else "all", "conditions": [
        {{"field": "category", "op": "is", "value": category}},
        {{"field": "subject", "op": "contains", "value": "كلمة%d" % i}},
        {{"field": "contact_type", "op": "in", "value": ["teacher", "school_staff"]}}],
        "actions": [{{"type": "add_tag", "value": "t%d" % i}}]}}))
    i += 1
for k, (trigger, spec) in enumerate(specs[:n]):
    services.rule_create(name="bench rule %d" % k, trigger=trigger, spec=spec, actor=admin)
print(json.dumps({{"rules": Rule.objects.filter(enabled=True).count(),
                  "sla_policies": SlaPolicy.objects.count()}}))
"""


def start_server(env: dict[str, str], workers: int, patience: float = 180) -> subprocess.Popen[bytes]:
    """bench/run.py's server, given longer to start: on the shared machine (load ~12 on 2 cores) importing Django
    in two workers took more than run.py's 30 s."""
    cmd = [str(run.VENV_BIN / "gunicorn"), "config.wsgi:application", "--workers", str(workers)]
    cmd += [
        "--worker-class",
        "sync",
        "--timeout",
        "120",
        "--bind",
        f"127.0.0.1:{run.PORT}",
        "--backlog",
        "256",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(cmd, cwd=run.ROOT, env=env, start_new_session=True)
    deadline = time.time() + patience
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited (port {run.PORT} taken?)")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{run.PORT}/accounts/login/", timeout=5)
            return server
        except OSError:
            time.sleep(0.5)
    os.killpg(server.pid, signal.SIGTERM)
    raise RuntimeError("the server did not start")


def stop(process: subprocess.Popen[bytes], patience: float = 60) -> None:
    """SIGTERM the process group, SIGKILL it when it is still there after `patience` seconds."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=patience)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def set_rules(env: dict[str, str], count: int, matching: int = 4) -> dict[str, Any]:
    out = run.manage(env, "shell", "-c", RULES_SNIPPET.format(n=count, matching=matching))
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


PROBE_SNIPPET = """
import json, time
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from awn.accounts.models import User
from awn.accounts.services import api_token_create
from awn.crm.models import Contact
_, key = api_token_create(user=User.objects.get(username="bench-agent"), name="probe")
client = Client()
rows = []
for cid in list(Contact.objects.order_by("-pk").values_list("pk", flat=True)[:{n}]):
    body = {{"subject": "لا أستطيع الدخول إلى حسابي في النظام", "category": "account_access", "priority": "normal",
            "body": "تظهر رسالة أن كلمة المرور غير صحيحة مع أنني متأكد منها.", "requester_id": cid}}
    started = time.process_time()
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/api/v1/tickets/", json.dumps(body), content_type="application/json",
                               HTTP_AUTHORIZATION="Bearer " + key)
    assert response.status_code == 201, response.content
    rows.append((time.process_time() - started, len(ctx.captured_queries)))
rows = rows[2:]  # the first requests import and warm caches
cpu = sorted(r[0] for r in rows)
print(json.dumps({{"cpu_ms_median": round(1000 * cpu[len(cpu) // 2], 1),
                  "queries_median": sorted(r[1] for r in rows)[len(rows) // 2]}}))
"""


def probe(env: dict[str, str], requests: int) -> dict[str, Any]:
    """In one process, no load generator: the CPU time and the queries of one creation (stable on a busy machine,
    where requests per second are not)."""
    out = run.manage({**env, "AWN_TASKS_MODE": "off"}, "shell", "-c", PROBE_SNIPPET.format(n=requests))
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tasks", choices=["thread", "celery", "off"], default="celery")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/13")
    parser.add_argument(
        "--matching", type=int, default=4, help="how many of the rules match (and change) a ticket"
    )
    parser.add_argument(
        "--probe",
        type=int,
        default=0,
        help="only the in-process probe over this many creations (no server, no wrk)",
    )
    args = parser.parse_args(argv)
    if args.db == "postgres":
        url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/awn_automation_bench")
        run.ensure_postgres_database(url)
    else:
        url = run.database_url("sqlite").replace("bench.sqlite3", "bench_automation.sqlite3")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "AWN_DB_CONN_MAX_AGE": "600",
        "AWN_LOG_LEVEL": "ERROR",
        "AWN_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "AWN_API_RATE": "1000000/m",
        "AWN_TASKS_MODE": args.tasks,
        "AWN_BROKER_URL": args.broker if args.tasks == "celery" else "",
    }
    state = run.prepare({**env, "AWN_TASKS_MODE": "off"}, args.tickets)
    results: dict[str, Any] = {
        "db": args.db,
        "tickets_in_db": state["tickets"],
        "tasks": args.tasks,
        "runs": {},
    }
    measure_args = argparse.Namespace(seconds=args.seconds, connections=args.connections)
    lua = run.create_ticket_lua(state["token"], state["contact_ids"])
    for count in (0, args.rules):
        results["runs"][str(count)] = set_rules(env, count, args.matching)
        if args.probe:
            results["runs"][str(count)]["probe"] = probe(env, args.probe)
            continue
        run.refresh_statistics(url)
        server = start_server(env, args.workers)
        worker = run.start_celery_worker(env, args.broker) if args.tasks == "celery" else None
        cpu = run.cpu_probe(server, url)
        try:
            results["runs"][str(count)]["create_ticket_api"] = run.median_run(
                args.repeat, lambda cpu=cpu: run.measure("/api/v1/tickets/", lua, measure_args, cpu)
            )
        finally:
            stop(server)
            if worker is not None:
                stop(worker)
    results["at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    with open(run.ROOT / "bench" / "results.jsonl", "a", encoding="utf-8") as out:
        out.write(json.dumps({"bench": "automation", **results}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
