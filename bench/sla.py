"""SLA on PostgreSQL: recomputation after a calendar edit, the breach scan's latency, ticket creation with policies.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/awn_sla_bench .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/awn_sla_bench .venv/bin/python -m bench.sla --tickets 1000000

Targets (issue 16): recompute >= 10,000 open tickets/s; scan p95 <= 50 ms with 1M open tickets; ticket creation
>= 300/s with SLA policies active (the API figure is bench/run.py's; here the service call, with and without the
SLA reactions, to show what the clocks cost).

Seeding: `--tickets` open tickets by one INSERT … SELECT FROM generate_series, each with its policy snapshot and
three running clocks (first reply, resolution, requester wait) on the default calendar, created over the last 30
days, so a realistic trickle of clocks comes due each minute. `--keep` reuses an existing seed (same size).

1. Scan: `sla_scan()` run `--scans` times, the clock moved one minute each run from now (each run finds the
   clocks that came due in its minute), then as many runs with nothing new; p50/p95/max in ms.
2. Recompute: the default calendar's hours change (calendar_update), then the recomputation runs over every open
   ticket in this process (recompute_run); tickets/s = open tickets / wall time.
3. Creation: `--creates` tickets through `ticket_create`, one at a time, with the configured reactions and with the
   SLA reactions removed; tickets/s each.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Nothing runs beside the measurement: the recomputation is run here, and ticket creation's after-commit jobs
# (triage, the assistant) would otherwise share these cores.
os.environ.setdefault("AWN_TASKS_MODE", "off")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from awn.core.events import subscriptions, subscriptions_replaced  # noqa: E402
from awn.crm.models import Contact  # noqa: E402
from awn.crm.services import contact_create  # noqa: E402
from awn.sla import clocks  # noqa: E402
from awn.sla.events import SlaBreached, SlaWarning  # noqa: E402
from awn.sla.models import BusinessCalendar, SlaPolicy, SlaRecompute  # noqa: E402
from awn.sla.recompute import recompute_run  # noqa: E402
from awn.sla.scan import sla_scan  # noqa: E402
from awn.sla.services import calendar_update  # noqa: E402
from awn.tickets.enums import ACTIVE_STATUSES  # noqa: E402
from awn.tickets.models import Ticket  # noqa: E402
from awn.tickets.services import ticket_create  # noqa: E402

HOUR = 3600
SUN_TO_THU = ("sun", "mon", "tue", "wed", "thu")


def _requester() -> Contact:
    contact = Contact.objects.filter(name="مقعد القياس").first()
    return contact or contact_create(name="مقعد القياس")


def seed(count: int) -> None:
    """`count` open tickets created over the last 30 days, each with its snapshot and three running clocks."""
    policy = SlaPolicy.objects.get(is_default=True)
    snapshot = json.dumps(clocks.spec_of(policy).snapshot())
    requester = _requester()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO tickets_ticket (created_at, updated_at, subject, body_preview, status, priority, category,
                channel, requester_id, is_problem, csat_comment, version, last_message_at, sla_policy_id,
                sla_snapshot)
            SELECT now() - (i %% 43200) * interval '1 minute', now(), 'تذكرة قياس ' || i, 'نص',
                   (ARRAY['new','open','pending','on_hold'])[1 + i %% 4], 'normal', 'account_access', 'portal',
                   %s, false, '', 1, now(), %s, %s::jsonb
            FROM generate_series(1, %s) AS i
            """,
            [requester.pk, policy.pk, snapshot, count],
        )
        # Three running clocks a ticket, resumed now with targets from 1 minute to 30 days of business time: after
        # the first recomputation every due time is an exact business-time one, spread over the weeks ahead (what
        # a backlog looks like to the scan: a few clocks come due each minute, none is overdue at the start).
        cursor.execute(
            """
            INSERT INTO sla_slaclock (ticket_id, metric, state, target_seconds, business, started_at, resumed_at,
                used_seconds, due_at, warn_at, warned)
            SELECT t.id, m.metric, 'active', 60 * (1 + (t.id * 7919 + m.shift) %% 43200), true, now(), now(), 0,
                   now() + (1 + (t.id * 7919 + m.shift) %% 43200) * interval '1 minute',
                   now() + (1 + (t.id * 7919 + m.shift) %% 43200) * interval '45 seconds', false
            FROM tickets_ticket t
            CROSS JOIN (VALUES ('first_reply', 0), ('resolution', 1440), ('requester_wait', 2880)) AS m(metric, shift)
            WHERE t.subject LIKE %s
              AND NOT EXISTS (SELECT 1 FROM sla_slaclock c WHERE c.ticket_id = t.id)
            """,
            ["تذكرة قياس %"],
        )
        cursor.execute(
            """
            UPDATE tickets_ticket t SET next_due_at = c.due
            FROM (SELECT ticket_id, min(due_at) AS due FROM sla_slaclock GROUP BY ticket_id) c
            WHERE c.ticket_id = t.id AND t.next_due_at IS NULL
            """
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"seeded {count} open tickets and {3 * count} clocks in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


def bench_scan(runs: int) -> dict[str, float]:
    def timed(at: object) -> float:
        started = time.perf_counter()
        sla_scan(at)  # type: ignore[arg-type]
        return (time.perf_counter() - started) * 1000

    base = timezone.now()
    # The scan's own cost: selecting, locking, writing the alert rows and publishing; the reactions to the
    # alerts (realtime notifications, after commit) are measured apart (`with_reactions`).
    quiet = {
        event: [r for r in reactions if event not in (SlaWarning, SlaBreached)]
        for event, reactions in subscriptions().items()
    }
    with subscriptions_replaced(quiet):
        due_runs = [timed(base + timedelta(minutes=i)) for i in range(runs)]
        idle_runs = [timed(base + timedelta(minutes=runs - 1)) for _ in range(runs)]
    with_reactions = [timed(base + timedelta(minutes=runs + i)) for i in range(max(5, runs // 4))]

    def summary(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {
            "p50": round(statistics.median(ordered), 1),
            "p95": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
            "max": round(ordered[-1], 1),
        }

    return {
        **{f"due_{k}": v for k, v in summary(due_runs).items()},
        **{f"idle_{k}": v for k, v in summary(idle_runs).items()},
        **{f"with_reactions_{k}": v for k, v in summary(with_reactions).items()},
    }


def bench_recompute() -> dict[str, float]:
    calendar = BusinessCalendar.objects.get(is_default=True)
    hours: list[tuple[int, int]] = (
        [(8 * HOUR, 15 * HOUR)]
        if calendar.weekly_hours.get("sun") == [[8 * HOUR, 16 * HOUR]]
        else [(8 * HOUR, 16 * HOUR)]
    )
    open_count = Ticket.objects.filter(status__in=sorted(ACTIVE_STATUSES)).count()
    with transaction.atomic():
        calendar_update(
            calendar=calendar,
            name=calendar.name,
            weekly_hours={d: hours for d in range(7) if d not in (4, 5)},
        )
    run = SlaRecompute.objects.order_by("-pk").first()
    assert run is not None
    started = time.perf_counter()
    recompute_run(run.pk)
    seconds = time.perf_counter() - started
    run.refresh_from_db()
    return {
        "open_tickets": open_count,
        "done": run.done,
        "seconds": round(seconds, 1),
        "per_second": round(run.done / seconds),
    }


def bench_create(count: int) -> dict[str, float]:
    requester = _requester()

    def rate() -> float:
        started = time.perf_counter()
        for i in range(count):
            ticket_create(requester=requester, subject=f"قياس الإنشاء {i}", body="لا أستطيع الدخول")
        return count / (time.perf_counter() - started)

    with_sla = rate()
    without = {
        event: [r for r in reactions if not r.handler.__module__.startswith("awn.sla.")]
        for event, reactions in subscriptions().items()
    }
    with subscriptions_replaced(without):
        without_sla = rate()
    return {"with_sla_per_s": round(with_sla), "without_sla_per_s": round(without_sla)}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--scans", type=int, default=60)
    parser.add_argument("--creates", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="reuse the tickets already seeded")
    parser.add_argument("--skip", default="", help="comma-separated: scan, recompute, create")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        print("bench.sla measures PostgreSQL: set DATABASE_URL=postgres://…", file=sys.stderr)
        return 2
    skip = set(filter(None, args.skip.split(",")))
    if not args.keep:
        seed(args.tickets)
    results: dict[str, object] = {
        "open_tickets": Ticket.objects.filter(status__in=sorted(ACTIVE_STATUSES)).count()
    }
    if "scan" not in skip:
        results["scan_ms"] = bench_scan(args.scans)
        print(results, flush=True)
    if "recompute" not in skip:
        results["recompute"] = bench_recompute()
        print(results, flush=True)
    if "create" not in skip:
        results["create"] = bench_create(args.creates)
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
