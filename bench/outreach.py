"""Proactive outreach (issue 18 item 6): a 10,000-recipient campaign queued (target <= 60 s) and a sample of it
sent, each person exactly once, also across a sender killed mid-round.

    .venv/bin/python -m bench.outreach --db sqlite --people 10000 --send 300
    .venv/bin/python -m bench.outreach --db postgres --people 10000 --send 300 --kill-after 6

Seeds its own database (var/bench_outreach.sqlite3, or awn_bench_outreach on PostgreSQL; BENCH_DATABASE_URL
overrides) with bulk inserts (the benchmark measures queueing and sending, not seeding): `--people` contacts with an
email, each with a login_failed event today; a third of them with a WhatsApp thread they wrote on four days ago
(their preferred channel, outside the 24-hour window), and a few hundred people without the event who must not be
selected. Then measures:
- `queue`: services.campaign_create for the segment "everyone whose login failed today" — the segment query,
  the opt-out subquery, each person's preferred channel (two queries), the daily-cap checks, one bulk insert of the
  recipient rows; wall-clock, CPU (time.process_time) and query count;
- `send`: campaign_send_batch rounds (provider rates raised so the round size, not the clock, bounds it; quiet
  hours off) until `--send` people are sent, then counts messages per person (must all be 1).
With --kill-after S the rounds run in a child process that is SIGKILLed after S seconds; its claimed rows stay
"sending" until their lease (LEASE seconds here) runs out, then the sweep and this process finish them.
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
RATES = {"whatsapp": 100, "telegram": 100, "email": 100}


def _setup(url: str, tasks_mode: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["AWN_TASKS_MODE"] = tasks_mode
    import django

    django.setup()
    from django.conf import settings

    settings.AWN_BROADCAST_RATES = RATES
    settings.AWN_BROADCAST_LEASE_SECONDS = LEASE
    settings.AWN_OUTREACH_QUIET_HOURS = (0, 0)  # the benchmark runs whatever the hour in Riyadh


def _sender(args: argparse.Namespace) -> dict[str, object]:
    """The child of --kill-after: sends rounds until killed (or done)."""
    _setup(bench_database_url(args.db, "outreach"), "off")
    from awn.outreach import services

    while services.campaign_send_batch(args.sender, seconds=0.5):
        pass
    return {"duplicates": 0}


def _seed(n: int) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from awn.connectors.models import Conversation
    from awn.connectors.services import inbox_save
    from awn.tickets.enums import Channel, Status
    from awn.tickets.models import Ticket

    now = timezone.now()
    people = people_with_event(n, extra=300, emails=True)
    inbox = inbox_save(
        inbox=None,
        name="واتساب",
        kind="whatsapp",
        api_base_url="http://127.0.0.1:9/wa/v21.0",  # nothing is delivered in the benchmark (no worker runs)
        settings={"phone_number_id": "1", "template_name": "guide_ar"},
        secrets={"access_token": "t", "app_secret": "s", "verify_token": "v"},
    )
    on_whatsapp = people[:n:3]
    Ticket.objects.bulk_create(
        [
            Ticket(subject="سابقة", requester_id=c, channel=Channel.WHATSAPP, status=Status.RESOLVED)
            for c in on_whatsapp
        ],
        batch_size=2000,
    )
    tickets = dict(
        Ticket.objects.filter(requester_id__in=on_whatsapp).values_list("requester_id", "pk").iterator()
    )
    four_days_ago = now - timedelta(days=4)
    Conversation.objects.bulk_create(
        [
            Conversation(
                ticket_id=tickets[c],
                inbox=inbox,
                address=f"9665{c:08d}",
                contact_id=c,
                last_inbound_at=four_days_ago,
            )
            for c in on_whatsapp
        ],
        batch_size=2000,
    )


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--send", type=int, default=300)
    parser.add_argument("--kill-after", type=float, default=0, help="send from a child process, SIGKILL it")
    parser.add_argument("--sender", type=int, default=0, help=argparse.SUPPRESS)  # the child: campaign N
    args = parser.parse_args(argv)
    if args.sender:
        return _sender(args)

    url = bench_database_url(args.db, "outreach")
    fresh_database(url)
    _setup(url, "off")  # queueing and sending driven here: nothing runs in the background meanwhile
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from awn.accounts.enums import Role
    from awn.accounts.services import user_create
    from awn.knowledge.enums import ArticleStatus, Visibility
    from awn.knowledge.models import Article
    from awn.outreach import services
    from awn.outreach.models import Recipient

    call_command("migrate", verbosity=0)
    supervisor = user_create(username="bench-supervisor", password="bench-password-1", role=Role.SUPERVISOR)
    guide = Article.objects.create(
        external_id="kb-bench",
        title_ar="استعادة كلمة المرور في نور",
        body_ar="افتح صفحة الدخول واضغط «نسيت كلمة المرور» ثم اتبع الخطوات.",
        status=ArticleStatus.PUBLISHED,
        visibility=Visibility.PUBLIC,
    )
    _seed(args.people)
    say("seeded")
    segment = services.segment_create(
        actor=supervisor, name="فشل الدخول اليوم", event_type="login_failed", event_hours=24
    )

    load_before = os.getloadavg()
    cpu = time.process_time()
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        campaign = services.campaign_create(actor=supervisor, segment=segment, article=guide)
    queue_seconds = time.perf_counter() - started
    queue_cpu = time.process_time() - cpu
    recipients = Recipient.objects.filter(campaign=campaign).count()
    per_channel = dict(
        Recipient.objects.filter(campaign=campaign).values_list("channel").annotate(n=Count("id"))
    )
    duplicate_rows = (
        Recipient.objects.filter(campaign=campaign)
        .values("contact_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    say(f"queued {recipients} in {queue_seconds:.2f} s")

    killed: dict[str, int] = {}
    started = time.perf_counter()
    if args.kill_after:
        kill_sender_after(args.kill_after, "bench.outreach", args.db, campaign.pk)
        killed = dict(
            Recipient.objects.filter(campaign=campaign).values_list("state").annotate(n=Count("id"))
        )
        say(f"sender killed: {killed}")
        time.sleep(LEASE + 1)  # its claimed rows' lease runs out
    cpu = time.process_time()
    rounds = 0
    while Recipient.objects.filter(campaign=campaign, state="sent").count() < min(args.send, recipients):
        services.campaign_send_batch(campaign.pk, seconds=0.5)
        rounds += 1
    send_seconds = time.perf_counter() - started
    send_cpu = time.process_time() - cpu
    sent = Recipient.objects.filter(campaign=campaign, state="sent").count()
    from awn.tickets.enums import Direction
    from awn.tickets.models import Message

    messages = (
        Message.objects.filter(direction=Direction.OUTBOUND, body__contains="kb-bench")
        .values("ticket__requester_id")
        .annotate(n=Count("id"))
    )
    duplicates = sum(1 for row in messages if row["n"] != 1)
    result = {
        "db": args.db,
        "people": args.people,
        "recipients": recipients,
        "per_channel": per_channel,
        "queue_seconds": round(queue_seconds, 2),
        "queue_cpu_seconds": round(queue_cpu, 2),
        "queue_queries": len(queries),
        "duplicate_rows": duplicate_rows,
        "states_when_killed": killed,
        "sent": sent,
        "send_rounds": rounds,
        "send_per_second": round(sent / send_seconds, 1) if send_seconds else None,
        "send_cpu_ms_per_message": round(1000 * send_cpu / sent, 1) if sent else None,
        "messages": len(messages),
        "duplicates": duplicates,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    sys.exit(0 if main()["duplicates"] == 0 else 1)
