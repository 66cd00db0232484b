"""A small learned reranker over retrieval's first articles: it tells topic neighbours apart (issue 12, item 4).

Retrieval's top-1 errors are neighbouring articles (before vs after approval, linking a child vs adding the
mother, a transfer in the same city vs another city): articles that share most of their words, so the fused
scores of the first few are close. The reranker re-orders the first TOP_K articles by a linear score over pairwise
features of (question, article) — the retrieval scores as gaps to the best candidate, the margin to the next
candidate, word overlap on light-stemmed text (all, and only the words no other candidate has), how much of the
article's title the question names — plus a learned weight for each word shared only by the question and that
candidate (hashed into WORD_BUCKETS). None of that names an article: it reads any knowledge base.

For the articles the training corpus was written for, it also reads each article's profile, learned from the
corpus's questions (awn/assistant/data): the centroid of their e5 vectors, how much more often each word occurs
in them than in the other articles' questions (smoothed log-odds), and a ridge classifier's score for the article
from the e5 vector. A profile needs the question's e5 vector from
the embedder the profiles were made with; when one candidate has no profile (a new article) or the vector is
missing, the generic weights decide alone.

The weights are trained by bench/assistant/rerank.py (pairwise logistic regression, chosen by grouped
cross-validation on the corpus) and committed as weights/rerank-model.json, loaded once. Without the file (or
with an unreadable one) retrieval's own order stands. Figures live in bench/RESULTS.md.
"""

from __future__ import annotations

import json
import logging
import threading
import weakref
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from awn.core.text.arabic import stem, tokenize

from .question import Question
from .retrieval import Hit, KnowledgeIndex, Ranking, lexical_document

logger = logging.getLogger(__name__)

RERANK_FILE = Path(__file__).parent / "weights" / "rerank-model.json"
TOP_K = 5
WORD_BUCKETS = 4096
FEATURE_NAMES = (
    "fused_gap",  # fused z-score minus the first candidate's
    "dense_gap",  # e5 cosine minus the best candidate's
    "lexical_gap",  # TF-IDF cosine minus the best candidate's
    "is_first",  # retrieval put it first
    "next_margin",  # fused z-score minus the next candidate's (0 for the last)
    "word_overlap",  # IDF-weighted share of the question's words found in the article
    "unique_overlap",  # ... found in this article and in no other candidate
    "title_match",  # IDF-weighted share of the question's words found in the title
    "title_cover",  # share of the title's words the question names
)
PROFILE_NAMES = (
    "centroid",  # e5 cosine with the centroid of the article's corpus questions
    "centroid_gap",  # ... minus the best candidate's
    "word_odds",  # mean log-odds of the question's words for the article's corpus questions
    "word_odds_gap",  # ... minus the best candidate's
    "article_score",  # a linear (ridge, one-vs-rest) classifier's score for the article from the e5 vector
    "article_score_gap",  # ... minus the best candidate's
)


def question_words(question: str | Question) -> list[str]:
    """The question's light-stemmed words as the lexical retrieval reads them (expanded, Arabizi in Arabic)."""
    return list(Question.of(question).words)


def _words(text: str) -> frozenset[str]:
    return frozenset(stem(token) for token in tokenize(text))


@dataclass(frozen=True)
class ArticleWords:
    """Each article's stemmed words and title words, and the words' IDF over the knowledge base."""

    words: tuple[frozenset[str], ...]
    titles: tuple[frozenset[str], ...]
    idf: dict[str, float]

    @classmethod
    def of(cls, index: KnowledgeIndex) -> ArticleWords:
        words = tuple(_words(lexical_document(doc)) for doc in index.docs)
        titles = tuple(_words(f"{doc.title_ar} {doc.title_en}") for doc in index.docs)
        count = max(1, len(words))
        frequency: dict[str, int] = {}
        for bag in words:
            for word in bag:
                frequency[word] = frequency.get(word, 0) + 1
        idf = {word: float(np.log((1 + count) / (1 + n)) + 1.0) for word, n in frequency.items()}
        return cls(words, titles, idf)

    def weight(self, word: str) -> float:
        # A word no article has still counts as much as the rarest one (it is part of what the user asked).
        return self.idf.get(word, float(np.log(1 + len(self.words))) + 1.0)


