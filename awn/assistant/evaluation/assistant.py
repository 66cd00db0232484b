"""Measure the assistant on a knowledge base and labelled questions (the JSONL formats of ../shared/eval/).

The command imports the articles into a fresh, temporary database with the knowledge base's own import service,
and every question goes through `assistant_ask` on the index the API uses.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..answering import AssistantAnswer, assistant_ask, current_index, triage_with_knowledge
from ..triage.engine import triage_text

QUERY_FIELDS = ("text", "kb_id", "handoff_expected")


class EvalDataError(ValueError):
    pass


def read_jsonl(path: str | Path, required: Sequence[str]) -> list[dict[str, Any]]:
    rows = []
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EvalDataError(f"{path}:{number}: not JSON ({exc.msg})") from exc
            missing = [key for key in required if not isinstance(row, dict) or key not in row]
            if missing:
                raise EvalDataError(f"{path}:{number}: missing {', '.join(missing)}")
            rows.append(row)
    if not rows:
        raise EvalDataError(f"{path}: no rows")
    return rows


@dataclass
class Tally:
    answerable: int = 0
    top1: int = 0
    top3: int = 0
    answered_right: int = 0
    handoff_tp: int = 0
    handoff_fp: int = 0
    handoff_fn: int = 0
    n: int = 0
    category_right: int = 0

    def add(self, row: Mapping[str, Any], result: AssistantAnswer) -> None:
        self.n += 1
        gold = row.get("kb_id")
        ids = [hit.article.external_id for hit in result.suggestions]
        if gold:
            self.answerable += 1
            self.top1 += bool(ids[:1] == [gold])
            self.top3 += gold in ids[:3]
            self.answered_right += result.article_id == gold and not result.handoff
        expected = bool(row["handoff_expected"])
        self.handoff_tp += expected and result.handoff
        self.handoff_fp += (not expected) and result.handoff
        self.handoff_fn += expected and not result.handoff
        self.category_right += row.get("category") == result.category

    def figures(self) -> dict[str, float]:
        precision = self.handoff_tp / max(1, self.handoff_tp + self.handoff_fp)
        recall = self.handoff_tp / max(1, self.handoff_tp + self.handoff_fn)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {
            "n": self.n,
            "answerable": self.answerable,
            "top1": self.top1 / max(1, self.answerable),
            "top3": self.top3 / max(1, self.answerable),
            "answered_correctly": self.answered_right / max(1, self.answerable),
            "handoff_precision": precision,
            "handoff_recall": recall,
            "handoff_f1": f1,
            "category_acc": self.category_right / max(1, self.n),
        }


INTERVAL_FIGURES = (
    "top1",
    "top3",
    "answered_correctly",
    "handoff_precision",
    "handoff_recall",
    "handoff_f1",
    "category_acc",
)
BOOTSTRAP_REPS = 1000
CALIBRATION_BINS = 10


@dataclass
class EvalReport:
    overall: dict[str, float]
    per_dialect: dict[str, dict[str, float]]
    answers: list[dict[str, Any]] = field(default_factory=list)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    reliability: list[tuple[str, int, float, float]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            **{k: round(v, 4) for k, v in self.overall.items()},
            "ci95": {k: [round(low, 4), round(high, 4)] for k, (low, high) in self.intervals.items()},
            "per_dialect": self.per_dialect,
        }


def bootstrap_intervals(
    pairs: Sequence[tuple[Mapping[str, Any], AssistantAnswer]], reps: int = BOOTSTRAP_REPS, seed: int = 0
) -> dict[str, tuple[float, float]]:
    """95% percentile intervals of the figures, resampling the questions with replacement."""
    if not pairs:
        return {}
    rng = np.random.default_rng(seed)
    samples: dict[str, list[float]] = {name: [] for name in INTERVAL_FIGURES}
    for _ in range(reps):
        tally = Tally()
        for i in rng.integers(0, len(pairs), size=len(pairs)):
            tally.add(*pairs[i])
        figures = tally.figures()
        for name in INTERVAL_FIGURES:
            samples[name].append(figures[name])
    return {
        name: (float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5)))
        for name, values in samples.items()
    }


def answered_right(row: Mapping[str, Any], result: AssistantAnswer) -> bool:
    """What the confidence predicts: answering this question with the first article is right."""
    return not row["handoff_expected"] and _top_is(row, result)


def calibration(
    pairs: Sequence[tuple[Mapping[str, Any], AssistantAnswer]], bins: int = CALIBRATION_BINS
) -> tuple[float, list[tuple[str, int, float, float]]]:
    """Expected calibration error and the reliability diagram: per confidence bin, (bin, n, mean confidence,
    share right). ECE is the bins' |confidence − share right| weighted by their size."""
    if not pairs:
        return 0.0, []
    confidence = np.array([result.confidence for _, result in pairs])
    outcome = np.array([answered_right(row, result) for row, result in pairs], dtype=float)
    which = np.clip((confidence * bins).astype(int), 0, bins - 1)
    ece, table = 0.0, []
    for b in range(bins):
        mask = which == b
        if mask.any():
            mean, share = float(confidence[mask].mean()), float(outcome[mask].mean())
            ece += float(mask.mean()) * abs(mean - share)
            table.append((f"{b / bins:.1f}-{(b + 1) / bins:.1f}", int(mask.sum()), mean, share))
    return ece, table


