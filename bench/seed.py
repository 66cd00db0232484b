"""Seed a large Arabic data set for benchmarks: `python -m bench.seed --tickets 100000` (or 1000000).

Bulk inserts straight into the tables (the services are exercised by the tests and the API benchmark; here we
only need volume, fast). Idempotent per run: it adds to what is there. Each ticket gets a life spread over the
past year (at least an hour old): its creation, first response, resolution and closing dates and a status that
fits its age, its first message and the agent's reply, and the triage it had when it came in. bulk_create
ignores the values of auto_now/auto_now_add fields, so the dates are written in a second pass; `verify` then
reads them back and stops the run if the data is not what this says.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Max, Min  # noqa: E402
from django.utils import timezone  # noqa: E402

from awn.assistant.models import Dialect, Language, Sentiment, TicketTriage  # noqa: E402
from awn.core.text.arabic import normalize_arabic  # noqa: E402
from awn.crm.enums import ContactType  # noqa: E402
from awn.crm.models import Contact, ExternalEvent  # noqa: E402
from awn.crm.validators import national_id_from_seed as national_id  # noqa: E402
from awn.demo.services import FAMILY_NAMES, FIRST_NAMES_F, FIRST_NAMES_M, SUBJECTS  # noqa: E402
from awn.search.services import rebuild_index  # noqa: E402
from awn.tickets.enums import Channel, Direction, MessageKind, Priority, Status  # noqa: E402
from awn.tickets.models import Message, Ticket  # noqa: E402

BATCH = 5000


def seed(tickets: int, contacts: int, seed_value: int = 7) -> None:
    rng = random.Random(seed_value)
    start = time.perf_counter()
    base_seq = 50_000_000 + Contact.objects.count()
    contact_ids = _seed_contacts(rng, contacts, base_seq)
    print(f"contacts: {len(contact_ids)} in {time.perf_counter() - start:.1f}s", flush=True)
    now = timezone.now()
    ticket_ids = _seed_tickets(rng, tickets, contact_ids)
    print(f"tickets: {tickets} in {time.perf_counter() - start:.1f}s", flush=True)
    # Bulk inserts skip the services, so index the text for search the way they would have.
    counts = rebuild_index()
    print(f"search index: {counts} in {time.perf_counter() - start:.1f}s", flush=True)
    # Fresh planner statistics: right after a bulk load PostgreSQL still believes the tables are tiny and
    # picks plans 100x slower until autovacuum catches up.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    found = verify(ticket_ids, now)
    print(f"verified: {json.dumps(found, ensure_ascii=False)}", flush=True)


def _seed_contacts(rng: random.Random, count: int, base_seq: int) -> list[int]:
    ids: list[int] = []
    for offset in range(0, count, BATCH):
        rows = []
        for i in range(offset, min(offset + BATCH, count)):
            name = f"{rng.choice(FIRST_NAMES_M + FIRST_NAMES_F)} {rng.choice(FIRST_NAMES_M)} {rng.choice(FAMILY_NAMES)}"
            rows.append(
                Contact(
                    name=name,
                    name_normalized=normalize_arabic(name),
                    contact_type=ContactType.PARENT,
                    national_id=national_id(base_seq + i),
                    phone=f"+9665{(base_seq + i) % 10**8:08d}",
                )
            )
        with transaction.atomic():
            ids.extend(c.pk for c in Contact.objects.bulk_create(rows) if c.pk)
    if not ids:  # backends that do not return ids from bulk_create
        ids = list(Contact.objects.order_by("-pk").values_list("pk", flat=True)[:count])
    return ids


# Status by age: what a year of a helpdesk looks like (old tickets are settled, recent ones still moving).
RECENT_STATUSES = ([Status.NEW, Status.OPEN, Status.PENDING, Status.RESOLVED], [3, 4, 2, 1])
OLD_STATUSES = ([Status.OPEN, Status.PENDING, Status.RESOLVED, Status.CLOSED], [1, 1, 4, 14])
RECENT_DAYS = 7
# Seeded tickets are at least this old, so a worker's sweep of fresh untriaged tickets never takes them for
# new ones (and they are triaged anyway, below).
MIN_AGE_MINUTES = 60


@dataclass
class Life:
    """The dates and status of one seeded ticket."""

    status: str
    created: datetime
    first_response: datetime | None
    resolved: datetime | None
    closed: datetime | None

    @property
    def last_change(self) -> datetime:
        return max(d for d in (self.created, self.first_response, self.resolved, self.closed) if d)


def _life(rng: random.Random, now: datetime) -> Life:
    cutoff = now - timedelta(minutes=MIN_AGE_MINUTES)
    created = now - timedelta(minutes=rng.randint(MIN_AGE_MINUTES, 60 * 24 * 365))
    recent = now - created < timedelta(days=RECENT_DAYS)
    statuses, weights = RECENT_STATUSES if recent else OLD_STATUSES
    status = rng.choices(statuses, weights=weights)[0]
    first_response = resolved = closed = None
    if status != Status.NEW:
        first_response = min(cutoff, created + timedelta(minutes=rng.randint(2, 60 * 24)))
    if status in (Status.RESOLVED, Status.CLOSED):
        assert first_response is not None
        resolved = min(cutoff, first_response + timedelta(minutes=rng.randint(5, 60 * 24 * 3)))
    if status == Status.CLOSED:
        assert resolved is not None
        closed = min(cutoff, resolved + timedelta(days=rng.randint(1, 7)))
    return Life(status, created, first_response, resolved, closed)


def _seed_tickets(rng: random.Random, count: int, contact_ids: list[int]) -> list[int]:
    categories = list(SUBJECTS)
    channels = list(Channel.values)
    priorities = list(Priority.values)
    now = timezone.now()
    seeded: list[int] = []
    for offset in range(0, count, BATCH):
        size = min(BATCH, count - offset)
        rows, lives = [], []
        for _ in range(size):
            category = rng.choice(categories)
            subject, body = rng.choice(SUBJECTS[category])
            life = _life(rng, now)
            lives.append(life)
            rows.append(
                Ticket(
                    subject=subject,
                    body_preview=body[:200],
                    category=category,
                    status=life.status,
                    priority=rng.choices(priorities, weights=[2, 6, 2, 1])[0],
                    channel=rng.choice(channels),
                    requester_id=rng.choice(contact_ids),
                    first_response_at=life.first_response,
                    resolved_at=life.resolved,
                    closed_at=life.closed,
                    last_message_at=life.first_response or life.created,
                )
            )
        with transaction.atomic():
            created_tickets = Ticket.objects.bulk_create(rows)
            if created_tickets and created_tickets[0].pk is None:
                created_tickets = list(Ticket.objects.order_by("-pk")[:size])[::-1]
            seeded.extend(t.pk for t in created_tickets)
            # bulk_create ignores the dates of auto_now_add/auto_now fields: write them in a second pass.
            _write_dates(
                "UPDATE tickets_ticket SET created_at = %s, updated_at = %s WHERE id = %s",
                [
                    (life.created, life.last_change, t.pk)
                    for t, life in zip(created_tickets, lives, strict=True)
                ],
            )
            _seed_messages(created_tickets, lives)
            _seed_triage(rng, created_tickets)
            ExternalEvent.objects.bulk_create(
                ExternalEvent(
                    event_id=f"bench-{t.pk}",
                    event_type="login_failed",
                    contact_id=t.requester_id,
                    occurred_at=life.created,
                    reason="كلمة مرور غير صحيحة",
                )
                for t, life in list(zip(created_tickets, lives, strict=True))[: size // 10]
            )
        print(f"  {offset + size} tickets", flush=True)
    return seeded


def _write_dates(sql: str, rows: list[tuple[Any, ...]]) -> None:
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _seed_messages(tickets: list[Ticket], lives: list[Life]) -> None:
    """The customer's first message at creation, and the agent's reply at the first response."""
    messages, dates = [], []
    for t, life in zip(tickets, lives, strict=True):
        messages.append(
            Message(
                ticket_id=t.pk,
                kind=MessageKind.REPLY,
                direction=Direction.INBOUND,
                channel=t.channel,
                author_contact_id=t.requester_id,
                body=t.body_preview,
            )
        )
        dates.append(life.created)
        if life.first_response is not None:
            messages.append(
                Message(
                    ticket_id=t.pk,
                    kind=MessageKind.REPLY,
                    direction=Direction.OUTBOUND,
                    channel=t.channel,
                    body="شكرًا لتواصلك، نعمل على طلبك.",
                )
            )
            dates.append(life.first_response)
    created = Message.objects.bulk_create(messages)
    if created and created[0].pk is None:  # backends that do not return ids
        created = list(Message.objects.order_by("-pk")[: len(messages)])[::-1]
    _write_dates(
        "UPDATE tickets_message SET created_at = %s WHERE id = %s",
        [(at, m.pk) for m, at in zip(created, dates, strict=True)],
    )


def _seed_triage(rng: random.Random, tickets: list[Ticket]) -> None:
    """Every seeded ticket is old: it was triaged when it came in (a worker must find nothing to do)."""
    TicketTriage.objects.bulk_create(
        TicketTriage(
            ticket_id=t.pk,
            category=t.category,
            category_confidence=round(rng.uniform(0.5, 0.99), 2),
            priority=t.priority,
            priority_confidence=round(rng.uniform(0.5, 0.99), 2),
            sentiment=Sentiment.NEUTRAL,
            sentiment_confidence=0.8,
            language=Language.ARABIC,
            dialect=Dialect.MSA,
            dialect_confidence=0.8,
            model_version="bench-seed",
        )
        for t in tickets
    )


def verify(ticket_ids: list[int], now: datetime) -> dict[str, Any]:
    """Check what the seeder claims, from the database: dates spread over the year and never recent,
    statuses with their dates, a message per ticket and a reply per answered one, every ticket triaged."""
    if not ticket_ids:
        return {"tickets": 0}
    low, high = min(ticket_ids), max(ticket_ids)
    seeded = Ticket.objects.filter(pk__gte=low, pk__lte=high)
    dates = seeded.aggregate(
        n=Count("pk"), oldest=Min("created_at"), newest=Max("created_at"), newest_update=Max("updated_at")
    )
    statuses = dict(seeded.order_by().values_list("status").annotate(n=Count("pk")))
    found = {
        "tickets": dates["n"],
        "created_from": dates["oldest"].isoformat(),
        "created_to": dates["newest"].isoformat(),
        "statuses": statuses,
        "messages": Message.objects.filter(ticket_id__gte=low, ticket_id__lte=high).count(),
        "triaged": TicketTriage.objects.filter(ticket_id__gte=low, ticket_id__lte=high).count(),
    }
    problems = []
    span_days = (dates["newest"] - dates["oldest"]).days
    if len(ticket_ids) >= 1000 and span_days < 300:
        problems.append(f"creation dates span {span_days} days, not a year")
    if now - dates["newest_update"] < timedelta(minutes=MIN_AGE_MINUTES - 1):
        problems.append("some tickets were updated 'now': their dates were not written")
    if len(ticket_ids) >= 1000 and len(statuses) < 4:
        problems.append(f"only the statuses {sorted(statuses)}")
    if seeded.filter(status__in=[Status.RESOLVED, Status.CLOSED], resolved_at__isnull=True).exists():
        problems.append("resolved tickets without resolved_at")
    if seeded.exclude(status=Status.NEW).filter(first_response_at__isnull=True).exists():
        problems.append("answered tickets without first_response_at")
    answered = seeded.exclude(status=Status.NEW).count()
    if found["messages"] != found["tickets"] + answered:
        problems.append(f"{found['messages']} messages for {found['tickets']} tickets, {answered} answered")
    late = Message.objects.filter(
        ticket_id__gte=low, ticket_id__lte=high, created_at__gt=now - timedelta(minutes=1)
    )
    if late.exists():
        problems.append("messages dated 'now'")
    if found["triaged"] != found["tickets"]:
        problems.append(f"{found['triaged']} of {found['tickets']} tickets triaged")
    if problems:
        raise SystemExit("bench.seed: the seeded data is not what it claims: " + "; ".join(problems))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=0, help="default: tickets / 5")
    args = parser.parse_args(argv)
    seed(args.tickets, args.contacts or max(args.tickets // 5, 10))
    return 0


if __name__ == "__main__":
    sys.exit(main())
