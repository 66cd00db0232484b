"""Analytics on PostgreSQL (issue 17): the reports page at a large number of tickets, the fact rebuild rate and the
cost the fact handlers add to ticket creation.

    .venv/bin/python -m bench.analytics --facts 1000000 --rebuild-tickets 250000 --requests 30 --creates 200

Database: awn_analytics_bench on 127.0.0.1:5432 (created and migrated when missing; BENCH_DATABASE_URL to change).
1. The event log of `--rebuild-tickets` tickets is written with COPY (created, first reply, resolved; a tenth
   reopened and resolved again, a third rated: ~4.4 events a ticket, over the last 365 days) and
   `facts_rebuild()` folds it into facts: events/s (target ≥ 50,000/s).
2. Facts up to `--facts` are added directly with COPY (the same distribution, in creation order over the last
   365 days, as live writes leave them), then ANALYZE; the daily rollups are recomputed from every fact
   (`rollups_refresh`, what the fold would have written).
3. The reports page `GET /workspace/analytics/` in-process (Django test client, a supervisor, template rendered):
   the default period (30 days), a 7-day period with a channel breakdown, one team, and the whole year; p50/p95
   over `--requests` requests each (target p95 ≤ 200 ms at 1M tickets), with the CPU time of this process per
   request (load-robust; PostgreSQL's share apart) and whether the figures came from the rollups.
4. Ticket creation (`ticket_create`, one transaction each) with the full subscription map and with the analytics
   reactions removed, interleaved in blocks of 20: median time each and the difference (target ≤ +10%).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

CHANNELS = ["portal", "email", "chat", "whatsapp", "telegram", "phone"]
CATEGORIES = ["registration", "transfer", "account_access", "parent_link", "results_certificates", "other"]
PRIORITIES = ["low", "normal", "normal", "high", "urgent"]
KINDS = ["in_house", "outsourced", "hybrid"]


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[-1]
    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _when(rng: random.Random, now: datetime) -> datetime:
    return now - timedelta(seconds=rng.randrange(365 * 86400))


def seed_log(tickets: int, teams: list[tuple[int, str]], now: datetime) -> int:
    from django.db import connection

    rng = random.Random(17)
    count = 0
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE analytics_factevent, analytics_ticketfact RESTART IDENTITY")
        raw = cursor.cursor
        with raw.copy("COPY analytics_factevent (ticket_id, kind, at, payload) FROM STDIN") as copy:
            for ticket in range(1, tickets + 1):
                created = _when(rng, now)
                team_id, kind = rng.choice(teams)
                payload = {
                    "channel": rng.choice(CHANNELS),
                    "category": rng.choice(CATEGORIES),
                    "priority": rng.choice(PRIORITIES),
                    "status": "new",
                    "requester_id": rng.randrange(1, tickets // 3 + 2),
                    "team_id": team_id,
                    "team_kind": kind,
                    "assignee_id": None,
                    "school_id": rng.randrange(1, 500),
                    "education_office_id": rng.randrange(1, 40),
                }
                rows = [("created", created, payload)]
                at = created + timedelta(seconds=rng.randrange(60, 4 * 3600))
                rows.append(("reply", at, {"actor_id": 1}))
                at += timedelta(seconds=rng.randrange(60, 2 * 86400))
                rows.append(("status", at, {"old": "open", "new": "resolved"}))
                if rng.random() < 0.1:
                    at += timedelta(hours=5)
                    rows.append(("status", at, {"old": "resolved", "new": "open"}))
                    at += timedelta(hours=2)
                    rows.append(("status", at, {"old": "open", "new": "resolved"}))
                if rng.random() < 0.33:
                    rows.append(("rated", at + timedelta(hours=1), {"score": rng.randint(1, 5)}))
                for kind_, when, data in rows:
                    copy.write_row((ticket, kind_, when, json.dumps(data)))
                count += len(rows)
    return count


def seed_facts(first: int, last: int, teams: list[tuple[int, str]], now: datetime) -> None:
    from django.db import connection

    rng = random.Random(18)
    columns = (
        "ticket_id, created_at, channel, category, priority, status, requester_id, team_id, team_kind, school_id, "
        "education_office_id, first_reply_at, first_reply_seconds, first_reply_business_seconds, resolved_at, "
        "resolution_seconds, resolution_business_seconds, pending_seconds, pending_business_seconds, status_since, "
        "reopen_count, reassignment_count, reply_count, bot_reply_count, csat_score, repeat_contact"
    )
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY analytics_ticketfact ({columns}) FROM STDIN") as copy,
    ):
        span = 365 * 86400
        for ticket in range(first, last + 1):
            # In creation order, as the live handlers and the rebuild leave them: a period is a contiguous range.
            created = now - timedelta(
                seconds=span * (last - ticket) / max(last - first, 1) + rng.randrange(60)
            )
            team_id, kind = rng.choice(teams)
            reply = rng.randrange(60, 4 * 3600)
            resolve = reply + rng.randrange(60, 2 * 86400)
            copy.write_row(
                (
                    ticket, created, rng.choice(CHANNELS), rng.choice(CATEGORIES), rng.choice(PRIORITIES), "resolved",
                    rng.randrange(1, last // 3 + 2), team_id, kind, rng.randrange(1, 500), rng.randrange(1, 40),
                    created + timedelta(seconds=reply), reply, reply // 3, created + timedelta(seconds=resolve),
                    resolve, resolve // 3, 0, 0, created + timedelta(seconds=resolve),
                    1 if rng.random() < 0.1 else 0, 0, 1, 0, rng.randint(1, 5) if rng.random() < 0.33 else None,
                    rng.random() < 0.15,
                )
            )  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE analytics_ticketfact")


def timed_requests(client: Any, path: str, params: dict[str, str], n: int) -> dict[str, Any]:
    client.get(path, params)  # warm
    times, cpu = [], []
    approximate = None
    for _ in range(n):
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(path, params)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200, response.status_code
        approximate = b'data-testid="approximate-note"' in response.content
    times.sort()
    return {
        "params": params,
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
        "max_ms": round(times[-1], 1),
        "cpu_ms_p50": round(statistics.median(cpu), 1),
        "from_rollups": approximate,
        "load_average": round(os.getloadavg()[0], 2),
    }


def creation_cost(creates: int) -> dict[str, Any]:
    from awn.core.events import subscriptions, subscriptions_replaced
    from awn.crm.services import contact_create
    from awn.tickets.services import ticket_create
    from config.event_subscriptions import SUBSCRIPTIONS

    without = {
        event: [r for r in reactions if not r.handler.__module__.startswith("awn.analytics")]
        for event, reactions in SUBSCRIPTIONS.items()
    }
    contact = contact_create(name="ولي أمر للقياس", phone=f"05{random.randrange(10**7, 10**8)}")
    assert subscriptions() is SUBSCRIPTIONS

    def one() -> float:
        started = time.perf_counter()
        ticket_create(
            requester=contact, subject="لا أستطيع الدخول", body="تظهر رسالة خطأ عند الدخول إلى نظام نور"
        )
        return (time.perf_counter() - started) * 1000

    with_times: list[float] = []
    without_times: list[float] = []
    for _ in range(5):
        one()
    for block in range(max(1, creates // 20)):
        for _ in range(20):
            with_times.append(one())
        with subscriptions_replaced(without):
            for _ in range(20):
                without_times.append(one())
        del block
    with_ms, without_ms = statistics.median(with_times), statistics.median(without_times)
    return {
        "creates_each": len(with_times),
        "with_facts_median_ms": round(with_ms, 2),
        "without_facts_median_ms": round(without_ms, 2),
        "added_percent": round((with_ms / without_ms - 1) * 100, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--facts", type=int, default=1_000_000)
    parser.add_argument("--rebuild-tickets", type=int, default=250_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--creates", type=int, default=200)
    parser.add_argument("--skip-seed", action="store_true", help="reuse the facts already in the database")
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/awn_analytics_bench")
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("AWN_TASKS_MODE", "off")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    from awn.accounts.enums import Role, TeamKind
    from awn.accounts.models import Team, User
    from awn.accounts.services import team_create, user_create
    from awn.analytics.models import TicketFact
    from awn.analytics.services import facts_rebuild, rollups_refresh

    teams = list(Team.objects.values_list("pk", "kind"))
    if len(teams) < 6:
        for i in range(6):
            team_create(
                name=f"فريق القياس {i}", kind=[TeamKind.IN_HOUSE, TeamKind.OUTSOURCED, TeamKind.HYBRID][i % 3]
            )
        teams = list(Team.objects.values_list("pk", "kind"))
    result: dict[str, Any] = {"bench": "analytics", "at": datetime.now(UTC).isoformat(timespec="seconds")}
    now = datetime.now(UTC)
    if not args.skip_seed:
        started = time.perf_counter()
        events = seed_log(args.rebuild_tickets, teams, now)
        result["log_seed_seconds"] = round(time.perf_counter() - started, 1)
        rebuilds, per_cpu = [], []
        for _ in range(2):
            rebuilt = facts_rebuild()
            rebuilds.append(rebuilt.events / rebuilt.seconds)
            per_cpu.append(rebuilt.events / rebuilt.cpu_seconds)
        result["rebuild"] = {
            "events": events,
            "facts": rebuilt.facts,
            "events_per_second": [round(r) for r in rebuilds],
            "events_per_cpu_second": [
                round(r) for r in per_cpu
            ],  # this process only (PostgreSQL's share apart)
            "seconds": round(rebuilt.seconds, 2),
            "load_average": os.getloadavg()[0],
        }
        print(json.dumps(result["rebuild"]), file=sys.stderr)
        started = time.perf_counter()
        seed_facts(args.rebuild_tickets + 1, args.facts, teams, now)
        result["facts_seed_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        result["rollup_rows"] = rollups_refresh()
        result["rollups_refresh_seconds"] = round(time.perf_counter() - started, 1)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE analytics_dailyrollup")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE analytics_dailyrollup")  # after a migration that filled rows, too
    result["facts"] = TicketFact.objects.count()
    boss = User.objects.filter(username="bench_supervisor").first() or user_create(
        username="bench_supervisor", password="bench-password-123", role=Role.SUPERVISOR
    )
    client = Client()
    client.force_login(boss)
    # A staff session that passed the second step (AWN_STAFF_2FA): without it every page answers 302 to sign-in.
    from awn.accounts import session_keys

    session = client.session
    for name in (session_keys.AUTH_AT, session_keys.MFA_AT, session_keys.SEEN_AT):
        session[name] = session_keys.now()
    session.save()
    today = now.astimezone(settings_tz()).date()
    page = "/workspace/analytics/"
    result["reports"] = [
        timed_requests(client, page, {}, args.requests),
        timed_requests(
            client,
            page,
            {"start": str(today - timedelta(days=6)), "end": str(today), "by": "channel"},
            args.requests,
        ),
        timed_requests(client, page, {"team": str(teams[0][0])}, args.requests),
        timed_requests(
            client,
            page,
            {"start": str(today - timedelta(days=364)), "end": str(today)},
            max(5, args.requests // 3),
        ),
        timed_requests(
            client, "/workspace/analytics/tickets/", {"kpi": "fcr", "part": "hits"}, args.requests
        ),
    ]
    print(json.dumps(result["reports"]), file=sys.stderr)
    result["creation"] = creation_cost(args.creates)
    print(json.dumps(result, ensure_ascii=False))
    return 0


def settings_tz() -> Any:
    from awn.analytics.selectors import REPORT_TZ

    return REPORT_TZ


if __name__ == "__main__":
    raise SystemExit(main())
