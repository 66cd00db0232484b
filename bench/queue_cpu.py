"""CPU time of the agent queue page, in-process: `python -m bench.queue_cpu --pages 300 --repeat 5`.

A noisy shared machine moves wall-clock latencies by ±50%; the CPU one page costs the Django process moves much
less. This loads the queue pages `bench.run` requests (the bench agent's session, through Django's test client
and every middleware) against the benchmark database, and prints the CPU milliseconds per page of each round
(`time.process_time`, so PostgreSQL's own time is not included) and the smallest. `--profile` prints a cProfile
of one round instead. Run `python -m bench.run --db postgres --only queue` first: it seeds and creates the agent.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from bench.run import database_url, queue_paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("DATABASE_URL", database_url(args.db))
    os.environ.setdefault("AWN_DB_CONN_MAX_AGE", "600")
    os.environ.setdefault("AWN_LOG_LEVEL", "ERROR")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.test import Client

    from awn.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="bench-agent"))
    paths = queue_paths()
    for path in paths:  # warm: templates compiled, connection open, statements prepared
        assert client.get(path).status_code == 200

    def round_ms() -> float:
        start = time.process_time()
        for i in range(args.pages):
            client.get(paths[i % len(paths)])
        return (time.process_time() - start) / args.pages * 1000

    if args.profile:
        import cProfile
        import pstats

        profile = cProfile.Profile(time.process_time)
        profile.runcall(round_ms)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(50)
        return 0
    rounds = [round_ms() for _ in range(args.repeat)]
    print(f"CPU ms per queue page: min {min(rounds):.2f}, rounds {', '.join(f'{r:.2f}' for r in rounds)}")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
