"""Embed the published articles for the assistant now, instead of on the first question.

    python manage.py assistant_index

Run after a large import (`import_kb`): passage vectors are cached on disk by text, so only new or changed
articles cost anything, but the first question after a big import would otherwise wait for them.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from awn.assistant.answering import current_index


class Command(BaseCommand):
    help = "Build the assistant's index of published articles (embeds new or changed articles)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        index = current_index()
        mode = "lexical + e5" if index.dense_enabled else "lexical only"
        self.stdout.write(
            f"Assistant index: {len(index.docs)} published articles ({mode}) in {time.perf_counter() - started:.1f} s"
        )
