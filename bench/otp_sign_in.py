"""Portal sign-in by one-time code (issue 15: ≥ 100 sign-ins/s on 2 cores).

    python -m bench.otp_sign_in --db postgres --signins 2000 --processes 2
    python -m bench.otp_sign_in --db sqlite --signins 1000 --processes 1

One sign-in is what a customer's browser sends: POST /portal/account/code/ (a phone number: rate limits, a code
row, its HMAC, the SMS handed to the backend), then POST /portal/account/code/verify/ (the code checked and
used, a new session, the sign-in recorded), through Django's WSGI application, its whole middleware stack (CSRF
included) and the real views, in process as gunicorn would call it (no HTTP parsing, no network). The CPU of a
GET of the sign-in page (a template render, cacheable) is printed beside. Each customer signs in once, from their
own client address (the per-number limit allows 5 codes an hour). `--processes` run side by side on disjoint
customers; the figure is sign-ins completed per wall second over all of them, with each process's CPU
milliseconds per sign-in (time.process_time, robust to the machine's load) and the queries of one sign-in.
From the CPU of both (this process's and its PostgreSQL backend's, read in /proc) it also
projects the rate of 2 idle cores, a figure that holds on a busy machine where the wall rate does not.
The SMS backend is the in-memory one (a real gateway is an HTTP call that a deployment makes from a job).
Beside it: the CPU time of one code hash (HMAC-SHA256) and, for scale, one PBKDF2 password hash.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _phone(index: int) -> str:
    return f"+96655{index:07d}"


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["AWN_SMS_BACKEND"] = "awn.identity.sms.MemorySmsBackend"
    os.environ["AWN_OTP_PER_CLIENT_HOUR"] = "1000000"
    os.environ["AWN_TASKS_MODE"] = "off"
    os.environ.setdefault("AWN_DB_CONN_MAX_AGE", "600")  # persistent connections, as under gunicorn (README)
    import django

    django.setup()


def _seed(url: str, customers: int) -> None:
    _setup(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth.hashers import make_password

    from awn.accounts.enums import Role
    from awn.accounts.models import User
    from awn.identity.models import VerifiedAddress

    unusable = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"bench-otp-{i}", role=Role.CUSTOMER, password=unusable) for i in range(customers)],
        batch_size=1000,
    )
    VerifiedAddress.objects.bulk_create(
        [VerifiedAddress(user=u, channel="sms", address=_phone(i)) for i, u in enumerate(users)],
        batch_size=1000,
    )


def _database_cpu(connection: Any) -> float:
    """CPU seconds of this process's PostgreSQL backend so far (/proc, same machine); 0 on SQLite (in process)."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Browser:
    """A browser's requests handed to Django's WSGI application, as gunicorn hands them (no HTTP parsing, no
    network): the whole middleware stack, CSRF checked (the token cookie and its header), cookies kept."""

    CSRF = "b" * 32

    def __init__(self, app: Any, address: str) -> None:
        self.app, self.address = app, address
        self.cookies = {"csrftoken": self.CSRF}

    def request(
        self, method: str, path: str, data: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str]]:
        import io
        from urllib.parse import urlencode

        body = urlencode(data or {}).encode()
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": self.address,
            "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "HTTP_X_CSRFTOKEN": self.CSRF,
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.version": (1, 0),
        }
        answer: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            answer["status"], answer["headers"] = int(status.split()[0]), headers

        result = self.app(environ, start_response)
        b"".join(result)
        result.close()
        headers = {}
        for name, value in answer["headers"]:
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
            else:
                headers[name.lower()] = value
        return answer["status"], headers


def _worker(url: str, first: int, count: int, queue: Any, flag: str) -> None:
    _setup(url)
    import re

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from awn.identity import sms

    app = WSGIHandler()

    def sign_in(index: int) -> None:
        browser = Browser(app, f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256}")
        status, headers = browser.request("POST", "/portal/account/code/", {"address": _phone(index)})
        assert status == 302, status
        code = re.search(r"\d{6}", sms.outbox.pop()["text"]).group(0)  # type: ignore[union-attr]
        status, headers = browser.request("POST", "/portal/account/code/verify/", {"code": code})
        assert status == 302 and headers["location"] == "/portal/", status

    def page_cpu_ms() -> float:
        browser = Browser(app, "10.255.0.1")
        started = time.process_time()
        for _ in range(50):
            assert browser.request("GET", "/portal/account/code/")[0] == 200
        return (time.process_time() - started) / 50 * 1000

    with CaptureQueriesContext(connection) as queries:
        sign_in(first)
    queue.put(("ready", len(queries.captured_queries), page_cpu_ms()))
    deadline = time.time() + 300  # every process warmed up, then all start together
    while os.path.exists(flag) and time.time() < deadline:
        time.sleep(0.005)
    db_cpu = _database_cpu(connection)
    cpu, wall = time.process_time(), time.perf_counter()
    for index in range(first + 1, first + count):
        sign_in(index)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    queue.put(("done", count - 1, cpu, wall, _database_cpu(connection) - db_cpu))


def _hash_costs() -> dict[str, float]:
    from django.contrib.auth.hashers import make_password

    from awn.identity.codes import code_hash

    started = time.process_time()
    for n in range(20_000):
        code_hash("+966551234567", f"{n:06d}")
    hmac_us = (time.process_time() - started) / 20_000 * 1e6
    started = time.process_time()
    for _ in range(3):
        make_password("123456")
    pbkdf2_ms = (time.process_time() - started) / 3 * 1000
    return {"hmac_code_hash_us": round(hmac_us, 1), "pbkdf2_password_hash_ms": round(pbkdf2_ms, 1)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--signins", type=int, default=2000)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    if args.db == "postgres":
        url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/awn_bench_otp")
    else:
        url = f"sqlite:///{ROOT / 'var' / 'bench-otp.sqlite3'}"
    from bench.run import fresh_database

    fresh_database(url)
    per_process = args.signins // args.processes + 1
    context = multiprocessing.get_context("spawn")
    seeder = context.Process(target=_seed, args=(url, per_process * args.processes))
    seeder.start()
    seeder.join()
    flag = Path(f"/tmp/awn-bench-otp-{os.getpid()}.wait")
    flag.touch()
    queue = context.Queue()
    workers = [
        context.Process(target=_worker, args=(url, n * per_process, per_process, queue, str(flag)))
        for n in range(args.processes)
    ]
    for worker in workers:
        worker.start()
    ready = [queue.get(timeout=300) for _ in workers]
    load_before = os.getloadavg()
    started = time.perf_counter()
    flag.unlink()
    done = [queue.get(timeout=3600) for _ in workers]
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()
    signins = sum(d[1] for d in done)
    _setup(url)
    result = {
        "db": args.db,
        "processes": args.processes,
        "signins": signins,
        "signins_per_second": round(signins / elapsed, 1),
        "cpu_ms_per_signin": [round(d[2] / d[1] * 1000, 2) for d in done],
        "database_cpu_ms_per_signin": [round(d[4] / d[1] * 1000, 2) for d in done],
        # what 2 idle cores would do: 2 CPU-seconds a second over the CPU of one sign-in (Django + PostgreSQL)
        "projected_signins_per_second_2_cores": round(
            2000 / (sum(d[2] + d[4] for d in done) / signins * 1000), 1
        ),
        "queries_per_signin": ready[0][1],
        "sign_in_page_get_cpu_ms": round(ready[0][2], 2),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        **_hash_costs(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
