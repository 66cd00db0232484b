"""The knowledge base's topic neighbours: the article pairs that share most of their words.

    .venv/bin/python -m bench.assistant.neighbours [--kb ../shared/eval/kb.jsonl] [--top 30]

Each article is its title and body, read as the reranker reads it (normalized, light-stemmed words); two
articles' similarity is the cosine of their IDF-weighted word counts. The retrieval index's own character n-gram
similarity (KnowledgeIndex.shared_text) is printed beside it. The contrastive pairs of
awn/assistant/data/corpus/contrast_a.jsonl were written for the first pairs of this list.
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from pathlib import Path

from .corpus import DEFAULT_KB, kb_docs, setup_django


def word_vectors(texts: list[str]) -> list[dict[str, float]]:
    from awn.core.text.arabic import stem, tokenize

    counts = [Counter(stem(token) for token in tokenize(text)) for text in texts]
    frequency = Counter(word for count in counts for word in count)
    vectors = []
    for count in counts:
        vector = {w: (1 + math.log(c)) * math.log(len(texts) / frequency[w]) for w, c in count.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors.append({w: v / norm for w, v in vector.items()})
    return vectors


def neighbours(kb: Path) -> list[tuple[float, float, str, str]]:
    """(word cosine, character n-gram cosine, article, article) for every pair, most similar first."""
    import numpy as np

    from awn.assistant.retrieval import KnowledgeIndex

    docs = kb_docs(kb)
    vectors = word_vectors([f"{d.title_ar} {d.body_ar}" for d in docs])
    index = KnowledgeIndex(docs, embedder=None)
    shared = np.asarray(index._shared)
    pairs = []
    for i in range(len(docs)):
        for j in range(i + 1, len(docs)):
            words = sum(v * vectors[j].get(w, 0.0) for w, v in vectors[i].items())
            pairs.append((words, float(shared[i, j]), docs[i].external_id, docs[j].external_id))
    return sorted(pairs, reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    setup_django()
    print("words  chars  pair")
    for words, chars, first, second in neighbours(args.kb)[: args.top]:
        print(f"{words:.3f}  {chars:.3f}  {first} {second}")


if __name__ == "__main__":
    main()
