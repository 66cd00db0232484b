"""The decision's training code (bench/assistant/): a small slice retrains deterministically, grouped folds keep
families together, the figures are well-formed, and the committed model has the committed parameters' shape."""

from __future__ import annotations

import time

import numpy as np
import pytest

from awn.assistant.decision import (
    CLASSES,
    CUE_NAMES,
    MODEL_JSON,
    NGRAM_BUCKETS,
    RETRIEVAL_NAMES,
    DecisionInput,
    DecisionModel,
)
from awn.assistant.embeddings import DIMENSIONS
from awn.assistant.retrieval import KnowledgeIndex
from bench.assistant import selection
from bench.assistant.corpus import CorpusFeatures, kb_docs, load_corpus
from conftest import SMALL_KB


@pytest.fixture(scope="module")
def small_slice() -> CorpusFeatures:
    """Three families of every class, the answers about the six fixture articles (lexical retrieval over them,
    no e5: fast)."""
    rows = load_corpus()
    docs = kb_docs(SMALL_KB)
    fixture_ids = {doc.external_id for doc in docs}
    chosen: list[dict[str, object]] = []
    for label in CLASSES:
        pool = [
            r for r in rows if r["decision"] == label and (label != "answer" or r["kb_id"] in fixture_ids)
        ]
        families = sorted({r["family"] for r in pool})[: 6 if label == "answer" else 3]
        chosen.extend(r for r in pool if r["family"] in families)
    index = KnowledgeIndex(docs, embedder=None)
    inputs = []
    top_ids = []
    for row in chosen:
        question = index.read(str(row["text"]))
        hits = index.rank(question).top(3)
        inputs.append(DecisionInput.of(question, hits, index.shared_text(hits)))
        top_ids.append([h.article.external_id for h in hits])
    families = sorted({str(r["family"]) for r in chosen})
    return CorpusFeatures(
        [i.ngram_text for i in inputs],
        np.stack([i.embedding for i in inputs]),
        np.stack([i.retrieval for i in inputs]),
        np.stack([i.cues for i in inputs]),
        top_ids,
        np.array([CLASSES.index(str(r["decision"])) for r in chosen]),
        [str(r.get("kb_id") or "") for r in chosen],
        np.array([families.index(str(r["family"])) for r in chosen]),
        [str(r["dialect"]) for r in chosen],
        [str(r["family"]) for r in chosen],
    )


def test_retraining_a_slice_gives_the_same_model_twice(small_slice: CorpusFeatures) -> None:
    params = selection.Params(c=4.0, max_iter=40)
    first, second = selection.fit(small_slice, params), selection.fit(small_slice, params)
    assert np.array_equal(first.weights, second.weights)
    assert np.array_equal(first.bias, second.bias)
    assert first.weights.shape == (
        len(CLASSES),
        NGRAM_BUCKETS + DIMENSIONS + len(RETRIEVAL_NAMES) + len(CUE_NAMES),
    )


def test_grouped_folds_keep_each_family_in_one_fold(small_slice: CorpusFeatures) -> None:
    fold = selection.folds(small_slice, 3)
    for group in set(small_slice.groups.tolist()):
        assert len(set(fold[small_slice.groups == group].tolist())) == 1
    assert set(fold.tolist()) == {0, 1, 2}


def test_cross_validation_gives_figures_between_0_and_1(small_slice: CorpusFeatures) -> None:
    params = selection.Params(c=4.0, max_iter=40)
    fold = selection.folds(small_slice, 3)
    logits, right = selection.out_of_fold(small_slice, params, fold, log=lambda _: None)
    probabilities, confidence, answer, thresholds = selection.cross_fitted(small_slice, logits, right, fold)
    figures = selection.figures(small_slice, probabilities, confidence, answer)
    for name in ("handoff_precision", "handoff_recall", "handoff_f1", "answered_right", "ece"):
        assert 0.0 <= figures[name] <= 1.0, name
    assert len(thresholds) == 3 and all(0 < t < 1 for t in thresholds)
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_the_cost_counts_each_kind_of_mistake(small_slice: CorpusFeatures) -> None:
    """Missed handoff 4, wrong article 1.5, unneeded handoff 1, right decisions 0 (the stated cost)."""
    needs_person = small_slice.labels != CLASSES.index("answer")
    right = small_slice.top1_right
    answer_all = selection.costs(small_slice, np.ones(len(needs_person), dtype=bool))
    hand_all = selection.costs(small_slice, np.zeros(len(needs_person), dtype=bool))
    assert set(answer_all[needs_person].tolist()) == {4.0}
    assert set(answer_all[~needs_person & right].tolist()) <= {0.0}
    assert set(answer_all[~needs_person & ~right].tolist()) <= {1.5}
    assert set(hand_all[~needs_person].tolist()) == {1.0}
    assert set(hand_all[needs_person].tolist()) == {0.0}


def test_a_perfectly_calibrated_confidence_has_no_calibration_error() -> None:
    confidence = np.array([0.2] * 10 + [0.8] * 10)
    outcome = np.array([1] * 2 + [0] * 8 + [1] * 8 + [0] * 2)
    assert selection.expected_calibration_error(confidence, outcome) == pytest.approx(0.0)
    assert selection.expected_calibration_error(np.full(10, 0.9), np.zeros(10)) == pytest.approx(0.9)


def test_the_committed_model_has_the_committed_shape_and_loads_fast() -> None:
    started = time.perf_counter()
    model = DecisionModel.load()
    assert time.perf_counter() - started < 5.0
    assert model.classes == CLASSES
    assert model.weights.shape == (
        len(CLASSES),
        NGRAM_BUCKETS + DIMENSIONS + len(RETRIEVAL_NAMES) + len(CUE_NAMES),
    )
    assert model.right_weights.shape == (len(RETRIEVAL_NAMES),)
    assert 0.0 < model.threshold < 1.0 and model.temperature > 0
    assert b"pickle" not in MODEL_JSON.read_bytes()
