"""The training corpus and its features: every row read once into the decision's inputs (cached under var/).

Rows come from awn/assistant/data/corpus/*.jsonl (data card: awn/assistant/data/README.md); the knowledge base the
retrieval features are computed against is the one the corpus was written from (../shared/eval/kb.jsonl).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS_DIR = ROOT / "awn" / "assistant" / "data" / "corpus"
DEFAULT_KB = ROOT.parent / "shared" / "eval" / "kb.jsonl"


def setup_django() -> None:
    import django

    django.setup()


def load_corpus(directory: Path = CORPUS_DIR) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


def kb_docs(path: Path) -> list[Any]:
    from awn.assistant.retrieval import ArticleDoc

    docs = []
    with path.open(encoding="utf-8") as handle:
        for pk, line in enumerate((line for line in handle if line.strip()), start=1):
            row = json.loads(line)
            docs.append(
                ArticleDoc(
                    pk=pk,
                    external_id=row["id"],
                    category=row.get("category", "other"),
                    title_ar=row["title_ar"],
                    body_ar=row["body_ar"],
                    title_en=row.get("title_en", ""),
                    body_en=row.get("body_en", ""),
                    tags=tuple(row.get("tags") or ()),
                    public=row.get("visibility", "public") == "public",
                )
            )
    return docs


@dataclass
class CorpusFeatures:
    """Row-aligned arrays: the decision's inputs and the labels cross-validation needs."""

    ngram_texts: list[str]
    embeddings: np.ndarray
    retrieval: np.ndarray
    cues: np.ndarray
    top_ids: list[list[str]]  # the first three articles retrieved
    labels: np.ndarray  # index into decision.CLASSES
    kb_ids: list[str]  # "" when no article resolves the need
    groups: np.ndarray  # family index
    dialects: list[str]
    families: list[str]

    def subset(self, rows: np.ndarray) -> CorpusFeatures:
        return CorpusFeatures(
            [self.ngram_texts[i] for i in rows],
            self.embeddings[rows],
            self.retrieval[rows],
            self.cues[rows],
            [self.top_ids[i] for i in rows],
            self.labels[rows],
            [self.kb_ids[i] for i in rows],
            self.groups[rows],
            [self.dialects[i] for i in rows],
            [self.families[i] for i in rows],
        )

    @property
    def top1_right(self) -> np.ndarray:
        return np.array(
            [
                bool(kb) and bool(top) and top[0] == kb
                for kb, top in zip(self.kb_ids, self.top_ids, strict=True)
            ]
        )


def cache_key(rows: list[dict[str, Any]], kb_path: Path, embedder: Any) -> str:
    """The corpus texts, the knowledge base, the embedder and the feature version."""
    from awn.assistant.decision import FEATURES_VERSION

    digest = hashlib.blake2b(digest_size=12)
    digest.update(json.dumps([r["text"] for r in rows], ensure_ascii=False).encode())
    digest.update(kb_path.read_bytes())
    digest.update((embedder.name if embedder else "none").encode())
    digest.update(FEATURES_VERSION.encode())
    return digest.hexdigest()


def _query_vectors(texts: list[str], embedder: Any, *, cache: bool) -> np.ndarray:
    """The e5 query vectors of the texts (what KnowledgeIndex.query_vector computes), cached apart from the
    features: a change to the features does not embed the corpus again, and a grown corpus embeds only its new
    texts (every cached file stores its texts beside their vectors)."""
    from django.conf import settings

    from awn.assistant.question import MAX_QUESTION_CHARS, dense_query

    directory = Path(settings.VAR_DIR) / "models"
    digest = hashlib.blake2b(digest_size=12)
    digest.update(json.dumps(texts, ensure_ascii=False).encode())
    digest.update(embedder.name.encode())
    path = directory / f"assistant_corpus_vectors_{digest.hexdigest()}.npz"
    known: dict[str, np.ndarray] = {}
    if cache:
        for other in directory.glob("assistant_corpus_vectors_*.npz"):
            with np.load(other, allow_pickle=False) as data:
                if str(data["embedder"]) == embedder.name:
                    known.update(zip(data["texts"].tolist(), data["vectors"], strict=True))
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    for start in range(0, len(missing), 64):
        chunk = missing[start : start + 64]
        vectors = embedder.queries([dense_query(t[:MAX_QUESTION_CHARS]) for t in chunk])
        known.update(zip(chunk, np.asarray(vectors, dtype=np.float32), strict=True))
    result = np.stack([known[t] for t in texts]).astype(np.float32)
    if cache and (missing or not path.exists()):
        directory.mkdir(parents=True, exist_ok=True)
        np.savez(path, texts=np.array(texts), vectors=result, embedder=np.array(embedder.name))
    return result


