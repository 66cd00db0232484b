from typing import Any

from django.core.management.base import BaseCommand

from awn.core.demo import demo_is_loaded, seed_demo


class Command(BaseCommand):
    help = "Load the Arabic demo data (schools, families, agents, tickets)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when demo data is already there"
        )
        parser.add_argument("--tickets", type=int, default=300)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and demo_is_loaded():
            self.stdout.write("Demo data already loaded.")
            return
        counts = seed_demo(tickets=options["tickets"])
        self.stdout.write("Demo data loaded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
