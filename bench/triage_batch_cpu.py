"""CPU of triage per ticket in the worker, one ticket at a time against batches (issue 14: <= 2 ms a ticket).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/awn_intake AWN_TASKS_MODE=off \
        python -m bench.triage_batch_cpu [--tickets 200] [--mode single|batch] [--batch 64] [--reuse]

Creates `--tickets` new tickets (AWN_TASKS_MODE=off: nothing triages them meanwhile) with real-looking Arabic text:
the demo's subjects and bodies, filed under the demo's category (`--other-share` of them under «other», whose
category the triage then sets: a ticket update each) (awn/demo/services.py) with a requester's name, a school and a request number, so
no two texts are alike (a repeated text would be a vector reused, not computed). The demo knowledge base is
imported first if the database has no article. After a warm-up (model, index, classifier loaded), measures
time.process_time (every thread of the process: ONNX Runtime's included) and wall time around the triage of all
of them: `single` calls the job of one ticket for each (`triage_ticket`), `batch` the worker's batches
(`triage_tickets`, `--batch` at a time; absent in code before batching). `--reuse`: the assistant first answers
each ticket's text as a portal question (not timed), as when the customer asked before filing the ticket.
Prints one JSON line: CPU ms and wall ms per ticket, queries per ticket (the worker's connection).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("AWN_TASKS_MODE", "off")
django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from awn.crm.models import Contact  # noqa: E402
from awn.crm.services import contact_create  # noqa: E402
from awn.demo.services import FAMILY_NAMES, FIRST_NAMES_F, FIRST_NAMES_M, SCHOOLS, SUBJECTS  # noqa: E402
from awn.knowledge.models import Article  # noqa: E402
from awn.tickets.models import Ticket  # noqa: E402
from awn.tickets.services import ticket_create  # noqa: E402

OPENINGS = ["", "السلام عليكم، ", "مساء الخير، ", "لو سمحتم ", "الله يعافيكم "]


def texts(count: int, seed: int, other_share: float = 0.0) -> list[tuple[str, str, str]]:
    """(subject, body, category the customer chose: «other» for `other_share` of them)."""
    rng = random.Random(seed)
    out = []
    for n in range(count):
        category = rng.choice(list(SUBJECTS))
        subject, body = rng.choice(SUBJECTS[category])
        name = f"{rng.choice(FIRST_NAMES_M + FIRST_NAMES_F)} {rng.choice(FAMILY_NAMES)}"
        school = rng.choice(SCHOOLS)[0]
        detail = f" أنا {name}، {school}، رقم الطلب {seed * 10_000 + n}."
        chosen = "other" if rng.random() < other_share else str(category)
        out.append((subject, rng.choice(OPENINGS) + body + detail, chosen))
    return out


def ensure_knowledge_base() -> None:
    if Article.objects.exists():
        return
    from pathlib import Path

    from awn.knowledge.services import kb_import, parse_kb_lines

    path = Path(__file__).resolve().parent.parent / "awn" / "demo" / "fixtures" / "demo_kb.jsonl"
    kb_import(parse_kb_lines(path.read_text(encoding="utf-8").splitlines()))


def requester() -> Contact:
    return Contact.objects.filter(name="bench triage").first() or contact_create(name="bench triage")


def new_tickets(count: int, seed: int, other_share: float) -> list[int]:
    person = requester()
    return [
        ticket_create(requester=person, subject=s, body=b, category=c).pk
        for s, b, c in texts(count, seed, other_share)
    ]


def timed_parts(services: Any) -> dict[str, float]:
    """Process CPU spent embedding (the e5 model's own calls) and applying sure fields, accumulated."""
    from awn.assistant.answering import current_index

    spent = {"embed": 0.0, "apply": 0.0}

    def timed(name: str, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.process_time() - started

        return wrapper

    embedder = current_index().embedder
    if embedder is not None and hasattr(embedder, "_embed"):
        embedder._embed = timed("embed", embedder._embed)
    if hasattr(services, "_apply"):
        services._apply = timed("apply", services._apply)
    return spent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--mode", choices=["single", "batch"], default="batch")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument(
        "--other-share",
        type=float,
        default=0.25,
        help="Tickets filed under «other» (triage sets their category).",
    )
    args = parser.parse_args(argv)
    from awn.assistant.triage import services

    ensure_knowledge_base()
    warm = new_tickets(3, args.seed + 1, args.other_share)
    for pk in warm:
        services.triage_ticket(pk)  # loads the model, the index and the classifier
    ids = new_tickets(args.tickets, args.seed, args.other_share)
    if args.reuse:
        from awn.assistant.answering import assistant_ask

        for ticket in Ticket.objects.filter(pk__in=ids):
            assistant_ask(f"{ticket.subject}\n{ticket.body_preview}")
    spent = timed_parts(services)
    with CaptureQueriesContext(connection) as queries:
        cpu, wall = time.process_time(), time.perf_counter()
        if args.mode == "single":
            for pk in ids:
                services.triage_ticket(pk)
        else:
            for start in range(0, len(ids), args.batch):
                services.triage_tickets(ids[start : start + args.batch])
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    done = Ticket.objects.filter(pk__in=ids, triage__isnull=False).count()
    print(
        json.dumps(
            {
                "mode": args.mode,
                "batch": args.batch if args.mode == "batch" else 1,
                "reuse": args.reuse,
                "other_share": args.other_share,
                "tickets": len(ids),
                "triaged": done,
                "cpu_ms_per_ticket": round(cpu * 1000 / len(ids), 2),
                "wall_ms_per_ticket": round(wall * 1000 / len(ids), 2),
                "queries_per_ticket": round(len(queries) / len(ids), 2),
                # Of cpu_ms_per_ticket: embedding the texts (e5), and applying sure fields (ticket_update).
                "embed_cpu_ms_per_ticket": round(spent["embed"] * 1000 / len(ids), 2),
                "apply_cpu_ms_per_ticket": round(spent["apply"] * 1000 / len(ids), 2),
                "load": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )
    return 0 if done == len(ids) else 1


if __name__ == "__main__":
    sys.exit(main())
