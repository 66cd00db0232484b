"""Replay the erasure ledger after a restore of the database (issue 15, item 4; RELIABILITY B4)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from awn.crm.services import contact_erasures_reapply
from awn.privacy.erasure import ledger_path


class Command(BaseCommand):
    help = (
        "Erase again every person listed in the erasure ledger (the database table and the file "
        "AWN_ERASURE_LEDGER) whom a restore brought back. Idempotent: run it after every restore."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        erased = contact_erasures_reapply()
        self.stdout.write(
            f"ledger file: {ledger_path()}\n"
            f"erased again: {len(erased)} contact(s){': ' + ', '.join(map(str, erased)) if erased else ''}"
        )