_article_words: weakref.WeakKeyDictionary[KnowledgeIndex, ArticleWords] = weakref.WeakKeyDictionary()
_article_words_lock = threading.Lock()


def article_words(index: KnowledgeIndex) -> ArticleWords:
    """The index's ArticleWords, computed once per index (an index is rebuilt when the knowledge base changes)."""
    with _article_words_lock:
        known = _article_words.get(index)
        if known is None:
            known = _article_words[index] = ArticleWords.of(index)
        return known


def word_bucket(word: str) -> int:
    return zlib.crc32(word.encode("utf-8")) % WORD_BUCKETS


@dataclass(frozen=True)
class Candidates:
    """One question's first articles (positions in the index) with their features and discriminative words."""

    rows: np.ndarray  # positions in index.docs, in retrieval's order
    features: np.ndarray  # (len(rows), len(FEATURE_NAMES))
    buckets: tuple[
        tuple[int, ...], ...
    ]  # per candidate: buckets of the words only it shares with the question
    profile: np.ndarray | None = None  # (len(rows), len(PROFILE_NAMES)) when every candidate has a profile


@dataclass(frozen=True)
class Profiles:
    """Per article (by external id): the centroid of its corpus questions' e5 vectors, its words' log-odds, and a
    linear classifier's weights over the e5 vectors (ridge regression on one-hot articles, the corpus questions)."""

    embedder: str
    ids: tuple[str, ...]
    centroids: np.ndarray  # (len(ids), dimensions), unit rows
    odds: tuple[dict[str, float], ...]  # per article: word → log-odds (words absent: `absent`)
    absent: tuple[float, ...]  # per article: the log-odds of a known word it never had
    article_weights: np.ndarray  # (len(ids), dimensions)
    article_bias: np.ndarray  # (len(ids),)

    def position(self, external_id: str) -> int | None:
        try:
            return self.ids.index(external_id)
        except ValueError:
            return None

    @classmethod
    def fit(
        cls,
        embedder: str,
        questions: Sequence[tuple[str, Sequence[str], np.ndarray]],
        classifier: tuple[np.ndarray, np.ndarray] | None = None,
        min_count: int = 2,
    ) -> Profiles:
        """Profiles from (external id, the question's words (question_words), its e5 vector) triples."""
        ids = tuple(sorted({kb for kb, _, _ in questions}))
        where = {kb: i for i, kb in enumerate(ids)}
        vectors = np.zeros((len(ids), len(questions[0][2]) if questions else 0), dtype=np.float64)
        counts: list[dict[str, int]] = [{} for _ in ids]
        for kb, words, vector in questions:
            vectors[where[kb]] += vector
            for word in words:
                counts[where[kb]][word] = counts[where[kb]].get(word, 0) + 1
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        centroids = (vectors / np.where(norms > 0, norms, 1.0)).astype(np.float32)
        total: dict[str, int] = {}
        for count in counts:
            for word, n in count.items():
                total[word] = total.get(word, 0) + n
        vocabulary = {word for word, n in total.items() if n >= min_count}
        all_words = sum(total[w] for w in vocabulary) + len(vocabulary)
        odds, absent = [], []
        for count in counts:
            own = sum(n for w, n in count.items() if w in vocabulary) + len(vocabulary)
            rest = {w: total[w] - count.get(w, 0) for w in vocabulary}
            other_words = all_words - own
            table = {
                w: round(
                    float(np.log((count.get(w, 0) + 1) / own) - np.log((rest[w] + 1) / max(1, other_words))),
                    4,
                )
                for w in vocabulary
                if count.get(w, 0) >= min_count
            }
            odds.append(table)
            absent.append(round(float(np.log(1 / own) - np.log(2 / max(1, other_words))), 4))
        weights, bias = (
            classifier if classifier is not None else (np.zeros_like(centroids), np.zeros(len(ids)))
        )
        return cls(
            embedder,
            ids,
            centroids,
            tuple(odds),
            tuple(absent),
            np.asarray(weights, dtype=np.float32),
            np.asarray(bias, dtype=np.float32),
        )

    def features(
        self, asked: Sequence[str], vector: np.ndarray | None, external_ids: Sequence[str]
    ) -> np.ndarray | None:
        """(len(external_ids), len(PROFILE_NAMES)), or None when a candidate has no profile or no vector."""
        places = [self.position(external_id) for external_id in external_ids]
        if vector is None or not places or any(place is None for place in places):
            return None
        rows = [place for place in places if place is not None]
        centroid = self.centroids[rows] @ np.asarray(vector, dtype=np.float32)
        words = [word for word in asked if word in self.vocabulary]
        odds = np.array(
            [
                float(np.mean([self.odds[row].get(w, self.absent[row]) for w in words])) if words else 0.0
                for row in rows
            ]
        )
        score = (self.article_weights[rows] @ np.asarray(vector, dtype=np.float32)) + self.article_bias[rows]
        return np.stack(
            [centroid, centroid - centroid.max(), odds, odds - odds.max(), score, score - score.max()], axis=1
        ).astype(np.float32)

    @cached_property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(word for table in self.odds for word in table)

    def to_json(self) -> dict[str, object]:
        return {
            "embedder": self.embedder,
            "ids": list(self.ids),
            "centroids": [[round(float(v), 4) for v in row] for row in self.centroids],
            "odds": [dict(sorted(table.items())) for table in self.odds],
            "absent": list(self.absent),
            "article_weights": [[round(float(v), 4) for v in row] for row in self.article_weights],
            "article_bias": [round(float(v), 4) for v in self.article_bias],
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Profiles:
        ids = tuple(str(i) for i in data["ids"])  # type: ignore[attr-defined]
        centroids = np.asarray(data["centroids"], dtype=np.float32)
        odds = tuple({str(w): float(v) for w, v in table.items()} for table in data["odds"])  # type: ignore[attr-defined]
        absent = tuple(float(v) for v in data["absent"])  # type: ignore[attr-defined]
        weights = np.asarray(data["article_weights"], dtype=np.float32)
        bias = np.asarray(data["article_bias"], dtype=np.float32)
        if (
            centroids.ndim != 2
            or len(centroids) != len(ids)
            or len(odds) != len(ids)
            or len(absent) != len(ids)
            or weights.shape != centroids.shape
            or bias.shape != (len(ids),)
        ):
            raise ValueError("the reranker's profiles are malformed")
        return cls(str(data["embedder"]), ids, centroids, odds, absent, weights, bias)


def candidates(
    question: str | Question,
    ranking: Ranking,
    index: KnowledgeIndex,
    k: int = TOP_K,
    *,
    vector: np.ndarray | None = None,
    profiles: Profiles | None = None,
) -> Candidates:
    """The features of the first `k` articles of `ranking` for `question` (`vector`: its e5 query vector, by default
    the Question's own)."""
    read = Question.of(question, vector)
    visible = np.flatnonzero(np.isfinite(ranking.fused))
    rows = visible[np.argsort(-ranking.fused[visible], kind="stable")][:k]
    if len(rows) == 0:
        return Candidates(rows, np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32), ())
    known = article_words(index)
    asked = list(read.words)
    weights = np.array([known.weight(word) for word in asked], dtype=np.float64)
    total = float(weights.sum()) or 1.0
    fused, dense, lexical = ranking.fused[rows], ranking.dense[rows], ranking.lexical[rows]
    features, buckets = [], []
    for place, row in enumerate(rows):
        bag, title = known.words[row], known.titles[row]
        others = [known.words[other] for other in rows if other != row]
        inside = np.array([word in bag for word in asked], dtype=bool)
        unique = np.array(
            [word in bag and not any(word in other for other in others) for word in asked], dtype=bool
        )
        in_title = np.array([word in title for word in asked], dtype=bool)
        features.append(
            [
                fused[place] - fused[0],
                dense[place] - dense.max(),
                lexical[place] - lexical.max(),
                float(place == 0),
                fused[place] - fused[place + 1] if place + 1 < len(rows) else 0.0,
                float(weights[inside].sum()) / total if len(asked) else 0.0,
                float(weights[unique].sum()) / total if len(asked) else 0.0,
                float(weights[in_title].sum()) / total if len(asked) else 0.0,
                sum(word in title for word in asked) / max(1, len(title)),
            ]
        )
        buckets.append(tuple(sorted({word_bucket(w) for w, u in zip(asked, unique, strict=True) if u})))
    profile = None
    embedder = index.embedder.name if index.embedder is not None else ""
    if profiles is not None and profiles.embedder == embedder:
        profile = profiles.features(asked, read.embedding, [index.docs[row].external_id for row in rows])
    return Candidates(rows, np.asarray(features, dtype=np.float32), tuple(buckets), profile)


