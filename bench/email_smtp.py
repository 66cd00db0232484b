"""Email intake throughput: real mail sent with smtplib to `manage.py run_smtp`, then drained by the worker.

    python -m bench.email_smtp --db postgres --messages 2000 --connections 8
    python -m bench.email_smtp --db sqlite --messages 2000 --connections 8

The SMTP server only stores each raw message before answering 250 (AWN_TASKS_MODE=off); the work (parse,
contact, thread, ticket, attachment) is done afterwards by `manage.py run_worker`, whose drain rate is reported
too. Each mail is distinct (its own Message-ID), UTF-8 Arabic text + HTML alternative; one in ten carries a
small PDF and one in five answers an earlier one (In-Reply-To), so threading lookups are exercised.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import smtplib
import statistics
import subprocess
import sys
import threading
import time
from email import policy
from email.message import EmailMessage
from typing import Any

from bench.run import ROOT, _free_port, database_url, ensure_postgres_database, manage
from bench.webhooks import drain_with_worker, event_counts

ADDRESS = "bench-support@school.test"
INBOX_SNIPPET = """
from awn.connectors.models import Inbox
from awn.connectors.services import inbox_save
inbox = Inbox.objects.filter(name="bench-email").first()
inbox_save(inbox=inbox, name="bench-email", kind="email", settings={"from_address": "ADDRESS"})
""".replace("ADDRESS", ADDRESS)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def message(run: str, n: int) -> EmailMessage:
    mail = EmailMessage(policy=policy.SMTP)
    mail["From"] = f"ولي أمر {n % 500} <parent{n % 500}@example.com>"
    mail["To"] = ADDRESS
    mail["Subject"] = f"استفسار عن نتيجة الطالب رقم {n}"
    mail["Message-ID"] = f"<bench.{run}.{n}@example.com>"
    if n % 5 == 4:
        mail["In-Reply-To"] = f"<bench.{run}.{n - 4}@example.com>"
    text = f"السلام عليكم، لم تظهر نتيجة ابني في نظام نور منذ يومين ({n})."
    mail.set_content(text)
    mail.add_alternative(f'<div dir="rtl">{text}</div>', subtype="html")
    if n % 10 == 0:
        mail.add_attachment(PDF, maintype="application", subtype="pdf", filename=f"شهادة-{n}.pdf")
    return mail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args(argv)
    url = database_url(args.db).replace("awn_bench", "awn_bench_email")
    if args.db == "postgres":
        ensure_postgres_database(url)
    else:
        url = url.replace("bench.sqlite3", "bench-email.sqlite3")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "AWN_LOG_LEVEL": "ERROR",
        "AWN_TASKS_MODE": "off",
        "AWN_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }
    manage(env, "migrate", "-v", "0")
    manage(env, "shell", "-c", INBOX_SNIPPET)
    before = event_counts(env)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "run_smtp", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    run = str(int(time.time()))
    mails = [message(run, n).as_bytes() for n in range(args.messages)]
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def sender(worker: int) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
            for n in range(worker, len(mails), args.connections):
                started = time.perf_counter()
                try:
                    client.sendmail(f"parent{n % 500}@example.com", [ADDRESS], mails[n])
                except smtplib.SMTPException as exc:
                    with lock:
                        errors.append(repr(exc))
                    continue
                with lock:
                    latencies.append(time.perf_counter() - started)

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                smtplib.SMTP("127.0.0.1", port, timeout=2).quit()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        started = time.perf_counter()
        threads = [threading.Thread(target=sender, args=(w,)) for w in range(args.connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    after = event_counts(env)
    latencies.sort()
    results: dict[str, Any] = {
        "bench": "email_smtp",
        "db": args.db,
        "connections": args.connections,
        "messages": args.messages,
        "accepted_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1) if latencies else None,
        "errors": len(errors),
        "events_stored": sum(after.values()) - sum(before.values()),
    }
    if after["pending"]:
        results.update(drain_with_worker(env, after))
    results["at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
