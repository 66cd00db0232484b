"""The reranker over retrieval's first articles (rerank.py): neighbours told apart, no weights file, bad input.

The knowledge base is the 40-article snapshot of ../shared/eval/kb.jsonl the knowledge tests import; the questions
are written here (not taken from the corpus or an evaluation file).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from django.test import Client

from awn.assistant import rerank
from awn.assistant.embeddings import PassageCache, default_embedder
from awn.assistant.rerank import (
    FEATURE_NAMES,
    RERANK_FILE,
    TOP_K,
    WORD_BUCKETS,
    Reranker,
    candidates,
    load_reranker,
    reranked,
)
from awn.assistant.retrieval import KnowledgeIndex
from bench.assistant.corpus import kb_docs

ASK = "/api/v1/assistant/ask"
FULL_KB = Path(__file__).resolve().parents[2] / "knowledge" / "tests" / "fixtures" / "eval_kb.jsonl"


@pytest.fixture(scope="module")
def index() -> KnowledgeIndex:
    """Lexical retrieval over the 40 articles (no e5: fast; the reranker reads the same features either way)."""
    return KnowledgeIndex(kb_docs(FULL_KB), embedder=None)


@pytest.fixture(scope="module")
def dense_index(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeIndex:
    """The runtime's retrieval (lexical + the fine-tuned e5) over the 40 articles."""
    embedder = default_embedder()
    if embedder is None:
        pytest.skip("no e5 model on this platform")
    cache = PassageCache(tmp_path_factory.mktemp("e5") / "passages.npz")
    return KnowledgeIndex(kb_docs(FULL_KB), embedder=embedder, cache=cache)


@pytest.fixture
def no_default_reranker() -> Iterator[None]:
    rerank.default_reranker.cache_clear()
    yield
    rerank.default_reranker.cache_clear()


def first_ids(index: KnowledgeIndex, question: str, model: Reranker | None) -> list[str]:
    vector = index.query_vector(question)
    ranking = index.rank(question, vector=vector)
    if model is not None:
        ranking = model.rerank(question, ranking, index, vector)
    return [hit.article.external_id for hit in ranking.top(3)]


@pytest.mark.parametrize(
    ("question", "article_id"),
    [
        # Same words, one detail apart: the principal has approved the grades (kb-030) or not yet (kb-029).
        pytest.param(
            "معلمة: رصدت درجة طالبة خطأ، والمدير اعتمد الدرجات أمس، كيف أغيرها الآن؟",
            "kb-030",
            marks=pytest.mark.xfail(reason="a known error of the reranker, reported in bench/RESULTS.md"),
        ),
        ("معلمة: رصدت درجة طالبة خطأ، والمدير لم يعتمد الدرجات حتى الآن، كيف أغيرها؟", "kb-029"),
        # The father links his child (kb-015); the mother is added as a second guardian (kb-017).
        pytest.param(
            "انا ام الطالب وعندي حساب جديد، كيف يطلع ولدي عندي في حسابي؟",
            "kb-017",
            marks=pytest.mark.xfail(reason="a known error of the reranker, reported in bench/RESULTS.md"),
        ),
        ("انا ابو الطالب وعندي حساب جديد، كيف يطلع ولدي عندي في حسابي؟", "kb-015"),
        # Moving to another city (kb-008) against an ordinary transfer (kb-005).
        ("انتقلنا من جدة إلى الدمام بسبب عمل زوجي، كيف أنقل ابنتي إلى مدرسة هناك؟", "kb-008"),
        ("ابغى انقل بنتي لمدرسة ثانية اقرب لبيتنا في نفس الحي، كيف؟", "kb-005"),
    ],
)
def test_the_committed_reranker_tells_a_handwritten_neighbour_pair_apart(
    dense_index: KnowledgeIndex, question: str, article_id: str
) -> None:
    model = load_reranker()
    assert model is not None, f"{RERANK_FILE} should be committed"
    assert model.profiles is not None and dense_index.embedder is not None
    assert model.profiles.embedder == dense_index.embedder.name  # the profiles are read, not skipped
    assert first_ids(dense_index, question, model)[0] == article_id


