"""Saved views of the queue: what the bar of views costs, and that the queue page costs the same with views.

`python -m bench.saved_views --tickets 20000 --views 20` makes a fresh database (PostgreSQL `awn_bench_views` by
default, or `--db sqlite`), seeds it with bench.seed, gives the bench agent `--views` saved views (a spread of
filters, a search among them), then measures in-process (Django's test client, the agent signed in):

- the bar (`/workspace/views/`) with its counts uncached (AWN_QUEUE_COUNTS_SECONDS=0: every request counts) and
  cached (the default 5 s: what nearly every load of a working agent gets): queries and CPU ms per request;
- the queue page itself, without views and with them: its queries must not change.

CPU ms are `time.process_time` of this process (the database server's own time is not included); the load
average is printed beside them.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FILTERS: list[dict[str, str]] = [
    {"queue": "open", "priority": "urgent"},
    {"queue": "open", "category": "registration"},
    {"queue": "unassigned", "channel": "whatsapp"},
    {"queue": "all", "status": "pending"},
    {"queue": "open", "category": "account_access", "priority": "high"},
    {"queue": "all", "q": "كلمة المرور"},
    {"queue": "mine"},
    {"queue": "all", "status": "resolved", "channel": "email"},
]


def _prepare(url: str, tickets: int) -> None:
    from bench.run import ensure_postgres_database, fresh_database

    if url.startswith("postgres"):
        ensure_postgres_database(url)
    fresh_database(url)
    env = {**os.environ, "DATABASE_URL": url, "AWN_LOG_LEVEL": "ERROR"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        [sys.executable, "-m", "bench.seed", "--tickets", str(tickets)], cwd=ROOT, env=env, check=True
    )


def _measure(path: str, client: Any, repeat: int) -> tuple[int, float]:
    from django.db import connection

    captured: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        captured.append(sql)  # an execute wrapper: request_started resets the debug query log
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        assert client.get(path).status_code == 200
    start = time.process_time()
    for _ in range(repeat):
        client.get(path)
    return len(captured), (time.process_time() - start) / repeat * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--views", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--no-seed", action="store_true", help="reuse the database of the last run")
    args = parser.parse_args(argv)
    url = (
        os.environ.get("BENCH_VIEWS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/awn_bench_views")
        if args.db == "postgres"
        else f"sqlite:///{ROOT / 'var' / 'bench_views.sqlite3'}"
    )
    if not args.no_seed:
        _prepare(url, args.tickets)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("AWN_LOG_LEVEL", "ERROR")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    from awn.accounts.enums import Role
    from awn.accounts.models import User
    from awn.accounts.services import user_create
    from awn.queueviews.models import SavedView
    from awn.queueviews.services import saved_view_create

    setup_test_environment()  # the test client's hosts
    settings.AWN_STAFF_2FA = False
    agent = User.objects.filter(username="views-agent").first() or user_create(
        username="views-agent", password="bench-views-1!", role=Role.AGENT
    )
    SavedView.objects.filter(owner=agent).delete()
    client = Client()
    client.force_login(agent)
    client.get("/workspace/")  # the staff session's clocks, templates compiled
    settings.AWN_QUEUE_COUNTS_SECONDS = 0
    page_without = _measure("/workspace/", client, args.repeat)
    bar_without = _measure("/workspace/views/", client, args.repeat)
    for n in range(args.views):
        spec = dict(FILTERS[n % len(FILTERS)])
        queue = spec.pop("queue")
        saved_view_create(actor=agent, name=f"عرض {n + 1}", queue=queue, sort="newest", filters=spec)
    page_with = _measure("/workspace/", client, args.repeat)
    bar_uncached = _measure("/workspace/views/", client, max(args.repeat // 5, 3))
    settings.AWN_QUEUE_COUNTS_SECONDS = 5
    client.get("/workspace/views/")
    bar_cached = _measure("/workspace/views/", client, args.repeat)
    tickets = int(os.environ.get("BENCH_TICKETS", "0")) or args.tickets
    print(f"database {args.db}, {tickets} tickets seeded, {args.views} saved views")
    print(
        f"queue page (counts uncached): without views {page_without[0]} queries, {page_without[1]:.1f} CPU ms; "
        f"with views {page_with[0]} queries, {page_with[1]:.1f} CPU ms"
    )
    print(
        f"views bar: none {bar_without[0]} queries, {bar_without[1]:.1f} CPU ms; {args.views} uncached "
        f"{bar_uncached[0]} queries, {bar_uncached[1]:.1f} CPU ms; cached {bar_cached[0]} queries, "
        f"{bar_cached[1]:.1f} CPU ms"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
