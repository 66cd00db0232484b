"""The learned triage model on ArBanking77: accuracy per subset, dialect transfer, CPU time per prediction.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python -m bench.intent_model \\
        --train ../shared/data/arbanking77/Banking77_Arabized_MSA_PAL_train.csv \\
        --test ../shared/data/arbanking77/Banking77_Arabized_MSA_PAL_val.csv \\
        --gulf awn/assistant/tests/fixtures/arbanking77_gulf_paraphrases.csv

For each model (n-grams only; n-grams + e5 embedding): accuracy and macro-F1 on the test file, on its MSA and its
Palestinian rows, on the hand-written Gulf paraphrases, and trained on the MSA rows of the train file only, on its
Palestinian rows (a dialect the model never saw: the closest stand-in for the held-back Saudi test set). The files
list each label's MSA rows, then the same labels again in dialect; the subsets are those passes, a pass being
"dialect" when the triage rules read a dialect (not MSA) in more than a quarter of its rows. Latency is CPU time per
text (time.process_time, one text at a time), with the text embedded here and with its vector passed in.
Training vectors are cached under var/models/ (eval_intents_vectors.npz, shared with `manage.py eval_intents`).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def passes(labels: list[str]) -> list[tuple[int, int]]:
    """(start, end) of each run through the labels in the file's order (a label earlier in the order restarts)."""
    order: dict[str, int] = {}
    for label in labels:
        order.setdefault(label, len(order))
    bounds = (
        [0] + [i for i in range(1, len(labels)) if order[labels[i]] < order[labels[i - 1]]] + [len(labels)]
    )
    return list(itertools.pairwise(bounds))


def subsets(texts: list[str], labels: list[str]) -> dict[str, list[int]]:
    from awn.assistant.evaluation.intents import text_dialect

    out: dict[str, list[int]] = {"msa": [], "dialect": []}
    for start, end in passes(labels):
        rows = list(range(start, end))
        share = sum(text_dialect(texts[i]) != "msa" for i in rows) / len(rows)
        out["dialect" if share > 0.25 else "msa"] += rows
    return out


def percentile(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(values, q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", required=True)
    parser.add_argument("--test", required=True)
    parser.add_argument("--gulf", required=True)
    parser.add_argument("--only", default="", help="run the configurations whose name contains this")
    parser.add_argument("--latency-texts", type=int, default=400, help="test texts timed one at a time")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.conf import settings
    from sklearn.metrics import accuracy_score, f1_score

    from awn.assistant.evaluation.intents import read_labelled_csv
    from awn.assistant.triage.classifier import (
        INTENT_C,
        INTENT_DENSE_WEIGHT,
        INTENT_EXPAND_DIALECT,
        TextClassifier,
    )

    train_texts, train_labels = read_labelled_csv(args.train)
    test_texts, test_labels = read_labelled_csv(args.test)
    gulf_texts, gulf_labels = read_labelled_csv(args.gulf)
    train_sets, test_sets = subsets(train_texts, train_labels), subsets(test_texts, test_labels)
    cache = Path(settings.VAR_DIR) / "models" / "eval_intents_vectors.npz"
    report: dict[str, Any] = {
        "n_train": len(train_texts),
        "n_test": len(test_texts),
        "test_msa": len(test_sets["msa"]),
        "test_dialect": len(test_sets["dialect"]),
        "gulf": len(gulf_texts),
    }

    def scored(model: TextClassifier, texts: list[str], truth: list[str]) -> dict[str, float]:
        predicted = [label for label, _ in model.predict(texts)]
        return {
            "accuracy": round(float(accuracy_score(truth, predicted)), 4),
            "macro_f1": round(float(f1_score(truth, predicted, average="macro", zero_division=0)), 4),
        }

    configs = (
        ("ngrams (before)", 0.0, False),
        ("ngrams+e5 (no expansion)", INTENT_DENSE_WEIGHT, False),
        ("ngrams+e5 (default)", INTENT_DENSE_WEIGHT, INTENT_EXPAND_DIALECT),
    )
    for name, weight, expand in configs:
        if args.only and args.only not in name:
            continue
        model = TextClassifier(c=INTENT_C, dense_weight=weight, expand_dialect=expand, embedding_cache=cache)
        started, cpu = time.perf_counter(), time.process_time()
        model.fit(train_texts, train_labels)
        row: dict[str, Any] = {
            "train_seconds": round(time.perf_counter() - started, 1),
            "train_cpu_seconds": round(time.process_time() - cpu, 1),
            "test": scored(model, test_texts, test_labels),
        }
        for subset, rows in test_sets.items():
            row[f"test_{subset}"] = scored(
                model, [test_texts[i] for i in rows], [test_labels[i] for i in rows]
            )
        row["gulf"] = scored(model, gulf_texts, gulf_labels)
        msa_only = TextClassifier(
            c=INTENT_C, dense_weight=weight, expand_dialect=expand, embedding_cache=cache, calibration_folds=0
        )
        msa_only.fit(
            [train_texts[i] for i in train_sets["msa"]], [train_labels[i] for i in train_sets["msa"]]
        )
        dialect_rows = train_sets["dialect"]
        row["msa_trained_on_train_dialect"] = scored(
            msa_only, [train_texts[i] for i in dialect_rows], [train_labels[i] for i in dialect_rows]
        )
        row["msa_trained_on_gulf"] = scored(msa_only, gulf_texts, gulf_labels)
        timed = test_texts[: args.latency_texts]
        embedder = model._embedder() if model.uses_embeddings else None
        total, given = [], []
        for text in timed:
            t0 = time.process_time()
            vectors = embedder.queries([text]) if embedder is not None else None
            t1 = time.process_time()
            model.predict([text], embeddings=vectors)
            t2 = time.process_time()
            total.append((t2 - t0) * 1000)
            given.append((t2 - t1) * 1000)
        row["cpu_ms_one_text"] = {
            "p50": round(percentile(total, 50), 2),
            "p95": round(percentile(total, 95), 2),
        }
        if embedder is not None:
            row["cpu_ms_vector_given"] = {
                "p50": round(percentile(given, 50), 2),
                "p95": round(percentile(given, 95), 2),
            }
        report[name] = row
        print(name, json.dumps(row, ensure_ascii=False), flush=True)
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
