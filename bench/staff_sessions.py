"""What the staff session rules cost a request: `python -m bench.staff_sessions --pages 400 --repeat 5`.

A signed-in agent loads a small staff page (the password page) through the test client, with and without
`StaffSessionMiddleware` (two-factor flag, idle and absolute limits; the last-seen time written at most once a
minute), interleaved rounds; prints the CPU milliseconds per page (`time.process_time`) of each round and the
smallest, and the CPU time of one TOTP check (three HMAC-SHA1 over ±1 step). A scratch SQLite database under
var/bench-staff-sessions/ is created and migrated the first time.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    folder = ROOT / "var" / "bench-staff-sessions"
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'db.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["AWN_STAFF_2FA"] = "false"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import override_settings

    from awn.accounts import totp
    from awn.accounts.enums import Role
    from awn.accounts.models import User
    from awn.accounts.services import user_create

    call_command("migrate", verbosity=0)
    agent = User.objects.filter(username="bench-agent").first() or user_create(
        username="bench-agent", password=None, role=Role.AGENT
    )
    client = Client()
    client.force_login(agent)
    without = [m for m in settings.MIDDLEWARE if not m.endswith("StaffSessionMiddleware")]

    def round_ms(middleware: list[str]) -> float:
        with override_settings(MIDDLEWARE=middleware):
            client.get("/accounts/password/")
            start = time.process_time()
            for _ in range(args.pages):
                assert client.get("/accounts/password/").status_code == 200
            return 1000 * (time.process_time() - start) / args.pages

    rounds: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(args.repeat):
        rounds["with"].append(round_ms(list(settings.MIDDLEWARE)))
        rounds["without"].append(round_ms(without))
    for name, values in rounds.items():
        print(
            f"{name} the middleware: CPU ms/page {', '.join(f'{v:.2f}' for v in values)}; min {min(values):.2f}"
        )
    secret = totp.new_secret()
    code = totp.totp(secret)
    start = time.process_time()
    for _ in range(20_000):
        totp.matching_step(secret, code)
    print(f"one TOTP check: {1e6 * (time.process_time() - start) / 20_000:.1f} µs CPU")


if __name__ == "__main__":
    main()
