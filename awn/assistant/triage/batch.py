"""Triage of many texts at once, with the knowledge base: what `answering.triage_with_knowledge` gives one text.

The worker triages new tickets in batches: their dense query vectors come from one call of the embedder (vectors
the assistant already computed for the same question, on the portal or in a chat, are reused: QueryMemo in
embeddings.py), the category model scores them all in one matrix product, and the lexical retrieval reads them
in one TF-IDF transform. Results are those of the one-text path (awn/assistant/tests/test_triage_batch.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from ..answering import TOPIC_CUE_CONFIDENCE, agreed_category, cue_topic, current_index
from ..handoff import handoff_cues
from ..question import MAX_QUESTION_CHARS, dense_query
from ..retrieval import KnowledgeIndex
from .engine import OTHER, TriageResult, triage_texts


def query_vectors(index: KnowledgeIndex, texts: Sequence[str]) -> list[np.ndarray | None]:
    """`index.query_vector` of every text, from one call of the embedder (None where that gives None)."""
    wanted = [i for i, text in enumerate(texts) if text.strip()]
    out: list[np.ndarray | None] = [None] * len(texts)
    if not index.dense_enabled or not wanted or index.embedder is None:
        return out
    vectors = index.embedder.queries([dense_query(texts[i][:MAX_QUESTION_CHARS]) for i in wanted])
    for i, vector in zip(wanted, vectors, strict=True):
        out[i] = vector
    return out


def triage_many_with_knowledge(texts: Sequence[str]) -> list[TriageResult]:
    """`triage_with_knowledge` of each text, computed together."""
    texts = list(texts)
    if not texts:
        return []
    index = current_index()
    vectors = query_vectors(index, texts)
    out = triage_texts(texts, embeddings=vectors)
    ranked = []  # the texts whose category the retrieval has a say in
    for i, (text, triage) in enumerate(zip(texts, out, strict=True)):
        if triage.category == OTHER:
            continue
        topic = cue_topic(handoff_cues(text), triage)
        if topic:
            confidence = max(
                TOPIC_CUE_CONFIDENCE, triage.category_confidence if triage.category == topic else 0.0
            )
            out[i] = replace(triage, category=topic, category_confidence=confidence)
        else:
            ranked.append(i)
    rankings = index.rank_many(
        [texts[i] for i in ranked], [vectors[i] for i in ranked], include_internal=True
    )
    for i, ranking in zip(ranked, rankings, strict=True):
        category, confidence = agreed_category(out[i], ranking)
        out[i] = replace(out[i], category=category, category_confidence=confidence)
    return out