def test_a_reranker_moves_only_the_first_articles_and_keeps_their_scores(index: KnowledgeIndex) -> None:
    question = "المدير اعتمد الدرجات وفيها درجة خاطئة"
    ranking = index.rank(question)
    # A hand-set model that reads only the words no other candidate has: it must reorder, never add or drop.
    weights = np.zeros(len(FEATURE_NAMES))
    weights[FEATURE_NAMES.index("unique_overlap")] = 10.0
    model = Reranker(weights, np.zeros(WORD_BUCKETS))
    after = model.rerank(question, ranking, index)
    before_top = {hit.article.external_id for hit in ranking.top(TOP_K)}
    after_top = {hit.article.external_id for hit in after.top(TOP_K)}
    assert before_top == after_top
    assert sorted(after.fused[np.isfinite(after.fused)]) == sorted(ranking.fused[np.isfinite(ranking.fused)])
    assert np.array_equal(after.dense, ranking.dense) and np.array_equal(after.lexical, ranking.lexical)
    # Beyond the first TOP_K nothing moves.
    assert [h.article.pk for h in after.top(40)][TOP_K:] == [h.article.pk for h in ranking.top(40)][TOP_K:]


def test_missing_weights_file_falls_back_to_plain_retrieval(
    index: KnowledgeIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_default_reranker: None
) -> None:
    missing = tmp_path / "nowhere" / "rerank-model.json"
    assert load_reranker(missing) is None
    monkeypatch.setattr(rerank, "RERANK_FILE", missing)
    monkeypatch.setattr(rerank, "load_reranker", lambda path=missing: None)
    question = "نسيت كلمة المرور"
    ranking = index.rank(question)
    assert reranked(question, ranking, index) is ranking


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"features": ["something else"], "weights": [1.0], "word_buckets": WORD_BUCKETS}),
        json.dumps({"features": list(FEATURE_NAMES), "weights": [1.0], "word_buckets": WORD_BUCKETS}),
        json.dumps(
            {"features": list(FEATURE_NAMES), "weights": [0.0] * len(FEATURE_NAMES), "word_buckets": 7}
        ),
        json.dumps([1, 2, 3]),
    ],
)
def test_an_unreadable_weights_file_is_ignored(tmp_path: Path, content: str) -> None:
    path = tmp_path / "rerank-model.json"
    path.write_text(content, encoding="utf-8")
    assert load_reranker(path) is None


def test_weights_round_trip_through_the_file(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    word_weights = np.zeros(WORD_BUCKETS)
    word_weights[[3, 77, 4095]] = [0.5, -1.25, 2.0]
    model = Reranker(rng.normal(size=len(FEATURE_NAMES)), word_weights, top_k=4)
    path = tmp_path / "rerank-model.json"
    model.save(path)
    loaded = load_reranker(path)
    assert loaded is not None
    assert np.allclose(loaded.weights, model.weights, atol=1e-6)
    assert np.allclose(loaded.word_weights, word_weights)
    assert loaded.top_k == 4


@pytest.mark.parametrize(
    "question",
    ["", "   ", "😀🎉👍" * 10, "كلمة المرور " * 9000, "<script>alert(1)</script>", "\x00\x01\x02"],
    ids=["empty", "blank", "emoji", "100kB", "html", "binary"],
)
def test_bad_input_is_safe(index: KnowledgeIndex, question: str) -> None:
    model = load_reranker()
    assert model is not None
    ranking = index.rank(question)
    found = candidates(question, ranking, index)
    assert found.features.shape[1] == len(FEATURE_NAMES)
    assert np.isfinite(found.features).all()
    result = model.rerank(question, ranking, index)
    assert len(result.top(3)) == len(ranking.top(3))


def test_the_committed_weights_are_small() -> None:
    assert RERANK_FILE.stat().st_size < 500_000


def test_bad_input_through_the_api_never_fails(kb: None, client: Client) -> None:
    for question in ("😀🎉👍", "<script>alert(1)</script>", "نسيت كلمة المرور " * 1000):
        response = client.post(ASK, {"question": question}, content_type="application/json")
        assert response.status_code == 200, response.content
        assert "answer" in response.json()
    # 100 kB is refused at the boundary with a clear message naming the field, not a 500.
    response = client.post(ASK, {"question": "ا" * 100_000}, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "question"


def test_reranking_costs_well_under_10_ms_of_cpu_per_question(dense_index: KnowledgeIndex) -> None:
    model = load_reranker()
    assert model is not None
    questions = [
        "نسيت كلمة المرور وما اقدر ادخل",
        "كيف انقل ولدي لمدرسة ثانية",
        "المدير اعتمد الدرجات وفيها غلط",
        "ولدي ما يطلع في حسابي",
        "how do I download the certificate?",
    ] * 4
    prepared = []
    for question in questions:
        vector = dense_index.query_vector(question)
        prepared.append((question, dense_index.rank(question, vector=vector), vector))
    spent = []
    for question, ranking, vector in prepared:
        started = time.process_time()
        model.rerank(question, ranking, dense_index, vector)
        spent.append(time.process_time() - started)
    assert float(np.median(spent)) < 0.010
