from typing import Any

from django.core.management.base import BaseCommand

from awn.core.tasks import inline
from awn.demo.services import DEMO_PASSWORD, demo_is_loaded, seed_demo

DEMO_SIGN_INS = """\
  Demo sign-ins (password for all: {password}):
    admin        مدير النظام              supervisor   المشرفة
    agent1       موظف دعم (فريق داخلي)     vendor1      موظف دعم (شركة مشغّلة)
    parent1      ولي أمر                  teacher1     معلمة
"""


class Command(BaseCommand):
    help = "Load the Arabic demo data (schools, families, agents, tickets) and print the demo sign-ins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when demo data is already there"
        )
        parser.add_argument("--tickets", type=int, default=300)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and demo_is_loaded():
            self.stdout.write("Demo data already loaded.")
        else:
            # The jobs the seeding causes (triage, the assistant's first answers) run here, before the command
            # exits: a background pool would still be sending them when the interpreter shuts down.
            with inline():
                counts = seed_demo(tickets=options["tickets"])
            self.stdout.write("Demo data loaded: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
        self.stdout.write("\n" + DEMO_SIGN_INS.format(password=DEMO_PASSWORD))
