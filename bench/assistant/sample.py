"""A sample of the training corpus in the eval file format, to time the assistant without touching the dev file.

    .venv/bin/python -m bench.assistant.sample --n 300 > var/corpus_sample.jsonl
    .venv/bin/python manage.py eval_assistant --kb ../shared/eval/kb.jsonl --queries var/corpus_sample.jsonl

Only its latency (p50/p95) and load time mean anything: the decision was trained on these rows, so its accuracy
figures on them are in-sample.
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np

from .corpus import load_corpus


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rows = load_corpus()
    chosen = np.random.default_rng(args.seed).choice(len(rows), size=min(args.n, len(rows)), replace=False)
    for i in sorted(chosen):
        row = rows[int(i)]
        out = {
            "id": row["id"],
            "text": row["text"],
            "kb_id": row["kb_id"] if row["decision"] == "answer" else None,
            "handoff_expected": row["decision"] != "answer",
            "category": row["category"],
            "dialect": row["dialect"],
        }
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
