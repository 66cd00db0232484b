"""The cost of protecting minors' data (issue 15, item 4), in-process on the configured database:

1. one access-audit row (the INSERT every audited page or API read adds): p50 / p95 per call;
2. the workspace contact page of a student (audited) next to the same page of an adult (not audited);
3. erasing one person on a large database (the sweep scans every text column once): seconds, rolled back so the
   run can be repeated.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/awn_privacy_bench .venv/bin/python -m bench.privacy
(seed first: DATABASE_URL=... .venv/bin/python -m bench.seed --tickets 100000)
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from awn.accounts.enums import Role  # noqa: E402
from awn.accounts.models import User  # noqa: E402
from awn.crm.enums import ContactType  # noqa: E402
from awn.crm.models import Contact  # noqa: E402
from awn.crm.services import contact_erase  # noqa: E402
from awn.privacy.enums import AccessAction, ObjectKind  # noqa: E402
from awn.privacy.models import AccessRecord  # noqa: E402
from awn.privacy.services import record_access  # noqa: E402
from awn.tickets.models import Message, Ticket  # noqa: E402


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2),
    }


def _agent() -> User:
    user = User.objects.filter(username="bench-privacy-agent").first()
    if user is None:
        user = User.objects.create_user(username="bench-privacy-agent", password=None, role=Role.AGENT)
    return user


def audit_insert(agent: User, n: int = 2000) -> dict[str, float]:
    samples = []
    with transaction.atomic():
        for i in range(n):
            start = time.perf_counter()
            record_access(
                actor=agent,
                action=AccessAction.VIEW,
                object_kind=ObjectKind.CONTACT,
                object_id=i,
                subject_id=i,
            )
            samples.append(time.perf_counter() - start)
        transaction.set_rollback(True)
    return _ms(samples)


def page(agent: User, contact: Contact, n: int = 60) -> dict[str, float]:
    client = Client()
    client.force_login(agent)
    url = reverse("workspace:contact", args=[contact.pk])
    client.get(url)  # warm
    samples = []
    before = AccessRecord.objects.count()
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200
    return {**_ms(samples), "audit_rows_per_request": (AccessRecord.objects.count() - before) / n}


def erasure(agent: User) -> dict[str, float]:
    person = (
        Contact.objects.filter(pk__in=Message.objects.values("author_contact_id")[:1]).first()
        or Contact.objects.first()
    )
    assert person is not None
    with transaction.atomic():
        start = time.perf_counter()
        contact_erase(contact=person, actor=agent, reason="bench: erasure cost")
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    return {"seconds": round(seconds, 2)}


def main() -> int:
    agent = _agent()
    student = Contact.objects.filter(contact_type=ContactType.STUDENT).first()
    if student is None:
        student = Contact.objects.create(name="طالب للقياس", contact_type=ContactType.STUDENT)
    adult = Contact.objects.filter(contact_type=ContactType.PARENT).exclude(pk=student.pk).first()
    assert adult is not None
    # The same page for both: the student gets the adult's relations and tickets (none), only the type differs.
    result = {
        "database": connection.vendor,
        "tickets": Ticket.objects.count(),
        "messages": Message.objects.count(),
        "audit_insert": audit_insert(agent),
        "contact_page_student_audited": page(agent, student),
        "contact_page_adult": page(agent, adult),
        "erase_one_person": erasure(agent),
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
