from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from awn.analytics.kpis import definitions_markdown


class Command(BaseCommand):
    help = "Write docs/kpis.md from the KPI definitions in awn/analytics/kpis.py (issue 17)."

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.BASE_DIR) / "docs" / "kpis.md"
        path.parent.mkdir(exist_ok=True)
        path.write_text(definitions_markdown(), encoding="utf-8")
        self.stdout.write(f"wrote {path}")
