"""Thresholds of awn/assistant/clusters.py chosen on synthetic tickets, and its cost at the bound (5,000 tickets).

    .venv/bin/python -m bench.cluster_threshold [--timing 1000]

Data: bench/data/cluster_synthetic.json (12 topics × 8 tickets written for this, never the eval files; 6 topics
have an article). Criteria, stated before looking at the figures:
- clustering distance: the average-linkage cosine distance with the best pairwise F1 (pairs of tickets put
  together vs pairs of the same written topic). Honesty check: 2-fold cross-validation over topics, repeated on
  30 random halves: choose on one half of the topics, score on the other.
- coverage: a topic is covered when its centroid's best cosine to an article passage reaches the threshold; the
  threshold is the midpoint between the lowest covered and the highest uncovered topic when they separate
  (else the value with the best balanced accuracy), each topic scored leaving its own figure out of the choice.
Timing: embedding `--timing` distinct ticket texts (cold cache), and clustering 5,000 vectors. Last line: JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from itertools import combinations
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
DATA = Path(__file__).parent / "data" / "cluster_synthetic.json"
GRID = [round(0.04 + 0.02 * i, 2) for i in range(29)]  # 0.04 … 0.60


def pairwise_f1(labels: list[int], groups: list[list[int]]) -> float:
    predicted = {i: g for g, members in enumerate(groups) for i in members}
    tp = fp = fn = 0
    for a, b in combinations(range(len(labels)), 2):
        same_true, same_pred = labels[a] == labels[b], predicted[a] == predicted[b]
        tp += same_true and same_pred
        fp += same_pred and not same_true
        fn += same_true and not same_pred
    return 2 * tp / max(1, 2 * tp + fp + fn)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timing", type=int, default=1000, help="distinct texts to embed for the timing")
    parser.add_argument(
        "--read", choices=["raw", "dense"], default="dense", help="text as typed, or as retrieval reads it"
    )
    parser.add_argument("--method", default="average", help="scipy linkage method")
    parser.add_argument("--mode", choices=["query", "passage"], default="query", help="e5 prefix of tickets")
    args = parser.parse_args(argv)
    import django

    django.setup()
    import numpy as np

    from awn.assistant.clusters import cluster_vectors, ticket_text
    from awn.assistant.embeddings import E5Embedder

    topics = json.loads(DATA.read_text(encoding="utf-8"))["topics"]
    started = time.perf_counter()
    embedder = E5Embedder()
    load_s = time.perf_counter() - started
    texts = [ticket_text(t, "") for topic in topics for t in topic["tickets"]]
    labels = [k for k, topic in enumerate(topics) for _t in topic["tickets"]]
    from awn.assistant.question import dense_query

    read = dense_query if args.read == "dense" else (lambda text: text)
    vectors = (embedder.queries if args.mode == "query" else embedder.passages)([read(t) for t in texts])

    def f1_at(topic_ids: list[int], threshold: float) -> float:
        rows = [i for i, label in enumerate(labels) if label in topic_ids]
        groups = cluster_vectors(vectors[rows], threshold=threshold, method=args.method)
        return pairwise_f1([labels[i] for i in rows], groups)

    everyone = list(range(len(topics)))
    full = {t: f1_at(everyone, t) for t in GRID}
    best = max(GRID, key=lambda t: (full[t], -t))
    rng = random.Random(7)
    chosen, held_out = [], []
    for _ in range(30):
        shuffled = everyone[:]
        rng.shuffle(shuffled)
        fit, test = shuffled[:6], shuffled[6:]
        pick = max(GRID, key=lambda t: (f1_at(fit, t), -t))
        chosen.append(pick)
        held_out.append(f1_at(test, pick))

    articles = [(k, topic["article"]) for k, topic in enumerate(topics) if topic["article"]]
    passages = [text[:300] for _k, text in articles] + [text.split(":")[0] for _k, text in articles]
    article_vectors = embedder.passages(passages)
    coverage = []
    for k in everyone:
        centroid = vectors[[i for i, label in enumerate(labels) if label == k]].mean(axis=0)
        centroid /= np.linalg.norm(centroid)
        coverage.append(float((article_vectors @ centroid).max()))
    covered = [bool(topic["article"]) for topic in topics]

    def cut(keep: list[int]) -> float:
        low = min(coverage[k] for k in keep if covered[k])
        high = max(coverage[k] for k in keep if not covered[k])
        if low > high:
            return (low + high) / 2
        candidates = sorted(coverage[k] for k in keep)
        return max(
            candidates,
            key=lambda c: (
                np.mean([(coverage[k] >= c) == covered[k] for k in keep if covered[k]])
                + np.mean([(coverage[k] >= c) == covered[k] for k in keep if not covered[k]])
            ),
        )

    coverage_cut = cut(everyone)
    loo_right = sum((coverage[k] >= cut([j for j in everyone if j != k])) == covered[k] for k in everyone)

    timing_texts = [f"{texts[i % len(texts)]} رقم الطلب {i}" for i in range(args.timing)]
    started = time.perf_counter()
    (embedder.queries if args.mode == "query" else embedder.passages)(timing_texts)
    embed_s = time.perf_counter() - started
    big = np.repeat(vectors, 5000 // len(vectors) + 1, axis=0)[:5000]
    big = big + np.random.default_rng(0).normal(0, 0.01, big.shape).astype(np.float32)
    started = time.perf_counter()
    cluster_vectors(big, threshold=best, method=args.method)
    cluster_s = time.perf_counter() - started
    load = os.getloadavg()[0]
    for t in GRID:
        print(f"distance {t:.2f}: pairwise F1 {full[t]:.3f}")
    for k, topic in enumerate(topics):
        print(f"{topic['name']:>15} covered={covered[k]!s:5} best article cosine {coverage[k]:.3f}")
    result = {
        "mode": args.mode,
        "read": args.read,
        "method": args.method,
        "distance_threshold": best,
        "pairwise_f1_all_topics": round(full[best], 3),
        "cv_choices": sorted(set(chosen)),
        "cv_held_out_f1_mean": round(float(np.mean(held_out)), 3),
        "cv_held_out_f1_min": round(float(np.min(held_out)), 3),
        "coverage_threshold": round(coverage_cut, 3),
        "coverage_leave_one_topic_out_right": f"{loo_right}/{len(topics)}",
        "model_load_s": round(load_s, 2),
        "embed_texts": args.timing,
        "embed_s": round(embed_s, 1),
        "cluster_5000_s": round(cluster_s, 2),
        "load_1min": round(load, 1),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
