from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from awn.knowledge.selectors import kb_export_lines


class Command(BaseCommand):
    help = "Export every knowledge article to a JSON Lines file (the eval/kb.jsonl format)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        with options["file"].open("w", encoding="utf-8") as handle:
            for line in kb_export_lines():
                handle.write(line + "\n")
                count += 1
        self.stdout.write(_("Exported %(count)d articles.") % {"count": count})
