"""CPU time per question of the assistant's read (embed + rank) and of the learned decision, on corpus questions.

    nice -n 5 .venv/bin/python -m bench.assistant.latency --n 300

CPU time (time.process_time, one question at a time) rather than wall time: the shared VM's load would otherwise
be most of the figure. Wall time is printed beside it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from .corpus import DEFAULT_KB, kb_docs, load_corpus, setup_django


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args(argv)
    setup_django()
    from awn.assistant.answering import read_for_decision
    from awn.assistant.decision import DecisionModel
    from awn.assistant.embeddings import default_embedder
    from awn.assistant.retrieval import KnowledgeIndex

    started = time.perf_counter()
    model = DecisionModel.load()
    print(f"model load {time.perf_counter() - started:.3f} s")
    index = KnowledgeIndex(kb_docs(DEFAULT_KB), embedder=default_embedder())
    rows = load_corpus()
    texts = [rows[int(i)]["text"] for i in np.random.default_rng(0).choice(len(rows), args.n, replace=False)]
    read_for_decision("تجربة", index)
    read_cpu, decide_cpu, wall = [], [], []
    for text in texts:
        w0, c0 = time.perf_counter(), time.process_time()
        features = read_for_decision(text, index)
        c1 = time.process_time()
        model.decide(features)
        c2, w1 = time.process_time(), time.perf_counter()
        read_cpu.append((c1 - c0) * 1000)
        decide_cpu.append((c2 - c1) * 1000)
        wall.append((w1 - w0) * 1000)
    for name, values in (
        ("read (embed+rank+rerank) CPU", read_cpu),
        ("decide CPU", decide_cpu),
        ("both, wall", wall),
    ):
        print(f"{name:24s} p50 {np.percentile(values, 50):7.1f} ms  p95 {np.percentile(values, 95):7.1f} ms")


if __name__ == "__main__":
    main()
