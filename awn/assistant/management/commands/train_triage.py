"""Train the triage category classifier from labelled ticket history → var/models/triage_category.joblib."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from awn.assistant.triage.training import train_category_classifier


class Command(BaseCommand):
    help = "Train the ticket category classifier from tickets with a known category and save it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output", default=None, help="model path (default var/models/triage_category.joblib)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            classifier, path = train_category_classifier(
                Path(options["output"]) if options["output"] else None
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Trained on {classifier.n_train} tickets in {len(classifier.labels)} categories "
            f"in {classifier.train_seconds:.1f} s; saved to {path}"
        )
