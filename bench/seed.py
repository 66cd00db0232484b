"""Seed a large Arabic data set for benchmarks: `python -m bench.seed --tickets 100000` (or 1000000).

Bulk inserts straight into the tables (the services are exercised by the tests and the API benchmark; here we
only need volume, fast). Idempotent per run: it adds to what is there.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

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
    _seed_tickets(rng, tickets, contact_ids)
    print(f"tickets: {tickets} in {time.perf_counter() - start:.1f}s", flush=True)
    # Bulk inserts skip the services, so index the text for search the way they would have.
    counts = rebuild_index()
    print(f"search index: {counts} in {time.perf_counter() - start:.1f}s", flush=True)
    # Fresh planner statistics: right after a bulk load PostgreSQL still believes the tables are tiny and
    # picks plans 100x slower until autovacuum catches up.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


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


def _seed_tickets(rng: random.Random, count: int, contact_ids: list[int]) -> None:
    categories = list(SUBJECTS)
    statuses = list(Status.values)
    channels = list(Channel.values)
    priorities = list(Priority.values)
    now = timezone.now()
    for offset in range(0, count, BATCH):
        size = min(BATCH, count - offset)
        rows = []
        for _ in range(size):
            category = rng.choice(categories)
            subject, body = rng.choice(SUBJECTS[category])
            created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
            rows.append(
                Ticket(
                    subject=subject,
                    body_preview=body[:200],
                    category=category,
                    status=rng.choice(statuses),
                    priority=rng.choices(priorities, weights=[2, 6, 2, 1])[0],
                    channel=rng.choice(channels),
                    requester_id=rng.choice(contact_ids),
                    created_at=created,
                    updated_at=created,
                    last_message_at=created,
                )
            )
        with transaction.atomic():
            created_tickets = Ticket.objects.bulk_create(rows)
            if created_tickets and created_tickets[0].pk is None:
                created_tickets = list(Ticket.objects.order_by("-pk")[:size])
            Message.objects.bulk_create(
                Message(
                    ticket_id=t.pk,
                    kind=MessageKind.REPLY,
                    direction=Direction.INBOUND,
                    channel=t.channel,
                    author_contact_id=t.requester_id,
                    body=t.body_preview,
                    created_at=t.created_at,
                )
                for t in created_tickets
            )
            ExternalEvent.objects.bulk_create(
                ExternalEvent(
                    event_id=f"bench-{t.pk}",
                    event_type="login_failed",
                    contact_id=t.requester_id,
                    occurred_at=t.created_at,
                    reason="كلمة مرور غير صحيحة",
                )
                for t in created_tickets[: size // 10]
            )
        # auto_now fields ignore the value given above; put the spread-out dates back.
        print(f"  {offset + size} tickets", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=0, help="default: tickets / 5")
    args = parser.parse_args(argv)
    seed(args.tickets, args.contacts or max(args.tickets // 5, 10))
    return 0


if __name__ == "__main__":
    sys.exit(main())
