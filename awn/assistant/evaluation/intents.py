"""Read labelled CSV files and measure a TextClassifier: accuracy, macro-F1, training time, size, latency."""

from __future__ import annotations

import csv
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from ..triage.classifier import TextClassifier

REQUIRED_COLUMNS = ("label", "text")


class DatasetError(ValueError):
    """A labelled file that cannot be used: missing, unreadable, without the needed columns, or empty."""


def read_labelled_csv(path: str | Path) -> tuple[list[str], list[str]]:
    """(texts, labels) from a CSV with `label` and `text` columns; other columns, a BOM and quoting are fine."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = [name.strip().lower() for name in reader.fieldnames or []]
            missing = [name for name in REQUIRED_COLUMNS if name not in columns]
            if missing:
                raise DatasetError(
                    f"{path}: missing column(s) {', '.join(missing)}; "
                    f"found {', '.join(columns) or 'no header'} (need label,text)"
                )
            index = {name: original for name, original in zip(columns, reader.fieldnames or [], strict=True)}
            texts, labels = [], []
            for row in reader:
                text = (row.get(index["text"]) or "").strip()
                label = (row.get(index["label"]) or "").strip()
                if text and label:
                    texts.append(text)
                    labels.append(label)
    except FileNotFoundError as exc:
        raise DatasetError(f"{path}: no such file") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DatasetError(f"{path}: not a UTF-8 CSV file ({exc})") from exc
    if not texts:
        raise DatasetError(f"{path}: no rows with both a label and a text")
    return texts, labels


@dataclass
class EvalResult:
    accuracy: float
    macro_f1: float
    train_seconds: float
    model_bytes: int
    p50_ms: float
    p95_ms: float
    n_train: int
    n_test: int
    n_labels: int
    unseen_test_labels: int
    embed_seconds: float = 0.0  # of train_seconds, embedding the training texts
    uses_embeddings: bool = False
    p95_ms_given_embedding: float | None = None  # the classifier alone, the question's vector passed in
    load_seconds: float = 0.0
    by_dialect: dict[str, tuple[int, float]] = field(default_factory=dict)  # dialect → (texts, accuracy)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "accuracy": round(self.accuracy, 4),
            "macro_f1": round(self.macro_f1, 4),
            "train_seconds": round(self.train_seconds, 2),
            "embed_seconds": round(self.embed_seconds, 2),
            "p50_ms": round(self.p50_ms, 3),
            "p95_ms": round(self.p95_ms, 3),
            "load_seconds": round(self.load_seconds, 3),
            "n_train": self.n_train,
            "n_test": self.n_test,
            "n_labels": self.n_labels,
            "model_bytes": self.model_bytes,
            "embeddings": self.uses_embeddings,
            "by_dialect": {
                name: {"n": n, "accuracy": round(acc, 4)} for name, (n, acc) in self.by_dialect.items()
            },
        }
        if self.p95_ms_given_embedding is not None:
            out["p95_ms_given_embedding"] = round(self.p95_ms_given_embedding, 3)
        return out


def text_dialect(text: str) -> str:
    """The dialect the triage rules read in `text` (msa, gulf, levantine, egyptian, …): for per-dialect figures."""
    from awn.core.text.arabic import normalize_arabic

    from ..triage.cues import guess_dialect, words

    normalized = normalize_arabic(text)
    return guess_dialect(text, normalized, words(normalized))[1]


def evaluate(
    classifier: TextClassifier,
    train: tuple[list[str], list[str]],
    test: tuple[list[str], list[str]],
    *,
    model_path: Path | None = None,
) -> EvalResult:
    """Train on `train`, score on `test` predicting one text at a time (as a live ticket would be).

    With an embedding model, each text's time includes embedding it; the classifier's own share (what a caller
    that passes the question's vector pays) is reported too.
    """
    train_texts, train_labels = train
    test_texts, test_labels = test
    started = time.perf_counter()
    classifier.fit(train_texts, train_labels)
    train_seconds = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp:
        path = model_path or Path(tmp) / "model.joblib"
        model_bytes = classifier.save(path).stat().st_size
        t0 = time.perf_counter()
        TextClassifier.load(path)
        load_seconds = time.perf_counter() - t0

    embedder = classifier._embedder() if classifier.uses_embeddings else None
    predicted, latencies, classifier_latencies = [], [], []
    for text in test_texts:
        t0 = time.perf_counter()
        vectors = embedder.queries([text]) if embedder is not None else None
        t1 = time.perf_counter()
        ((label, _confidence),) = classifier.predict([text], embeddings=vectors)
        t2 = time.perf_counter()
        latencies.append((t2 - t0) * 1000)
        classifier_latencies.append((t2 - t1) * 1000)
        predicted.append(label)
    known = set(train_labels)
    dialects = [text_dialect(text) for text in test_texts]
    by_dialect = {}
    for name, n in Counter(dialects).most_common():
        rows = [i for i, d in enumerate(dialects) if d == name]
        by_dialect[name] = (n, sum(predicted[i] == test_labels[i] for i in rows) / n)
    return EvalResult(
        accuracy=float(accuracy_score(test_labels, predicted)),
        macro_f1=float(f1_score(test_labels, predicted, average="macro", zero_division=0)),
        train_seconds=train_seconds,
        model_bytes=model_bytes,
        p50_ms=float(np.percentile(latencies, 50)),
        p95_ms=float(np.percentile(latencies, 95)),
        n_train=len(train_texts),
        n_test=len(test_texts),
        n_labels=len(known),
        unseen_test_labels=len(set(test_labels) - known),
        embed_seconds=classifier.embed_seconds if classifier.uses_embeddings else 0.0,
        uses_embeddings=classifier.uses_embeddings,
        p95_ms_given_embedding=(
            float(np.percentile(classifier_latencies, 95)) if embedder is not None else None
        ),
        load_seconds=load_seconds,
        by_dialect=by_dialect,
    )
