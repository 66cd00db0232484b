"""Train the triage text classifier on one labelled CSV and measure it on another.

    python manage.py eval_intents --train train.csv --test val.csv

Prints a table, then as its last line one JSON object (accuracy, macro_f1, train_seconds, p50_ms, p95_ms,
n_train, n_test, n_labels) for scripts and benchmarks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from awn.assistant.triage.classifier import TextClassifier
from awn.assistant.triage.evaluation import DatasetError, evaluate, read_labelled_csv


class Command(BaseCommand):
    help = "Train the triage classifier on a label,text CSV and report accuracy, macro-F1 and latency on another."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--train", required=True, help="CSV with label,text columns to train on")
        parser.add_argument("--test", required=True, help="CSV with label,text columns to evaluate on")
        parser.add_argument("--c", type=float, default=None, help="SVM regularization C (default: tuned)")
        parser.add_argument("--save", default=None, help="also keep the trained model at this path")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            train = read_labelled_csv(options["train"])
            test = read_labelled_csv(options["test"])
        except DatasetError as exc:
            raise CommandError(str(exc)) from exc
        if len(set(train[1])) < 2:
            raise CommandError(f"{options['train']}: at least two distinct labels are needed to train")
        kwargs = {"c": options["c"]} if options["c"] is not None else {}
        save = Path(options["save"]) if options["save"] else None
        result = evaluate(TextClassifier(**kwargs), train, test, model_path=save)

        rows = [
            ("train examples", f"{result.n_train}"),
            ("test examples", f"{result.n_test}"),
            ("labels", f"{result.n_labels}"),
            ("accuracy", f"{result.accuracy:.4f}"),
            ("macro-F1", f"{result.macro_f1:.4f}"),
            ("training time", f"{result.train_seconds:.1f} s"),
            ("model size", f"{result.model_bytes / 1_048_576:.1f} MiB"),
            ("latency p50 (one text)", f"{result.p50_ms:.2f} ms"),
            ("latency p95 (one text)", f"{result.p95_ms:.2f} ms"),
        ]
        if result.unseen_test_labels:
            rows.append(("test labels never seen in training", f"{result.unseen_test_labels}"))
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            self.stdout.write(f"{name.ljust(width)}  {value}")
        self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
