"""Measure triage_text on a labelled JSONL file: accuracy per field (category, priority, sentiment, dialect).

    python manage.py eval_triage --queries /work/shared/eval/queries_dev.jsonl --kb /work/shared/eval/kb.jsonl

With --kb the category model is bootstrapped from that knowledge-base file (as a fresh install does from its
published articles), and --history adds labelled tickets (JSONL with text and category) as train_triage would;
without them, triage uses this deployment's model (trained, or bootstrapped from the
database). Prints a table, then one JSON line with the numbers and the latency of one text (p50/p95).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError
from sklearn.metrics import f1_score

from awn.assistant.triage.classifier import TextClassifier
from awn.assistant.triage.engine import (
    classifier_text,
    reset_model_cache,
    triage_text,
    use_category_model,
)
from awn.assistant.triage.training import CLASSIFIER_C, article_examples, with_other_seeds

FIELDS = ("category", "priority", "sentiment", "dialect")


def _read_jsonl(path: str) -> list[dict[str, Any]]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CommandError(f"{path}: {exc}") from exc
    return [json.loads(line) for line in lines if line.strip()]


def _kb_classifier(
    path: str | None, history: str | None = None, dense_weight: float = 0.0, expand_dialect: bool = False
) -> TextClassifier:
    """The model train_triage would build from this knowledge base and this labelled history (text, category)."""
    texts: list[str] = []
    labels: list[str] = []
    for row in _read_jsonl(history) if history else []:
        if row.get("text") and row.get("category"):
            texts.append(classifier_text(row["text"]))
            labels.append(row["category"])
    for article in _read_jsonl(path) if path else []:
        pieces = article_examples(
            article.get("title_ar", ""),
            article.get("title_en", ""),
            article.get("tags"),
            article.get("body_ar", ""),
        )
        texts += pieces
        labels += [article["category"]] * len(pieces)
    texts, labels = with_other_seeds(texts, labels)
    if len(set(labels)) < 2:
        raise CommandError("--kb/--history hold fewer than two categories: nothing to train")
    classifier = TextClassifier(c=CLASSIFIER_C, dense_weight=dense_weight, expand_dialect=expand_dialect)
    return classifier.fit(texts, labels)


class Command(BaseCommand):
    help = "Accuracy of triage (category, priority, sentiment, dialect) on a labelled JSONL file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--queries", required=True, help="JSONL with text and the labelled fields")
        parser.add_argument("--kb", default=None, help="knowledge-base JSONL to bootstrap the category model")
        parser.add_argument(
            "--history", default=None, help="JSONL of labelled tickets (text, category) to train on with --kb"
        )
        parser.add_argument("--errors", default=None, help="print the misses of this field")
        parser.add_argument(
            "--expand-dialect",
            action="store_true",
            help="with --kb/--history: the category model's n-grams also read the MSA equivalents of dialect words",
        )
        parser.add_argument(
            "--dense-weight",
            type=float,
            default=0.0,
            help="with --kb/--history: also feed the e5 sentence embedding to the category model, this weight",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rows = _read_jsonl(options["queries"])
        if options["kb"] or options["history"]:
            classifier = _kb_classifier(
                options["kb"], options["history"], options["dense_weight"], options["expand_dialect"]
            )
            use_category_model(classifier, "file")
        try:
            triage_text("warm-up")
            results, latencies = [], []
            for row in rows:
                started = time.perf_counter()
                results.append(triage_text(row["text"]))
                latencies.append((time.perf_counter() - started) * 1000)
        finally:
            reset_model_cache()
        report: dict[str, Any] = {"n": len(rows)}
        for field in FIELDS:
            truth = [row.get(field) for row in rows]
            predicted = [getattr(result, field) for result in results]
            pairs = [(t, p) for t, p in zip(truth, predicted, strict=True) if t is not None]
            if not pairs:
                continue
            accuracy = sum(t == p for t, p in pairs) / len(pairs)
            macro = f1_score([t for t, _ in pairs], [p for _, p in pairs], average="macro", zero_division=0)
            report[field] = {"accuracy": round(accuracy, 4), "macro_f1": round(float(macro), 4)}
            self.stdout.write(f"{field:<10} accuracy {accuracy:.3f}  macro-F1 {macro:.3f}  (n={len(pairs)})")
            if field == "priority":
                confusion = Counter((t, p) for t, p in pairs if t != p)
                self.stdout.write(
                    "  priority misses (truth→predicted): "
                    + ", ".join(f"{t}→{p}: {n}" for (t, p), n in confusion.most_common())
                )
        by_dialect: dict[str, dict[str, float]] = {}
        for dialect in sorted({str(row.get("dialect")) for row in rows if row.get("dialect")}):
            picked = [(row, r) for row, r in zip(rows, results, strict=True) if row.get("dialect") == dialect]
            by_dialect[dialect] = {
                field: round(sum(row.get(field) == getattr(r, field) for row, r in picked) / len(picked), 3)
                for field in ("category", "priority", "sentiment")
                if picked[0][0].get(field) is not None
            }
            by_dialect[dialect]["n"] = len(picked)
        if by_dialect:
            report["by_dialect"] = by_dialect
            self.stdout.write(
                "by dialect (accuracy): "
                + "; ".join(
                    f"{d} n={v['n']:.0f} " + " ".join(f"{k} {x:.2f}" for k, x in v.items() if k != "n")
                    for d, v in by_dialect.items()
                )
            )
        report["p50_ms"] = round(float(np.percentile(latencies, 50)), 3)
        report["p95_ms"] = round(float(np.percentile(latencies, 95)), 3)
        self.stdout.write(f"latency one text: p50 {report['p50_ms']} ms, p95 {report['p95_ms']} ms")
        field = options["errors"]
        if field:
            for row, result in zip(rows, results, strict=True):
                if row.get(field) != getattr(result, field):
                    self.stdout.write(f"  {row.get(field)} → {getattr(result, field)}  {row['text'][:110]}")
        self.stdout.write(json.dumps(report, ensure_ascii=False))