def _word_scores(word_weights: np.ndarray, buckets: Sequence[tuple[int, ...]]) -> np.ndarray:
    return np.array([float(word_weights[list(b)].sum()) if b else 0.0 for b in buckets])


@dataclass(frozen=True)
class Reranker:
    weights: np.ndarray  # one per FEATURE_NAMES (the generic model)
    word_weights: np.ndarray  # one per word bucket
    top_k: int = TOP_K
    profiles: Profiles | None = None
    profiled_weights: np.ndarray | None = None  # one per FEATURE_NAMES + PROFILE_NAMES
    profiled_word_weights: np.ndarray | None = None

    def scores(self, found: Candidates) -> np.ndarray:
        generic = found.features.astype(np.float64)
        if found.profile is not None and self.profiled_weights is not None:
            design = np.hstack([generic, found.profile.astype(np.float64)])
            words = (
                self.profiled_word_weights if self.profiled_word_weights is not None else self.word_weights
            )
            return design @ self.profiled_weights + _word_scores(words, found.buckets)
        return generic @ self.weights + _word_scores(self.word_weights, found.buckets)

    def order(self, found: Candidates) -> np.ndarray:
        """The candidates' positions in the index, best first (ties keep retrieval's order)."""
        if len(found.rows) < 2:
            return found.rows
        return found.rows[np.argsort(-self.scores(found), kind="stable")]

    def rerank(
        self,
        question: str | Question,
        ranking: Ranking,
        index: KnowledgeIndex,
        vector: np.ndarray | None = None,
    ) -> Ranking:
        """`ranking` with its first top_k articles re-ordered: their fused scores are handed out again in the new
        order, so every other article, and each article's own dense and lexical scores, stay as they were."""
        found = candidates(question, ranking, index, self.top_k, vector=vector, profiles=self.profiles)
        order = self.order(found)
        if len(order) < 2 or np.array_equal(order, found.rows):
            return ranking
        fused = ranking.fused.copy()
        fused[order] = ranking.fused[found.rows]
        return replace(ranking, fused=fused)

    def to_json(self) -> dict[str, object]:
        def words(values: np.ndarray) -> dict[str, float]:
            return {str(i): round(float(w), 5) for i, w in enumerate(values) if abs(w) >= 1e-4}

        data: dict[str, object] = {
            "features": list(FEATURE_NAMES),
            "weights": [round(float(w), 6) for w in self.weights],
            "word_buckets": WORD_BUCKETS,
            "word_weights": words(self.word_weights),
            "top_k": self.top_k,
        }
        if self.profiles is not None and self.profiled_weights is not None:
            data["profile_features"] = list(PROFILE_NAMES)
            data["profiled_weights"] = [round(float(w), 6) for w in self.profiled_weights]
            if self.profiled_word_weights is not None:
                data["profiled_word_weights"] = words(self.profiled_word_weights)
            data["profiles"] = self.profiles.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Reranker:
        if data.get("features") != list(FEATURE_NAMES) or data.get("word_buckets") != WORD_BUCKETS:
            raise ValueError("the reranker file was written for other features")
        weights = np.asarray(data["weights"], dtype=np.float64)
        top_k = data.get("top_k", TOP_K)
        if weights.shape != (len(FEATURE_NAMES),) or not isinstance(top_k, int) or top_k < 1:
            raise ValueError("the reranker file is malformed")
        profiles, profiled, profiled_words = None, None, None
        if "profiles" in data:
            if data.get("profile_features") != list(PROFILE_NAMES):
                raise ValueError("the reranker's profiles were written for other features")
            profiled = np.asarray(data["profiled_weights"], dtype=np.float64)
            if profiled.shape != (len(FEATURE_NAMES) + len(PROFILE_NAMES),):
                raise ValueError("the reranker file is malformed")
            stored = data["profiles"]
            if not isinstance(stored, dict):
                raise ValueError("the reranker's profiles are malformed")
            profiles = Profiles.from_json(stored)
            if "profiled_word_weights" in data:
                profiled_words = _bucket_array(data["profiled_word_weights"])
        return cls(
            weights, _bucket_array(data.get("word_weights")), top_k, profiles, profiled, profiled_words
        )

    def save(self, path: Path = RERANK_FILE) -> None:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")) + "\n", "utf-8")


