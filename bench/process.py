"""Benchmark of the process-analytics page (issue 17 item 4) on PostgreSQL: facts seeded by bench/analytics.py's
COPY loader, then the process columns filled with spread values, then timed requests (wall and CPU ms, load).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/awn_process_bench .venv/bin/python -m bench.process --facts 200000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.analytics import ensure_database, seed_facts, settings_tz, timed_requests

FILL = (
    "UPDATE analytics_ticketfact SET new_seconds = (ticket_id * 7919) % 7200, "
    "open_seconds = (ticket_id * 104729) % 86400, on_hold_seconds = CASE WHEN ticket_id % 7 = 0 THEN 900 ELSE 0 END, "
    "pending_seconds = CASE WHEN ticket_id % 4 = 0 THEN (ticket_id * 31) % 172800 ELSE 0 END, "
    "agent_change_count = (ticket_id % 6 = 0)::int, transfer_count = (ticket_id % 9 = 0)::int, "
    "bot_then_human = ticket_id % 3 = 0, escalated = ticket_id % 18 = 0"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--facts", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--skip-seed", action="store_true")
    args = parser.parse_args(argv)
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/awn_process_bench")
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
    from awn.accounts import session_keys
    from awn.accounts.enums import Role, TeamKind
    from awn.accounts.models import Team, User
    from awn.accounts.services import team_create, user_create

    if Team.objects.count() < 3:
        for i, kind in enumerate((TeamKind.IN_HOUSE, TeamKind.OUTSOURCED, TeamKind.HYBRID)):
            team_create(name=f"فريق قياس العمليات {i}", kind=kind)
    teams = list(Team.objects.values_list("pk", "kind"))
    now = datetime.now(UTC)
    if not args.skip_seed:
        seed_facts(1, args.facts, teams, now)
        with connection.cursor() as cursor:
            cursor.execute(FILL)
            cursor.execute("VACUUM ANALYZE analytics_ticketfact")
    boss = User.objects.filter(username="bench_process").first() or user_create(
        username="bench_process", password="bench-password-123", role=Role.SUPERVISOR
    )
    client = Client()
    client.force_login(boss)
    session = client.session
    for name in (session_keys.AUTH_AT, session_keys.MFA_AT, session_keys.SEEN_AT):
        session[name] = session_keys.now()
    session.save()
    today = now.astimezone(settings_tz()).date()
    result: dict[str, Any] = {"bench": "process", "facts": args.facts}
    page = "/workspace/analytics/process/"
    result["process"] = [
        timed_requests(client, page, {}, args.requests),  # the default: the last 30 days
        timed_requests(client, page, {"start": str(today - timedelta(days=364)), "end": str(today)}, 3),
    ]
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
