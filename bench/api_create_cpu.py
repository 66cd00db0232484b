"""CPU and queries of one ticket creation through the API, in process (Django's test client, no HTTP, no load
generator): what a change to the intake path saves, measured so that a shared machine's load barely moves it
(issue 14). Production layout: AWN_TASKS_MODE=off (jobs are a worker's), so what is left is the request's own.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/awn_bench AWN_TASKS_MODE=off \
        python -m bench.api_create_cpu [--creations 20] [--rounds 3] [--screens 20] [--burst [--threads 4]]

Per round: `--creations` POSTs to /api/v1/tickets with one token, rotating requesters; reported per creation as
the median of the round: `request_cpu_ms` (CPU of the request's thread: time.thread_time), `process_cpu_ms` (every
thread of the process, so work moved to a background thread still counts; read around each creation after the
push thread is idle), `wall_ms`, `queries` (on the request's connection). `--screens` agent sockets with the
queue open (rows only) make the live-screen reaction compute a real audience and send frames.
Uses the `bench-agent` user that bench.run prepares if present (else makes one) and the newest contacts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("AWN_TASKS_MODE", "off")
django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from awn.accounts.enums import Role  # noqa: E402
from awn.accounts.models import User  # noqa: E402
from awn.accounts.services import api_token_create, user_create  # noqa: E402
from awn.crm.models import Contact  # noqa: E402
from awn.realtime.models import AgentSocket  # noqa: E402

BODY = {
    "subject": "لا أستطيع الدخول إلى حسابي في النظام",
    "body": "تظهر رسالة أن كلمة المرور غير صحيحة مع أنني متأكد منها.",
    "category": "account_access",
    "priority": "normal",
}


def _drain() -> None:
    """Wait until live-screen reactions queued by earlier creations have run (when the code has a push thread)."""
    from awn.realtime import services

    wait = getattr(services, "wait_for_pushes", None)
    if wait is not None:
        wait(30)


def _agent() -> User:
    user = User.objects.filter(username="bench-agent").first()
    return user or user_create(username="bench-agent", password="bench-agent-password-1", role=Role.AGENT)


def _screens(count: int) -> None:
    AgentSocket.objects.filter(channel_name__startswith="bench-intake.").delete()
    now = timezone.now()
    users = []
    for n in range(count):
        name = f"bench-intake-{n}"
        users.append(
            User.objects.filter(username=name).first()
            or user_create(username=name, password="bench-agent-password-1", role=Role.SUPERVISOR)
        )
    AgentSocket.objects.bulk_create(
        [
            AgentSocket(channel_name=f"bench-intake.{n}", user=user, page="queue", seen_at=now)
            for n, user in enumerate(users)
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--creations", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--screens", type=int, default=20)
    parser.add_argument(
        "--burst", action="store_true", help="Creations from --threads threads, pushes drained once a round."
    )
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    _, key = api_token_create(user=_agent(), name="bench-intake")
    _screens(args.screens)
    contacts = list(
        Contact.objects.filter(merged_into__isnull=True).order_by("-pk").values_list("pk", flat=True)[:200]
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    n = 0

    def create() -> tuple[float, float, float, int]:
        nonlocal n
        n += 1
        body = {**BODY, "requester_id": contacts[n % len(contacts)]} if contacts else BODY
        _drain()
        process, thread, wall = time.process_time(), time.thread_time(), time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/api/v1/tickets", body, content_type="application/json")
        request_cpu, wall_ms = time.thread_time() - thread, time.perf_counter() - wall
        _drain()
        process_cpu = time.process_time() - process
        assert response.status_code in (200, 201), (response.status_code, response.content[:300])
        return request_cpu * 1000, process_cpu * 1000, wall_ms * 1000, len(queries)

    for _ in range(5):  # warm: imports, per-process caches, connections
        create()
    if args.burst:
        return _bursts(args, key, contacts)
    rounds = []
    for _ in range(args.rounds):
        runs = [create() for _ in range(args.creations)]
        rounds.append(
            {
                "request_cpu_ms": round(statistics.median(r[0] for r in runs), 2),
                "process_cpu_ms": round(statistics.median(r[1] for r in runs), 2),
                "wall_ms": round(statistics.median(r[2] for r in runs), 2),
                "queries": statistics.median(r[3] for r in runs),
            }
        )
    load = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps({"creations": args.creations, "screens": args.screens, "rounds": rounds, "load": load}))
    return 0


def _counted_audience_reads() -> dict[str, int]:
    """How many times the push thread reads a ticket's audience (`ticket_for_audience`: notifications, messages,
    and every screen change in code before bursts) and a burst's (`tickets_for_audience`, when the code has it)."""
    from awn.realtime import selectors

    counts: dict[str, int] = {}
    for name in ("ticket_for_audience", "tickets_for_audience"):
        real = getattr(selectors, name, None)
        if real is None:
            continue
        counts[name] = 0

        def counted(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            counts[_name] += 1
            return _real(*args, **kwargs)

        setattr(selectors, name, counted)
    return counts


def _bursts(args: argparse.Namespace, key: str, contacts: list[int]) -> int:
    """`--burst`: each round posts `--creations` tickets from `--threads` threads at once (as a gthread worker
    or a busy machine would), then waits for the pushes; per creation: the process's CPU over the round, and the
    audience reads."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    counts = _counted_audience_reads()

    def post(n: int) -> int:
        body = {**BODY, "requester_id": contacts[n % len(contacts)]} if contacts else BODY
        response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").post(
            "/api/v1/tickets", body, content_type="application/json"
        )
        connections.close_all()
        return int(response.status_code)

    rounds = []
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        for r in range(args.rounds):
            _drain()
            for name in counts:
                counts[name] = 0
            process, wall = time.process_time(), time.perf_counter()
            statuses = list(pool.map(post, range(r * args.creations, (r + 1) * args.creations)))
            _drain()
            process_cpu, wall_s = time.process_time() - process, time.perf_counter() - wall
            assert all(status in (200, 201) for status in statuses), statuses
            rounds.append(
                {
                    "process_cpu_ms": round(process_cpu * 1000 / args.creations, 2),
                    "wall_ms": round(wall_s * 1000 / args.creations, 2),
                    **{name: round(count / args.creations, 3) for name, count in counts.items()},
                }
            )
    load = [round(x, 2) for x in os.getloadavg()]
    result = {"burst": True, "threads": args.threads, "creations": args.creations, "screens": args.screens}
    print(json.dumps({**result, "rounds": rounds, "load": load}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