def featurize(rows: list[dict[str, Any]], kb_path: Path, *, cache: bool = True) -> CorpusFeatures:
    """Every row's decision inputs, computed as answering computes them (cached by corpus, KB and embedder)."""
    from django.conf import settings

    from awn.assistant.decision import CLASSES, DecisionInput
    from awn.assistant.embeddings import default_embedder
    from awn.assistant.retrieval import KnowledgeIndex

    embedder = default_embedder()
    cache_path = (
        Path(settings.VAR_DIR) / "models" / f"assistant_corpus_{cache_key(rows, kb_path, embedder)}.npz"
    )

    families = sorted({r["family"] for r in rows})
    family_index = {name: i for i, name in enumerate(families)}
    labels = np.array([CLASSES.index(r["decision"]) for r in rows])
    kb_ids = [r.get("kb_id") or "" for r in rows]
    groups = np.array([family_index[r["family"]] for r in rows])
    dialects = [r.get("dialect", "") for r in rows]
    row_families = [r["family"] for r in rows]
    if cache and cache_path.exists():
        with np.load(cache_path, allow_pickle=False) as data:
            return CorpusFeatures(
                list(data["ngram_texts"]),
                data["embeddings"],
                data["retrieval"],
                data["cues"],
                [list(t) for t in data["top_ids"]],
                labels,
                kb_ids,
                groups,
                dialects,
                row_families,
            )
    index = KnowledgeIndex(kb_docs(kb_path), embedder=embedder)
    texts = [r["text"] for r in rows]
    vectors: list[np.ndarray | None] = [None] * len(texts)
    if index.dense_enabled and embedder is not None:
        vectors = list(_query_vectors(texts, embedder, cache=cache))
    inputs, top_ids = [], []
    for text, vector in zip(texts, vectors, strict=True):
        question = index.read(text, vector)
        hits = index.rank(question).top(3)
        inputs.append(DecisionInput.of(question, hits, index.shared_text(hits)))
        top_ids.append([hit.article.external_id for hit in hits] + [""] * (3 - len(hits)))
    features = CorpusFeatures(
        [item.ngram_text for item in inputs],
        np.stack([item.embedding for item in inputs]),
        np.stack([item.retrieval for item in inputs]),
        np.stack([item.cues for item in inputs]),
        top_ids,
        labels,
        kb_ids,
        groups,
        dialects,
        row_families,
    )
    if cache:
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(
            cache_path,
            ngram_texts=np.array(features.ngram_texts),
            embeddings=features.embeddings,
            retrieval=features.retrieval,
            cues=features.cues,
            top_ids=np.array(top_ids),
        )
    return features


def concat(first: CorpusFeatures, second: CorpusFeatures) -> CorpusFeatures:
    return CorpusFeatures(
        first.ngram_texts + second.ngram_texts,
        np.concatenate([first.embeddings, second.embeddings]),
        np.concatenate([first.retrieval, second.retrieval]),
        np.concatenate([first.cues, second.cues]),
        first.top_ids + second.top_ids,
        np.concatenate([first.labels, second.labels]),
        first.kb_ids + second.kb_ids,
        np.concatenate([first.groups, second.groups]),
        first.dialects + second.dialects,
        first.families + second.families,
    )


def small_kb_copies(
    rows: list[dict[str, Any]], kb_path: Path, base: CorpusFeatures, *, subsets: int = 16, seed: int = 0
) -> CorpusFeatures:
    """Every row once more, with its retrieval features computed against a small random knowledge base (6–20 of
    the articles, always holding the row's own article) instead of the whole one.

    The retrieval features are built to mean the same for 6 articles or 600, but the articles around the first
    one still shape them (the median article of six related ones is closer than that of forty); a model that has
    only seen the 40-article base misreads a small one. The copies keep their family, so they share its fold.
    """
    from awn.assistant.decision import DecisionInput
    from awn.assistant.embeddings import default_embedder
    from awn.assistant.retrieval import KnowledgeIndex

    docs = kb_docs(kb_path)
    rng = np.random.default_rng(seed)
    chosen = [
        set(rng.choice(len(docs), size=int(rng.integers(6, 21)), replace=False).tolist())
        for _ in range(subsets)
    ]
    position = {doc.external_id: i for i, doc in enumerate(docs)}
    for i in range(len(docs)):  # every article in at least one small base
        if not any(i in members for members in chosen):
            chosen[int(rng.integers(subsets))].add(i)
    embedder = default_embedder()
    indexes = [KnowledgeIndex([docs[i] for i in sorted(members)], embedder=embedder) for members in chosen]
    retrieval, top_ids = [], []
    for row, text in enumerate(r["text"] for r in rows):
        gold = position.get(base.kb_ids[row])
        fitting = [s for s, members in enumerate(chosen) if gold is None or gold in members]
        index = indexes[fitting[int(rng.integers(len(fitting)))]]
        vector = base.embeddings[row] if index.dense_enabled else None
        question = index.read(text, vector)
        hits = index.rank(question).top(3)
        retrieval.append(DecisionInput.of(question, hits, index.shared_text(hits)).retrieval)
        top_ids.append([hit.article.external_id for hit in hits] + [""] * (3 - len(hits)))
    return CorpusFeatures(
        list(base.ngram_texts),
        base.embeddings,
        np.stack(retrieval),
        base.cues,
        top_ids,
        base.labels,
        list(base.kb_ids),
        base.groups,
        list(base.dialects),
        list(base.families),
    )
