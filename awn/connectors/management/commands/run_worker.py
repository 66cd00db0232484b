"""Process pending raw events and due outgoing messages in a loop (production worker, or recovery)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from awn.assistant.tasks import sweep_untriaged
from awn.connectors.tasks import sweep
from awn.knowledge.tasks import expire_learned_questions


class Command(BaseCommand):
    help = (
        "Sweep pending inbound events, outgoing messages and untriaged tickets, and delete learned questions "
        "past their retention; loop until stopped."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="One sweep, then exit.")
        parser.add_argument("--sleep", type=float, default=2.0, help="Seconds between sweeps.")
        parser.add_argument(
            "--batch", type=int, default=500, help="At most this many rows of each kind a sweep."
        )
        parser.add_argument(
            "--stale", type=int, default=None, help="Pick up raw events pending longer than this (seconds)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            events, outbound = sweep(stale_seconds=options["stale"], limit=options["batch"])
            triaged = sweep_untriaged(stale_seconds=options["stale"], limit=options["batch"])
            expired = expire_learned_questions()
            if events or outbound or triaged or expired or options["verbosity"] > 1:
                self.stdout.write(
                    f"processed {events} inbound events, {outbound} outgoing messages, triaged {triaged} tickets"
                    + (f", deleted {expired} learned questions past their retention" if expired else "")
                )
            if options["once"]:
                return
            if not (events or outbound or triaged):
                time.sleep(options["sleep"])
            close_old_connections()  # a long-lived loop must not keep a broken or stale connection
