from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from awn.core.errors import DomainError
from awn.knowledge.services import kb_import, parse_kb_lines


class Command(BaseCommand):
    help = (
        "Import knowledge articles from a JSON Lines file (the eval/kb.jsonl format) as published articles."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            with path.open(encoding="utf-8") as handle:
                result = kb_import(parse_kb_lines(handle))
        except OSError as error:
            raise CommandError(str(error)) from error
        except DomainError as error:
            raise CommandError(str(error.message)) from error
        self.stdout.write(
            _("Articles: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.")
            % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
        )
