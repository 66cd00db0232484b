"""First run: print a one-time link that creates the first administrator (only while there is none)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from awn.accounts.services import FIRST_ADMIN_HOURS, AdminExists, first_admin_invitation_create


class Command(BaseCommand):
    help = (
        "On a database without an administrator, print a link (valid once, for 24 hours) that creates the "
        "first one. Prints nothing and succeeds when an administrator exists, unless --strict."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="where Awn is served")
        parser.add_argument("--strict", action="store_true", help="fail when an administrator exists")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            _invitation, token = first_admin_invitation_create()
        except AdminExists as exc:
            if options["strict"]:
                raise CommandError(str(exc.message)) from exc
            self.stderr.write("An administrator exists already: no first-run link.")
            return
        link = f"{options['base_url'].rstrip('/')}/accounts/invitation/{token}/"
        self.stderr.write(
            f"No administrator yet. Open this link to create the first one (it works once, for "
            f"{FIRST_ADMIN_HOURS} hours):"
        )
        self.stdout.write(link)
