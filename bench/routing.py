"""Skills routing: one decision with 500 agents online and 5,000 contacts waiting (target: p95 <= 20 ms).

    .venv/bin/python -m bench.routing --db sqlite --decisions 300
    .venv/bin/python -m bench.routing --db postgres --decisions 300

Seeds its own database (var/bench_routing.sqlite3, or awn_bench_routing on PostgreSQL; BENCH_DATABASE_URL
overrides): 500 agents online and connected (chat capacity 3, 20 tickets), 1–4 skills each, a tenth of them in an
outsourced team covering two categories, 2 tickets in hand each, and 5,000 waiting tickets over every channel
and category. Then measures, one at a time on one core:
- `verified_decision`: the decision proper — the roster of 500 candidates (status, skills, work in hand: three
  queries, re-read every ROSTER_SECONDS), engine.choose, and the winner checked under its row lock (two queries);
- `decision`: services.route_ticket end to end — lock the ticket, decide as above, assign through
  tickets.services.ticket_update (audit, TicketAssigned and its after-commit reactions: realtime pushes and the
  agent's notification), record the RoutingDecision — for the head of the waiting line, `--decisions` times;
- `choose`: engine.choose alone over the 500 candidates (the pure part).
Jobs run inline ("sync") so nothing runs in the background meanwhile.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.crash import bench_database_url
from bench.run import fresh_database

ROOT = Path(__file__).resolve().parent.parent


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--waiting", type=int, default=5000)
    parser.add_argument("--decisions", type=int, default=300)
    args = parser.parse_args(argv)

    url = bench_database_url(args.db, "routing")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["AWN_TASKS_MODE"] = "sync"
    fresh_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from awn.accounts.enums import Role, TeamKind
    from awn.accounts.models import Team, User
    from awn.crm.models import Contact
    from awn.routing.engine import Need, choose
    from awn.routing.models import AgentSkill, AgentStatus, RoutingDecision
    from awn.routing.selectors import routing_candidates, waiting_line
    from awn.routing.services import route_ticket
    from awn.tickets.enums import Category, Channel, Priority, Status
    from awn.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    rng = random.Random(18)
    now = timezone.now()
    categories = list(Category.values)
    channels = [c for c in Channel.values if c not in (Channel.CHAT, Channel.PHONE)]
    began = time.perf_counter()
    with transaction.atomic():
        in_house = Team.objects.create(name="داخلي", kind=TeamKind.IN_HOUSE)
        vendor = Team.objects.create(
            name="مشغّل", kind=TeamKind.OUTSOURCED, categories=["account_access", "registration"]
        )
        users = User.objects.bulk_create(
            User(
                username=f"bench-agent-{i}",
                role=Role.AGENT,
                team=vendor if i % 10 == 0 else in_house,
                password="!",
            )
            for i in range(args.agents)
        )
        if users[0].pk is None:
            users = list(User.objects.filter(username__startswith="bench-agent-").order_by("pk"))
        AgentStatus.objects.bulk_create(
            AgentStatus(
                user=u,
                state="online",
                state_since=now,
                last_activity_at=now,
                seen_at=now + timedelta_seconds(86400),  # pages open throughout the run
                last_routed_at=now - timedelta_seconds(rng.randint(0, 3600)),
            )
            for u in users
        )
        skills = []
        for u in users:
            for kind, value in rng.sample(
                [("category", c) for c in categories]
                + [("language", "ar"), ("language", "en")]
                + [("channel", c) for c in channels],
                rng.randint(1, 4),
            ):
                skills.append(AgentSkill(user=u, kind=kind, value=value))
        AgentSkill.objects.bulk_create(skills)
        contact = Contact.objects.create(name="مستفيد الاختبار")
        in_hand = [
            Ticket(
                subject="قيد العمل",
                category=rng.choice(categories),
                channel=rng.choice(channels),
                status=Status.OPEN,
                requester=contact,
                assignee=u,
            )
            for u in users
            for _ in range(2)
        ]
        Ticket.objects.bulk_create(in_hand, batch_size=1000)
        Ticket.objects.bulk_create(
            (
                Ticket(
                    subject="بانتظار موظف",
                    category=rng.choice(categories),
                    channel=rng.choice(channels),
                    priority=rng.choices(list(Priority.values), weights=[2, 6, 2, 1])[0],
                    status=Status.NEW,
                    requester=contact,
                )
                for _ in range(args.waiting)
            ),
            batch_size=1000,
        )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seeded = time.perf_counter() - began

    # The pure part: engine.choose over the candidates.
    candidates = routing_candidates("tickets")
    needs = [
        Need(i, rng.choice(categories), rng.choice(["ar", "en"]), rng.choice(channels)) for i in range(2000)
    ]
    choose_ms = []
    for need in needs:
        t0 = time.perf_counter()
        choose(need, candidates, now=time.time())
        choose_ms.append((time.perf_counter() - t0) * 1e3)

    # The decision proper: read the roster (every ROSTER_SECONDS), choose, verify the winner under its row lock.
    from awn.routing.services import _choose_verified, roster_forget

    verified_ms = []
    for need in needs[:500]:
        t0 = time.perf_counter()
        with transaction.atomic():
            _choose_verified(need, "tickets", timezone.now())
        verified_ms.append((time.perf_counter() - t0) * 1e3)
    roster_forget()
    t0 = time.perf_counter()
    routing_candidates("tickets")
    roster_read_ms = (time.perf_counter() - t0) * 1e3

    decision_ms = []
    assigned = 0
    for _ in range(args.decisions):
        head = waiting_line("tickets", 1)
        t0 = time.perf_counter()
        row = route_ticket(head[0])
        decision_ms.append((time.perf_counter() - t0) * 1e3)
        assigned += bool(row and row.agent_id)
    result = {
        "bench": "routing",
        "db": connection.vendor,
        "agents_online": len(candidates),
        "waiting": args.waiting,
        "decisions": args.decisions,
        "assigned": assigned,
        "decisions_recorded": RoutingDecision.objects.count(),
        "decision_p50_ms": round(statistics.median(decision_ms), 2),
        "decision_p95_ms": round(_percentile(decision_ms, 0.95), 2),
        "decision_max_ms": round(max(decision_ms), 2),
        "verified_decision_p50_ms": round(statistics.median(verified_ms), 2),
        "verified_decision_p95_ms": round(_percentile(verified_ms, 0.95), 2),
        "roster_read_ms": round(roster_read_ms, 1),
        "choose_p50_ms": round(statistics.median(choose_ms), 3),
        "choose_p95_ms": round(_percentile(choose_ms, 0.95), 3),
        "seed_seconds": round(seeded, 1),
        "python": sys.version.split()[0],
    }
    print(json.dumps(result))
    return result


def timedelta_seconds(seconds: int) -> Any:
    from datetime import timedelta

    return timedelta(seconds=seconds)


if __name__ == "__main__":
    main()
