"""Cost of the search normalizer on the project's own corpus (issue 13, defect 9): index terms per text and the
time to compute them (what indexing a ticket or rebuilding the index pays per text), and the time to build the
query groups of the probe queries (what every search pays). Pure Python, no database; CPU time of this
process (best of --repeat), so that other load on the machine counts less.

    .venv/bin/python -m bench.search_index_cost [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from awn.core.text.arabizi import index_terms as search_terms  # noqa: E402
from awn.search.selectors import query_groups  # noqa: E402
from bench import search_probe  # noqa: E402

CORPUS = Path(__file__).resolve().parent.parent / "awn" / "assistant" / "data" / "corpus"


def corpus_texts() -> list[str]:
    return [
        json.loads(line)["text"]
        for path in sorted(CORPUS.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _best_of(repeat: int, run: object) -> float:
    timings = []
    for _ in range(repeat):
        start = time.process_time()
        run()  # type: ignore[operator]
        timings.append(time.process_time() - start)
    return min(timings)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    texts = corpus_texts()
    latin = [text for text in texts if any("a" <= ch.lower() <= "z" for ch in text)]
    terms = [len(search_terms(text)) for text in texts]
    queries = [
        typed
        for pairs in (
            search_probe.MUST_MATCH,
            search_probe.DERIVED,
            search_probe.CROSS_SCRIPT,
            search_probe.ARABIZI_TEXT,
            search_probe.ARABIZI_QUERY,
        )
        for _s, typed in pairs
    ]
    index_s = _best_of(args.repeat, lambda: [search_terms(text) for text in texts])
    latin_s = _best_of(args.repeat, lambda: [search_terms(text) for text in latin])
    query_s = _best_of(args.repeat, lambda: [query_groups(q) for q in queries])
    alternatives = [sum(len(g) for g in query_groups(q)) for q in queries]
    print(
        f"texts {len(texts)} (with Latin letters {len(latin)}), terms per text mean {statistics.mean(terms):.2f}"
    )
    print(
        f"index terms: {index_s / len(texts) * 1e6:.1f} µs/text; texts with Latin: {latin_s / len(latin) * 1e6:.1f} µs/text"
    )
    print(
        f"query groups: {query_s / len(queries) * 1e6:.1f} µs/query over {len(queries)} probe queries; "
        f"alternatives per query mean {statistics.mean(alternatives):.1f}, max {max(alternatives)}"
    )


if __name__ == "__main__":
    main()
