"""CPU and statements of analytics' reaction to a ticket creation alone (issue 17: writing facts adds ≤ 10% to
the creation path): `analytics.handlers.on_ticket_created` for the newest `--tickets` tickets, their facts deleted
first, all inside one transaction that is rolled back (nothing changes). Steadier on a shared machine than the
difference of two API runs (bench/api_create_cpu.py with and without bench.no_analytics).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/awn_bench python -m bench.analytics_create_reaction [--tickets 200]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("AWN_TASKS_MODE", "off")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from awn.analytics.handlers import on_ticket_created  # noqa: E402
from awn.analytics.models import TicketFact  # noqa: E402
from awn.tickets.events import TicketCreated  # noqa: E402
from awn.tickets.models import Ticket  # noqa: E402


class _Undo(Exception):
    pass


def measure(ids: list[int]) -> tuple[float, float]:
    """(CPU ms, statements) per creation."""
    cpu, statements = 0.0, 0
    try:
        with transaction.atomic():
            TicketFact.objects.filter(pk__in=ids).delete()
            with CaptureQueriesContext(connection) as queries:
                started = time.process_time()
                for ticket_id in ids:
                    on_ticket_created(TicketCreated(ticket_id=ticket_id, channel="api"))
                cpu = time.process_time() - started
            statements = len(queries.captured_queries)
            raise _Undo
    except _Undo:
        pass
    return cpu * 1000 / len(ids), statements / len(ids)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    ids = list(Ticket.objects.order_by("-pk").values_list("pk", flat=True)[: args.tickets])
    measure(ids[:20])  # warm: imports, calendars, connections
    rounds = [measure(ids) for _ in range(args.rounds)]
    print(
        json.dumps(
            {
                "tickets": len(ids),
                "cpu_ms_per_creation": [round(cpu, 3) for cpu, _n in rounds],
                "statements_per_creation": rounds[0][1],
                "load": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
