"""Surge mode (issue 18 item 5): bulk linking of 10,000 incidents (target <= 10 s), a 10,000-recipient broadcast
queued (target <= 60 s) and a sample of it sent, each recipient exactly once.

    .venv/bin/python -m bench.incidents --db sqlite --tickets 10000 --send 600
    .venv/bin/python -m bench.incidents --db postgres --tickets 10000 --send 600

Seeds its own database (var/bench_incidents.sqlite3, or awn_bench_incidents on PostgreSQL; BENCH_DATABASE_URL
overrides): `--tickets` open account-access tickets from as many contacts (bulk inserts: the benchmark measures
linking, not ticket creation), each contact with a login_failed event in the last hour, and a few hundred
tickets of other categories that must not be linked. Then measures:
- `link`: services.incident_link_matching by external event (login_failed in the last hour) and category: the
  matching query, then tickets.tickets_link_to_problem (chunks of 500: lock, one UPDATE, one bulk INSERT of the
  history rows);
- `relink`: the same again (idempotence: links nothing);
- `queue`: services.broadcast_create — one Broadcast and one Recipient per affected person;
- `send`: broadcast_send_batch rounds until `--send` recipients are sent (per-provider rate raised so the
  round size, not the clock, bounds it), then counts replies per recipient (must all be 1).
With --kill-after S the rounds run in a child process that is SIGKILLed after S seconds; its claimed rows stay
"sending" until their lease (LEASE seconds here) runs out, then the sweep's resume and this process finish them.
Jobs run inline ("sync"); the sending job is called directly, so nothing runs in the background meanwhile.

Figures: bench/RESULTS.md («Surge mode: bulk linking and broadcasts»).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from bench.crash import bench_database_url, kill_sender_after, people_with_event, say
from bench.run import fresh_database

ROOT = Path(__file__).resolve().parent.parent
LEASE = 5  # seconds a killed sender's rows stay claimed


def _sender(args: argparse.Namespace) -> dict[str, object]:
    """The child of --kill-after: sends rounds until killed (or done), leases of LEASE seconds."""
    os.environ["DATABASE_URL"] = bench_database_url(args.db, "incidents")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["AWN_TASKS_MODE"] = "off"
    import django

    django.setup()
    from django.conf import settings

    from awn.incidents import services

    settings.AWN_BROADCAST_RATES = dict.fromkeys(("whatsapp", "telegram", "email", "portal"), 100)
    settings.AWN_BROADCAST_LEASE_SECONDS = LEASE
    while services.broadcast_send_batch(args.sender, seconds=0.5):
        pass
    return {"duplicates": 0}


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--send", type=int, default=600)
    parser.add_argument(
        "--kill-after",
        type=float,
        default=0,
        help="send from a child process, SIGKILL it after this many seconds",
    )
    parser.add_argument(
        "--sender", type=int, default=0, help=argparse.SUPPRESS
    )  # the child: send broadcast N
    args = parser.parse_args(argv)
    if args.sender:
        return _sender(args)

    url = bench_database_url(args.db, "incidents")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["AWN_TASKS_MODE"] = "sync"
    fresh_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db.models import Count

    from awn.accounts.enums import Role
    from awn.accounts.services import user_create
    from awn.incidents import services
    from awn.incidents.models import Recipient
    from awn.incidents.selectors import Criteria
    from awn.tickets.enums import Category, Channel, Direction
    from awn.tickets.models import Message, Ticket

    call_command("migrate", verbosity=0)
    say("migrated")
    supervisor = user_create(username="bench-supervisor", password="bench-password-1", role=Role.SUPERVISOR)
    n = args.tickets
    channels = [Channel.WHATSAPP, Channel.TELEGRAM, Channel.EMAIL, Channel.PORTAL]
    contacts = people_with_event(n)
    Ticket.objects.bulk_create(
        [
            Ticket(
                subject="لا أستطيع الدخول إلى نور",
                requester_id=contact_id,
                category=Category.ACCOUNT_ACCESS,
                channel=channels[i % len(channels)],
            )
            for i, contact_id in enumerate(contacts)
        ]
        + [
            Ticket(subject="نقل طالب", requester_id=contacts[i], category=Category.TRANSFER)
            for i in range(min(300, n))
        ],
        batch_size=2000,
    )
    say("seeded")
    incident = services.incident_declare(
        actor=supervisor, title_ar="تعطل الدخول", message_ar="نعمل على الإصلاح", auto_reply=False
    )
    criteria = Criteria(event_type="login_failed", event_hours=1, category=Category.ACCOUNT_ACCESS)

    started = time.perf_counter()
    linked = services.incident_link_matching(actor=supervisor, incident=incident, criteria=criteria)
    link_seconds = time.perf_counter() - started
    say("linked")
    started = time.perf_counter()
    relinked = services.incident_link_matching(actor=supervisor, incident=incident, criteria=criteria)
    relink_seconds = time.perf_counter() - started

    settings.AWN_TASKS_MODE = "off"  # queueing measured alone: the sending rounds are driven below
    started = time.perf_counter()
    broadcast = services.broadcast_create(
        actor=supervisor, incident=incident, kind="update", body_ar="عاد الدخول إلى نور للعمل."
    )
    queue_seconds = time.perf_counter() - started
    recipients = Recipient.objects.filter(broadcast=broadcast).count()
    say("queued")

    settings.AWN_BROADCAST_RATES = dict.fromkeys(("whatsapp", "telegram", "email", "portal"), 100)
    killed: dict[str, int] = {}
    started = time.perf_counter()
    if args.kill_after:
        kill_sender_after(args.kill_after, "bench.incidents", args.db, broadcast.pk)
        killed = dict(
            Recipient.objects.filter(broadcast=broadcast).values_list("state").annotate(n=Count("id"))
        )
        say(f"sender killed: {killed}")
        time.sleep(LEASE + 1)  # its claimed rows' lease runs out
        services.broadcasts_resume()
    rounds = 0
    while Recipient.objects.filter(broadcast=broadcast, state="sent").count() < min(args.send, recipients):
        services.broadcast_send_batch(broadcast.pk, seconds=0.5)
        rounds += 1
    send_seconds = time.perf_counter() - started
    sent = Recipient.objects.filter(broadcast=broadcast, state="sent").count()
    replies = (
        Message.objects.filter(direction=Direction.OUTBOUND, body="عاد الدخول إلى نور للعمل.")
        .values("ticket_id")
        .annotate(n=Count("id"))
    )
    duplicates = sum(1 for row in replies if row["n"] != 1)
    result = {
        "db": args.db,
        "tickets": n,
        "linked": linked,
        "link_seconds": round(link_seconds, 2),
        "relinked": relinked,
        "relink_seconds": round(relink_seconds, 2),
        "recipients": recipients,
        "queue_seconds": round(queue_seconds, 2),
        "sent": sent,
        "states_when_killed": killed,
        "send_rounds": rounds,
        "send_per_second": round(sent / send_seconds, 1) if send_seconds else None,
        "replies": len(replies),
        "duplicates": duplicates,
        "linked_in_db": Ticket.objects.filter(problem_id=incident.problem_id).count(),
        "load_average": os.getloadavg(),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    sys.exit(0 if main()["duplicates"] == 0 else 1)
