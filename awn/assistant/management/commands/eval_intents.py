"""Train the triage text classifier on one labelled CSV and measure it on another.

    python manage.py eval_intents --train train.csv --test val.csv [--no-embeddings] [--no-expand] [--c C]

The model is the learned triage classifier (classifier.py): n-gram TF-IDF features of the text followed by the MSA
equivalents of its dialect words (glossary.py) plus, unless --no-embeddings
or no embedder is available, the e5 sentence embedding of each text, one linear SVM. The training texts' vectors
are cached under var/models/ (a re-run on the same file does not embed them again; --no-cache to measure a cold
run). Prints a table (accuracy, macro-F1, per dialect the triage rules read, training time, load time, latency),
then as its last line one JSON object (accuracy, macro_f1, p50_ms, p95_ms, train_seconds, …) for scripts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from awn.assistant.triage.classifier import (
    INTENT_C,
    INTENT_DENSE_WEIGHT,
    INTENT_EXPAND_DIALECT,
    TextClassifier,
)


class Command(BaseCommand):
    help = "Train the triage classifier on a label,text CSV and report accuracy, macro-F1 and latency on another."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--train", required=True, help="CSV with label,text columns to train on")
        parser.add_argument("--test", required=True, help="CSV with label,text columns to evaluate on")
        parser.add_argument(
            "--c", type=float, default=None, help=f"SVM regularization C (default {INTENT_C})"
        )
        parser.add_argument(
            "--dense-weight",
            type=float,
            default=INTENT_DENSE_WEIGHT,
            help=f"weight of the sentence embedding next to the n-grams (default {INTENT_DENSE_WEIGHT})",
        )
        parser.add_argument(
            "--no-embeddings", action="store_true", help="n-gram TF-IDF features only (no sentence embedding)"
        )
        parser.add_argument(
            "--no-expand",
            action="store_true",
            help="n-grams of the text as written (default: followed by the MSA equivalents of its dialect words)",
        )
        parser.add_argument(
            "--no-cache",
            action="store_true",
            help="embed the training texts even if their vectors are cached",
        )
        parser.add_argument("--save", default=None, help="also keep the trained model at this path")

    def handle(self, *args: Any, **options: Any) -> None:
        # The evaluation code is not part of the runtime: imported when the command runs.
        from awn.assistant.evaluation.intents import DatasetError, evaluate, read_labelled_csv

        try:
            train = read_labelled_csv(options["train"])
            test = read_labelled_csv(options["test"])
        except DatasetError as exc:
            raise CommandError(str(exc)) from exc
        if len(set(train[1])) < 2:
            raise CommandError(f"{options['train']}: at least two distinct labels are needed to train")
        dense_weight = 0.0 if options["no_embeddings"] else options["dense_weight"]
        if dense_weight < 0:
            raise CommandError("--dense-weight must be 0 or more")
        cache = (
            None if options["no_cache"] else Path(settings.VAR_DIR) / "models" / "eval_intents_vectors.npz"
        )
        classifier = TextClassifier(
            c=options["c"] if options["c"] is not None else INTENT_C,
            dense_weight=dense_weight,
            expand_dialect=INTENT_EXPAND_DIALECT and not options["no_expand"],
            embedding_cache=cache,
        )
        save = Path(options["save"]) if options["save"] else None
        result = evaluate(classifier, train, test, model_path=save)

        model = "TF-IDF n-grams" + (" (dialect words expanded to MSA)" if classifier.expand_dialect else "")
        if result.uses_embeddings:
            model += f" + e5 sentence embedding (weight {dense_weight:g})"
        elif dense_weight > 0:
            model += " (no embedder available: embeddings skipped)"
        rows = [
            ("model", f"{model}, linear SVM C={classifier.c:g}"),
            ("train examples", f"{result.n_train}"),
            ("test examples", f"{result.n_test}"),
            ("labels", f"{result.n_labels}"),
            ("accuracy", f"{result.accuracy:.4f}"),
            ("macro-F1", f"{result.macro_f1:.4f}"),
        ]
        rows += [
            (f"accuracy, {name} ({n} texts)", f"{accuracy:.4f}")
            for name, (n, accuracy) in result.by_dialect.items()
        ]
        rows += [
            ("training time", f"{result.train_seconds:.1f} s"),
        ]
        if result.uses_embeddings:
            rows.append(("  of which embedding", f"{result.embed_seconds:.1f} s"))
        rows += [
            ("model size", f"{result.model_bytes / 1_048_576:.1f} MiB"),
            ("model load time", f"{result.load_seconds:.2f} s"),
            ("latency p50 (one text)", f"{result.p50_ms:.2f} ms"),
            ("latency p95 (one text)", f"{result.p95_ms:.2f} ms"),
        ]
        if result.p95_ms_given_embedding is not None:
            rows.append(("latency p95, vector passed in", f"{result.p95_ms_given_embedding:.2f} ms"))
        if result.unseen_test_labels:
            rows.append(("test labels never seen in training", f"{result.unseen_test_labels}"))
        width = max(len(name) for name, _ in rows)
        for name, value in rows:
            self.stdout.write(f"{name.ljust(width)}  {value}")
        self.stdout.write(json.dumps(result.as_json(), ensure_ascii=False))