def _triage_accuracy(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Triage of each question alone, and its category as a new ticket's triage gives it (ticket_category_acc:
    triage_with_knowledge, what a ticket sent on any channel is filed under)."""
    right: dict[str, int] = defaultdict(int)
    for row in rows:
        result = triage_text(row["text"])
        for name in ("priority", "sentiment", "dialect"):
            right[name] += row.get(name) == getattr(result, name)
        right["ticket_category"] += row.get("category") == triage_with_knowledge(row["text"]).category
    names = ("priority", "sentiment", "dialect", "ticket_category")
    return {f"{name}_acc": right[name] / len(rows) for name in names}


def evaluate_assistant(queries: Sequence[Mapping[str, Any]]) -> EvalReport:
    """Ask every question of the published knowledge base in the current database."""
    started = time.perf_counter()
    index = current_index()  # loads the e5 model and embeds the articles (cached on disk by text)
    index_seconds = time.perf_counter() - started
    assistant_ask("تجربة", index=index)  # loads the triage model
    load_seconds = time.perf_counter() - started
    overall = Tally()
    by_dialect: defaultdict[str, Tally] = defaultdict(Tally)
    latencies: list[float] = []
    answers: list[dict[str, Any]] = []
    pairs: list[tuple[Mapping[str, Any], AssistantAnswer]] = []
    for row in queries:
        started = time.perf_counter()
        result = assistant_ask(str(row["text"]), index=index)
        latencies.append((time.perf_counter() - started) * 1000)
        overall.add(row, result)
        by_dialect[str(row.get("dialect", "unknown"))].add(row, result)
        answers.append(_answer_row(row, result))
        pairs.append((row, result))
    figures = overall.figures()
    ece, reliability = calibration(pairs)
    figures["ece"] = ece
    figures.update(_triage_accuracy(queries))
    figures.update(
        {
            "p50_ms": float(np.percentile(latencies, 50)),
            "p95_ms": float(np.percentile(latencies, 95)),
            "index_seconds": index_seconds,
            "load_seconds": load_seconds,
            "dense": float(index.dense_enabled),
        }
    )
    per_dialect = {
        dialect: {k: round(v, 4) for k, v in tally.figures().items()}
        for dialect, tally in sorted(by_dialect.items())
    }
    return EvalReport(figures, per_dialect, answers, bootstrap_intervals(pairs), reliability)


def _answer_row(row: Mapping[str, Any], result: AssistantAnswer) -> dict[str, Any]:
    """One question's outcome beside its labels, for reading the errors (`eval_assistant --answers FILE`)."""
    return {
        "id": row.get("id"),
        "text": row["text"],
        "dialect": row.get("dialect"),
        "kb_id": row.get("kb_id"),
        "top": [hit.article.external_id for hit in result.suggestions],
        "confidence": round(result.confidence, 3),
        "handoff_expected": bool(row["handoff_expected"]),
        "handoff": result.handoff,
        "reason": result.reason,
        "category_expected": row.get("category"),
        "category": result.category,
    }


def _top_is(row: Mapping[str, Any], result: AssistantAnswer) -> bool:
    return (
        bool(row.get("kb_id"))
        and bool(result.suggestions)
        and result.suggestions[0].article.external_id == row["kb_id"]
    )
