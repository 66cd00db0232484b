from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from awn.analytics.services import facts_rebuild


class Command(BaseCommand):
    help = "Recompute every analytics fact from the analytics event log (issue 17)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = facts_rebuild()
        rate = result.events / result.seconds if result.seconds else 0.0
        self.stdout.write(
            f"{result.events} events → {result.facts} facts in {result.seconds:.2f} s ({rate:,.0f} events/s)"
        )
