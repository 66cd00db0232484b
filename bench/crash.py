"""What the exactly-once benchmarks (bench.incidents, bench.outreach, bench.routing) share: their own database, a
time-stamped progress line, people seeded in bulk with an external event, and a sender child killed mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bench_database_url(kind: str, name: str) -> str:
    """BENCH_DATABASE_URL, else the benchmark's own SQLite file or PostgreSQL database `awn_bench_<name>`."""
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    if kind == "postgres":
        return f"postgres://postgres@127.0.0.1:5432/awn_bench_{name}"
    return f"sqlite:///{ROOT / 'var' / f'bench_{name}.sqlite3'}"


def say(what: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {what}", file=sys.stderr, flush=True)


def people_with_event(
    n: int, *, extra: int = 0, emails: bool = False, event_type: str = "login_failed"
) -> list[int]:
    """`n + extra` contacts in bulk (with an address p<i>@example.sa when `emails`), the first `n` with `event_type`
    now; their ids in insertion order."""
    from django.utils import timezone

    from awn.crm.models import Contact, ExternalEvent

    now = timezone.now()
    Contact.objects.bulk_create(
        [
            Contact(
                name=f"ولي أمر {i}",
                name_normalized=f"ولي امر {i}",
                email=f"p{i}@example.sa" if emails else "",
            )
            for i in range(n + extra)
        ],
        batch_size=2000,
    )
    people = list(Contact.objects.order_by("pk").values_list("pk", flat=True))
    ExternalEvent.objects.bulk_create(
        [
            ExternalEvent(event_id=f"b{i}", event_type=event_type, contact_id=contact_id, occurred_at=now)
            for i, contact_id in enumerate(people[:n])
        ],
        batch_size=2000,
    )
    return people


def kill_sender_after(seconds: float, module: str, db: str, sender: int) -> None:
    """Run `python -m <module> --db <db> --sender <sender>` and SIGKILL it after `seconds`."""
    child = subprocess.Popen(
        [sys.executable, "-m", module, "--db", db, "--sender", str(sender)], cwd=ROOT, env={**os.environ}
    )
    time.sleep(seconds)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