def _bucket_array(stored: object) -> np.ndarray:
    values = np.zeros(WORD_BUCKETS, dtype=np.float64)
    if not isinstance(stored, dict):
        raise ValueError("the reranker's word weights are malformed")
    for bucket, value in stored.items():
        values[int(bucket)] = float(value)
    return values


def load_reranker(path: Path = RERANK_FILE) -> Reranker | None:
    """The committed reranker, or None (retrieval's order stands) when the file is missing or unreadable."""
    try:
        return Reranker.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        logger.info("no reranker at %s: retrieval's order is used", path)
    except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        logger.warning("reranker %s unreadable, retrieval's order is used: %s", path, exc)
    return None


@lru_cache(maxsize=1)
def default_reranker() -> Reranker | None:
    return load_reranker(RERANK_FILE)


def reranked(
    question: str | Question,
    ranking: Ranking,
    index: KnowledgeIndex,
    vector: np.ndarray | None = None,
    reranker: Reranker | None = None,
) -> Ranking:
    """`ranking` re-ordered by the committed reranker (unchanged without one); `vector` is the question's e5
    query vector when the caller has it."""
    model = reranker if reranker is not None else default_reranker()
    if model is None:
        return ranking
    first = ranking.top(1)
    if first and first[0].article.questions:
        # Retrieval put first an article that learned this deployment's own users' phrasing («it solved it»):
        # that evidence is newer than the corpus the reranker's profiles were fitted on, so retrieval's order stands.
        return ranking
    return model.rerank(question, ranking, index, vector)


@dataclass(frozen=True)
class Retrieved:
    """What retrieval found for one question: retrieval's own first articles (the decision was fitted on them) and
    the reranked ranking the answer and the suggestions come from."""

    ranking: Ranking  # reranked
    hits: tuple[Hit, ...]  # the reranked first three
    retrieved_hits: tuple[Hit, ...]  # retrieval's own first three, before the reranker
    shared_text: float  # how much text retrieval's first two articles share


def retrieve(
    question: Question, index: KnowledgeIndex, *, include_internal: bool = False, limit: int = 3
) -> Retrieved:
    """The retrieve step of read → retrieve → decide → answer: retrieval, then the reranker picks which of the close
    neighbours comes first (a no-op without its weights file)."""
    ranking = index.rank(question, include_internal=include_internal)
    retrieved_hits = tuple(ranking.top(limit))
    shared_text = index.shared_text(retrieved_hits)
    ranking = reranked(question, ranking, index)
    return Retrieved(ranking, tuple(ranking.top(limit)), retrieved_hits, shared_text)
