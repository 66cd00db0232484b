"""Train the triage category classifier → var/models/triage_category.joblib.

Learns from labelled ticket history (agents' corrections and confirmations first, weighted) and the published
knowledge base. Running processes pick the new model up on their next triage (the file's change is noticed).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from awn.assistant.triage.training import train_category_model


class Command(BaseCommand):
    help = "Train the ticket category classifier from labelled tickets (corrections first) and the knowledge base."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output", default=None, help="model path (default var/models/triage_category.joblib)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = train_category_model(Path(options["output"]) if options["output"] else None)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        classifier = report.classifier
        self.stdout.write(
            f"Trained on {report.tickets} tickets ({report.corrected} corrected or confirmed by agents) and "
            f"{report.knowledge_examples} knowledge-base examples, {len(classifier.labels)} categories, "
            f"in {classifier.train_seconds:.1f} s; saved to {report.path}"
        )
