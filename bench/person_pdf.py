"""The cost of a person's data as a PDF (issue 15, item 4): CPU seconds (process_time) and wall seconds to lay out
the document of a person with N tickets of two messages each, on the configured (migrated) database, inside a
transaction that is rolled back so the run can be repeated.

    DATABASE_URL=sqlite:////tmp/awn_dsar_bench.sqlite3 .venv/bin/python -m bench.person_pdf 10 100 200
"""

from __future__ import annotations

import io
import json
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import transaction  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from awn.crm.services import contact_create  # noqa: E402
from awn.tickets.enums import Category  # noqa: E402
from awn.tickets.services import ticket_add_message, ticket_create  # noqa: E402
from awn.workspace.person_data import person_data  # noqa: E402
from awn.workspace.person_pdf import person_pdf  # noqa: E402


class _Rollback(Exception):
    pass


def measure(counts: list[int]) -> list[dict[str, float]]:
    rows: list[dict[str, float]] = []
    try:
        with transaction.atomic():
            person = contact_create(name="ولي أمر للقياس", phone="0509990001")
            made = 0
            for n in counts:
                for _ in range(n - made):
                    ticket = ticket_create(
                        requester=person,
                        subject="تذكرة للقياس",
                        body="نص الرسالة الأولى من العميل " * 3,
                        category=Category.OTHER,
                    )
                    ticket_add_message(ticket=ticket, actor=None, body="رد على الطلب " * 3)
                made = max(made, n)
                data = person_data(person)
                cpu, wall = time.process_time(), time.perf_counter()
                body = person_pdf(data)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                pages = len(PdfReader(io.BytesIO(body)).pages)
                rows.append(
                    {
                        "tickets": n,
                        "cpu_s": round(cpu, 2),
                        "wall_s": round(wall, 2),
                        "cpu_ms_per_ticket": round(cpu * 1000 / n, 1),
                        "pages": pages,
                    }
                )
            raise _Rollback
    except _Rollback:
        pass
    return rows


if __name__ == "__main__":
    counts = sorted(int(a) for a in sys.argv[1:]) or [10, 100, 200]
    print(json.dumps({"load_average": os.getloadavg(), "rows": measure(counts)}, indent=2))
