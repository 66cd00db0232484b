"""Run Awn's periodic jobs (config/schedule.py) in this process, every job inline: a worker without a broker
(AWN_TASKS_MODE=off in the web processes), or one recovery pass with --once (`bin/awn up` does it at start)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from awn.core.tasks import Periodic, inline, run_now, schedule

# In a loop, the sweeps run every --sleep seconds (the web processes enqueue nothing in "off" mode, so the
# sweeps are how work arrives here); slow periodic jobs (hourly retention) keep their own period.
FAST_JOB_SECONDS = 60


class Command(BaseCommand):
    help = "Run the periodic jobs of config/schedule.py here, jobs inline; loop until stopped (or --once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="Run every periodic job once, then exit.")
        parser.add_argument("--sleep", type=float, default=2.0, help="Seconds between sweeps.")
        parser.add_argument(
            "--stale", type=int, default=None, help="Pick up rows pending longer than this (seconds)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["stale"] is not None:
            settings.AWN_WORKER_STALE_SECONDS = options["stale"]
        next_run: dict[str, float] = {}
        with inline():
            while True:
                now = time.monotonic()
                for entry in schedule():
                    if options["once"] or now >= next_run.get(entry.task, 0.0):
                        next_run[entry.task] = now + self._period(entry, options["sleep"])
                        self._run(entry, options["verbosity"])
                if options["once"]:
                    return
                time.sleep(options["sleep"])
                close_old_connections()  # a long-lived loop must not keep a broken or stale connection

    @staticmethod
    def _period(entry: Periodic, sleep: float) -> float:
        return min(entry.every, sleep) if entry.every <= FAST_JOB_SECONDS else entry.every

    def _run(self, entry: Periodic, verbosity: int) -> None:
        started = time.monotonic()
        run_now(entry.task)
        if verbosity > 1:
            self.stdout.write(f"{entry.task}: {time.monotonic() - started:.2f} s")
