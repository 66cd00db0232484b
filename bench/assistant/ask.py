"""The whole first line on corpus questions: latency of `assistant_ask` per question, and its answers, for a
before/after comparison of a refactoring (the answers must be identical).

    DATABASE_URL=sqlite:///var/t.sqlite3 nice -n 5 .venv/bin/python -m bench.assistant.ask --n 400 --out var/ask.json
    .venv/bin/python -m bench.assistant.ask --compare var/ask_before.json var/ask_after.json

Reads the training corpus (awn/assistant/data/corpus) against the knowledge base it was written from
(../shared/eval/kb.jsonl); never the dev file. The database only has to be migrated (the triage model bootstraps
from its knowledge base, empty here: the same for both runs). CPU time (time.process_time) per question is the
figure; wall time beside it is an upper bound on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from .corpus import DEFAULT_KB, kb_docs, load_corpus, setup_django


def _answer_record(text: str, result: Any) -> dict[str, Any]:
    return {
        "text": text,
        "answer": result.answer,
        "article": result.article_id,
        "confidence": round(float(result.confidence), 9),
        "handoff": result.handoff,
        "reason": result.reason,
        "category": result.category,
        "language": result.language,
        "suggestions": [hit.article.external_id for hit in result.suggestions],
    }


def run(n: int, kb: Path) -> dict[str, Any]:
    setup_django()
    from awn.assistant.answering import assistant_ask
    from awn.assistant.embeddings import default_embedder
    from awn.assistant.retrieval import KnowledgeIndex

    index = KnowledgeIndex(kb_docs(kb), embedder=default_embedder())
    rows = load_corpus()
    chosen = np.random.default_rng(0).choice(len(rows), min(n, len(rows)), replace=False)
    texts = [rows[int(i)]["text"] for i in chosen]
    assistant_ask("تجربة", index=index)  # models loaded before the clock starts
    cpu, wall, answers = [], [], []
    for text in texts:
        w0, c0 = time.perf_counter(), time.process_time()
        result = assistant_ask(text, index=index)
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
        answers.append(_answer_record(text, result))
    return {
        "n": len(texts),
        "cpu_ms": {"p50": float(np.percentile(cpu, 50)), "p95": float(np.percentile(cpu, 95))},
        "wall_ms": {"p50": float(np.percentile(wall, 50)), "p95": float(np.percentile(wall, 95))},
        "answers": answers,
    }


def compare(before_path: Path, after_path: Path) -> int:
    before = json.loads(before_path.read_text(encoding="utf-8"))["answers"]
    after = json.loads(after_path.read_text(encoding="utf-8"))["answers"]
    differ = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    print(f"{len(before)} questions, {len(differ)} answers differ")
    for a, b in differ[:10]:
        keys = [key for key in a if a[key] != b.get(key)]
        print(f"  {a['text'][:60]!r}: {', '.join(f'{k} {a[k]!r} → {b[k]!r}' for k in keys)}")
    return 1 if differ else 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--compare", type=Path, nargs=2, default=None, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.compare:
        raise SystemExit(compare(*args.compare))
    report = run(args.n, args.kb)
    for name in ("cpu_ms", "wall_ms"):
        print(
            f"{name:8s} p50 {report[name]['p50']:7.2f} ms  p95 {report[name]['p95']:7.2f} ms  (n={report['n']})"
        )
    if args.out:
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
