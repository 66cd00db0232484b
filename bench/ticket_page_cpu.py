"""CPU of the agent ticket page, in process (Django's test client, no HTTP, no other load generator): what a
change to the page saves, measured so that a shared machine's load barely moves it (issue 14).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/awn_bench python -m bench.ticket_page_cpu [--fragments]

Uses the tickets and the `bench-agent` user that bench.run prepares (seeded tickets, newest first).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.test import Client  # noqa: E402

from awn.accounts import session_keys  # noqa: E402
from awn.accounts.models import User  # noqa: E402
from awn.tickets.models import Ticket  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--fragments",
        action="store_true",
        help="also fetch the customer 360 and history fragments of each page",
    )
    args = parser.parse_args(argv)
    client = Client()
    client.force_login(User.objects.get(username="bench-agent"))
    session = client.session
    for name in (session_keys.AUTH_AT, session_keys.MFA_AT, session_keys.SEEN_AT):
        session[name] = session_keys.now()
    session.save()
    ids = list(
        Ticket.objects.filter(triage__model_version="bench-seed")
        .order_by("-created_at")
        .values_list("pk", flat=True)[: args.tickets]
    )
    parts = ("", "customer/", "history/") if args.fragments else ("",)
    for pk in ids[:10]:  # warm: imports, templates, connections
        assert client.get(f"/workspace/tickets/{pk}/").status_code == 200
    rounds = []
    for _ in range(args.rounds):
        cpu, wall = time.process_time(), time.perf_counter()
        for pk in ids:
            for part in parts:
                client.get(f"/workspace/tickets/{pk}/{part}")
        rounds.append(
            {
                "cpu_ms": round((time.process_time() - cpu) / len(ids) * 1000, 1),
                "wall_ms": round((time.perf_counter() - wall) / len(ids) * 1000, 1),
            }
        )
    load = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps({"pages": len(ids), "fragments": args.fragments, "rounds": rounds, "load": load}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
