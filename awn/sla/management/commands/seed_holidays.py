"""Seed the Saudi national holidays of one or more years (Eid al-Fitr, Eid al-Adha, Founding Day, National Day).

Idempotent: run it again any time (a holiday an admin confirmed or edited is left alone). Without --year it
seeds this year and the next.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from awn.core.errors import ValidationError
from awn.sla.services import holidays_seed_year


class Command(BaseCommand):
    help = "Seed the Saudi national holidays of a year (Umm al-Qura Eids, Founding Day, National Day)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--year", type=int, action="append", help="Gregorian year (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        this_year = timezone.localdate().year
        for year in options["year"] or [this_year, this_year + 1]:
            try:
                result = holidays_seed_year(year)
            except ValidationError as exc:
                raise CommandError(str(exc.message)) from exc
            self.stdout.write(
                f"{year}: {len(result.created)} created, {len(result.updated)} updated, "
                f"{len(result.unchanged)} unchanged, {len(result.reviewed_kept)} kept as an admin set them"
            )
            for holiday in [*result.created, *result.updated]:
                flag = " (estimated)" if holiday.estimated else ""
                self.stdout.write(f"  {holiday.first_day} … {holiday.last_day}  {holiday.name_en}{flag}")
            for candidate in result.disagreements:
                self.stderr.write(f"  check {candidate.name_en}: {candidate.source}")
