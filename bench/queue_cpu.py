"""CPU time of the agent queue page, in-process: `python -m bench.queue_cpu --pages 300 --repeat 5`.

A noisy shared machine moves wall-clock latencies by ±50%; the CPU one page costs the Django process moves much
less. This loads the queue pages `bench.run` requests (the bench agent's session cookie) against the benchmark
database and prints the CPU milliseconds per page of each round (`time.process_time`, so PostgreSQL's own time
is not included) and the smallest. Run `python -m bench.run --db postgres --only queue` first: it seeds and
creates the agent.

By default each page goes through the WSGI application exactly as gunicorn calls it (`config.wsgi`: request
started/finished signals, every middleware, the response iterated and closed), with the headers a browser
sends. `--client test` uses Django's test client instead (what this script measured before; it skips the
request signals). `--profile` prints a cProfile of one round; `--callgrind` runs the script twice under
`valgrind --tool=callgrind` (with and without the measured pages) and prints the instructions per page, a
figure that barely moves with the machine's load.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.run import database_url, queue_paths


def _wsgi_get(session_key: str, csrf_token: str) -> Callable[[str], int]:
    """A GET through the WSGI application, as gunicorn makes it: returns the status code."""
    from config.wsgi import application

    def get(path: str) -> int:
        url_path, _, query = path.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "GET",
            "SCRIPT_NAME": "",
            "PATH_INFO": url_path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1:8000",
            "HTTP_ACCEPT": "text/html,application/xhtml+xml",
            "HTTP_ACCEPT_LANGUAGE": "ar,en;q=0.8",
            "HTTP_ACCEPT_ENCODING": "gzip, deflate",
            "HTTP_COOKIE": f"sessionid={session_key}; csrftoken={csrf_token}",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        status: list[str] = []

        def start_response(code: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], object]:
            status.append(code)
            return lambda data: None

        body = application(environ, start_response)
        try:
            for _chunk in body:
                pass
        finally:
            body.close()  # fires request_finished, as gunicorn does
        return int(status[0].split()[0])

    return get


def _test_client_get() -> Callable[[str], int]:
    from django.test import Client

    from awn.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="bench-agent"))
    return lambda path: client.get(path).status_code


def _session_for_bench_agent() -> tuple[str, str]:
    """A signed-in session of the bench agent, and a CSRF token (the cookies a browser would send)."""
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    from awn.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="bench-agent"))
    return client.cookies["sessionid"].value, _get_new_csrf_string()


def _callgrind(argv: list[str], pages: int) -> int:
    """Instructions per page: (a run with `pages` measured pages) − (the same run without them)."""
    if not pages:
        raise SystemExit("--callgrind needs --pages > 0")

    def instructions(rounds: int) -> int:
        cmd = [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            "-m",
            "bench.queue_cpu",
            *argv,
            "--repeat",
            str(rounds),
        ]
        result = subprocess.run(cmd, capture_output=True, text=True, check=True)
        match = re.search(r"Collected\s*:\s*(\d+)", result.stderr)
        if not match:
            raise SystemExit(result.stderr[-2000:])
        return int(match.group(1))

    base, measured = instructions(0), instructions(1)
    print(f"instructions per queue page (callgrind): {(measured - base) / pages / 1e6:.2f} M")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5, help="measured rounds (0: set-up and warm-up only)")
    parser.add_argument("--client", choices=["wsgi", "test"], default="wsgi")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--callgrind", action="store_true", help="instructions per page under valgrind")
    args = parser.parse_args(argv)
    if args.callgrind:
        return _callgrind(["--db", args.db, "--pages", str(args.pages), "--client", args.client], args.pages)
    os.environ.setdefault("DATABASE_URL", database_url(args.db))
    os.environ.setdefault("AWN_DB_CONN_MAX_AGE", "600")
    os.environ.setdefault("AWN_LOG_LEVEL", "ERROR")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    get = _test_client_get() if args.client == "test" else _wsgi_get(*_session_for_bench_agent())
    paths = queue_paths()
    for path in paths:  # warm: templates compiled, connection open, statements prepared
        assert get(path) == 200, path

    def round_ms() -> float:
        start = time.process_time()
        for i in range(args.pages):
            get(paths[i % len(paths)])
        return (time.process_time() - start) / args.pages * 1000

    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile(time.process_time)
        profile.runcall(round_ms)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(60)
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)
        return 0
    if args.repeat <= 0:
        return 0
    rounds = [round_ms() for _ in range(args.repeat)]
    print(
        f"CPU ms per queue page ({args.client}): min {min(rounds):.2f}, "
        f"rounds {', '.join(f'{r:.2f}' for r in rounds)}"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
