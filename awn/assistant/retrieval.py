"""Hybrid retrieval of knowledge articles for a user's question: lexical + dense, fused per question.

- Lexical: character 2–4-gram TF-IDF over our normalized Arabic (robust to dialect spellings, clitics and typos),
  after the question is transliterated from Arabizi and expanded with the MSA/Arabic equivalents of its dialect and
  English words (awn/core/text/glossary.py).
- Dense: multilingual-e5-small; an article is represented by its titles, its title with tags, each line of its
  body prefixed by its title, and the questions users said it answered; an article scores its best passage. A
  user's words (the question, and the questions articles learned) are read with the MSA equivalents of their
  dialect and English words appended, as the lexical query is.
- Fusion: each signal is standardized over the articles for this question (z-scores) and summed, so neither
  signal's scale dominates.
Figures live in bench/RESULTS.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from awn.core.text.arabic import normalize_arabic
from awn.core.text.arabizi import arabizi_to_arabic
from awn.core.text.glossary import expand_query

from .embeddings import Embedder, PassageCache
from .handoff import without_greeting

MAX_QUESTION_CHARS = 2000  # retrieval reads the start of a long message; the rest adds noise, not signal
# The dense model reads the question's first 150 characters after its greetings: its time grows with the length
# (it sets the p95), and the first sentences carry the request.
DENSE_QUERY_CHARS = 150


@dataclass(frozen=True)
class ArticleDoc:
    pk: int
    external_id: str
    category: str
    title_ar: str
    body_ar: str
    title_en: str = ""
    body_en: str = ""
    tags: tuple[str, ...] = ()
    public: bool = True
    questions: tuple[str, ...] = ()  # users' own questions this article answered (ArticleQuestion)


@dataclass(frozen=True)
class Hit:
    article: ArticleDoc
    score: float  # fused z-score
    dense: float  # cosine of the best passage (0 without dense retrieval)
    lexical: float  # TF-IDF cosine of the article
    dense_lead: float = 0.0  # dense minus the median article's dense score for this question
    lexical_lead: float = 0.0  # lexical minus the median article's lexical score


def lexical_document(doc: ArticleDoc) -> str:
    # The title twice: users name the task the title names.
    return " ".join(
        [doc.title_ar, doc.title_ar, *doc.tags, doc.body_ar, doc.title_en, doc.body_en, *doc.questions]
    )


def dense_passages(doc: ArticleDoc) -> list[str]:
    passages = [doc.title_ar, f"{doc.title_ar}، {'، '.join(doc.tags)}"]
    if doc.title_en:
        passages.append(doc.title_en)
    for body, title in ((doc.body_ar, doc.title_ar), (doc.body_en, doc.title_en)):
        for line in body.splitlines():
            line = line.strip()
            if len(line) > 15:
                passages.append(f"{title}: {line}")
    passages.extend(dense_query(question) for question in doc.questions)  # read as the next question is read
    return passages


def lexical_query(question: str) -> str:
    return expand_query(arabizi_to_arabic(question))


def dense_query(question: str) -> str:
    """What the dense model reads of a user's question: its start after the greetings (Arabizi in Arabic),
    followed by the MSA equivalents of its dialect and English words, as the lexical query has them: the articles
    are written in MSA."""
    text = without_greeting(arabizi_to_arabic(question))
    if len(text) > DENSE_QUERY_CHARS:
        cut = text[:DENSE_QUERY_CHARS]
        text = cut.rsplit(maxsplit=1)[0] if " " in cut else cut
    return expand_query(text)


def _standardize(scores: np.ndarray) -> np.ndarray:
    spread = scores.std()
    return (scores - scores.mean()) / spread if spread > 1e-9 else np.zeros_like(scores)


class KnowledgeIndex:
    """An in-memory index of published articles; build once per knowledge-base version, query many times."""

    def __init__(
        self, docs: Sequence[ArticleDoc], *, embedder: Embedder | None, cache: PassageCache | None = None
    ) -> None:
        self.docs = list(docs)
        self.embedder = embedder
        self._vectorizer = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 4),
            preprocessor=normalize_arabic,
            sublinear_tf=True,
            dtype=np.float32,
        )
        self._lexical = (
            self._vectorizer.fit_transform([lexical_document(d) for d in self.docs]) if docs else None
        )
        # How much text each pair of articles shares (TF-IDF cosine): topic neighbours score high.
        self._shared = (
            (self._lexical @ self._lexical.T).toarray() if self._lexical is not None else np.zeros((0, 0))
        )
        self._position = {doc.pk: i for i, doc in enumerate(self.docs)}
        self._passage_owner = np.zeros(0, dtype=np.int32)
        self._passages = np.zeros((0, 0), dtype=np.float32)
        if embedder is not None and self.docs:
            texts, owners = [], []
            for i, doc in enumerate(self.docs):
                for passage in dense_passages(doc):
                    texts.append(passage)
                    owners.append(i)
            self._passages = (cache or PassageCache()).embed(embedder, texts)
            self._passage_owner = np.asarray(owners, dtype=np.int32)

    @property
    def dense_enabled(self) -> bool:
        return self.embedder is not None and self._passages.size > 0

    def shared_text(self, hits: Sequence[Hit]) -> float:
        """The lexical similarity of the first two hits' articles (0 with fewer than two)."""
        if len(hits) < 2:
            return 0.0
        first, second = self._position.get(hits[0].article.pk), self._position.get(hits[1].article.pk)
        if first is None or second is None:
            return 0.0
        return float(self._shared[first, second])

    def query_vector(self, question: str) -> np.ndarray | None:
        """The question's dense vector (None without dense retrieval): embed once, give it to search and triage."""
        if not self.dense_enabled or not question.strip():
            return None
        assert self.embedder is not None
        return self.embedder.queries([dense_query(question[:MAX_QUESTION_CHARS])])[0]

    def _dense_scores(self, query: np.ndarray) -> np.ndarray:
        similarities = self._passages @ query
        best = np.full(len(self.docs), -1.0, dtype=np.float32)
        np.maximum.at(best, self._passage_owner, similarities)
        return best

    def lexical_similarity(self, texts: Sequence[str]) -> np.ndarray:
        """TF-IDF cosine of each text (read as a question) with each article: shape (len(texts), len(docs))."""
        if self._lexical is None:
            return np.zeros((len(texts), 0), dtype=np.float32)
        return (self._vectorizer.transform([lexical_query(t) for t in texts]) @ self._lexical.T).toarray()

    def rank(
        self, question: str, *, include_internal: bool = False, vector: np.ndarray | None = None
    ) -> Ranking:
        """Every article scored for `question`; `vector` is its query_vector() when the caller already has it."""
        question = question[:MAX_QUESTION_CHARS]
        if self._lexical is None or not question.strip():
            return Ranking.empty()
        lexical = self.lexical_similarity([question])[0]
        fused = _standardize(lexical)
        dense = np.zeros(len(self.docs), dtype=np.float32)
        query = vector if vector is not None else self.query_vector(question)
        if query is not None:
            dense = self._dense_scores(query)
            fused = fused + _standardize(dense)
        allowed = np.array([include_internal or doc.public for doc in self.docs])
        return Ranking(self.docs, np.where(allowed, fused, -np.inf), dense, lexical, allowed)

    def rank_many(
        self,
        questions: Sequence[str],
        vectors: Sequence[np.ndarray | None],
        *,
        include_internal: bool = False,
    ) -> list[Ranking]:
        """`rank` of many questions (each with its query_vector() or None), the lexical part in one transform: what
        the worker's triage batches read. Same scores as `rank` of each."""
        questions = [question[:MAX_QUESTION_CHARS] for question in questions]
        worded = [i for i, question in enumerate(questions) if question.strip()]
        out = [Ranking.empty()] * len(questions)
        if self._lexical is None or not worded:
            return out
        lexical_rows = self.lexical_similarity([questions[i] for i in worded])
        allowed = np.array([include_internal or doc.public for doc in self.docs])
        for row, i in enumerate(worded):
            lexical = lexical_rows[row]
            fused = _standardize(lexical)
            dense = np.zeros(len(self.docs), dtype=np.float32)
            query = vectors[i] if vectors[i] is not None else self.query_vector(questions[i])
            if query is not None:
                dense = self._dense_scores(query)
                fused = fused + _standardize(dense)
            out[i] = Ranking(self.docs, np.where(allowed, fused, -np.inf), dense, lexical, allowed)
        return out

    def search(
        self,
        question: str,
        *,
        limit: int = 3,
        include_internal: bool = False,
        vector: np.ndarray | None = None,
    ) -> list[Hit]:
        """The best articles for `question`; `vector` is its query_vector() when the caller already has it."""
        return self.rank(question, include_internal=include_internal, vector=vector).top(limit)


@dataclass(frozen=True)
class Ranking:
    """One question's scores over the whole knowledge base (articles the asker may not see score -inf)."""

    docs: Sequence[ArticleDoc]
    fused: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray
    allowed: np.ndarray
    favoured: str = ""  # a category whose articles come first (see favouring)

    @classmethod
    def empty(cls) -> Ranking:
        nothing = np.zeros(0, dtype=np.float32)
        return cls((), nothing, nothing, nothing, np.zeros(0, dtype=bool))

    def favouring(self, category: str) -> Ranking:
        """The same scores, with `category`'s articles ahead of the others (each group keeps its order)."""
        return replace(self, favoured=category)

    def top(self, limit: int) -> list[Hit]:
        first = np.array([doc.category == self.favoured for doc in self.docs], dtype=bool)
        visible = np.isfinite(self.fused)
        order = [i for i in np.lexsort((-self.fused, ~first)) if visible[i]][:limit]
        # Leads over the median article do not grow with the size of the knowledge base (z-scores do), so the
        # confidence built on them means the same for 6 articles or 600.
        any_allowed = bool(self.allowed.any())
        dense_median = float(np.median(self.dense[self.allowed])) if any_allowed else 0.0
        lexical_median = float(np.median(self.lexical[self.allowed])) if any_allowed else 0.0
        return [
            Hit(
                self.docs[i],
                float(self.fused[i]),
                float(self.dense[i]),
                float(self.lexical[i]),
                float(self.dense[i]) - dense_median,
                float(self.lexical[i]) - lexical_median,
            )
            for i in order
        ]

    def category_shares(self) -> dict[str, float]:
        """How the question's evidence splits over the article categories (sums to 1; empty without articles).

        A softmax over the fused z-scores, summed per category: three close transfer articles together say
        «transfer» more surely than the single best article does.
        """
        visible = np.isfinite(self.fused)
        if not visible.any():
            return {}
        scores = self.fused[visible]
        weights = np.exp(scores - scores.max())
        weights /= weights.sum()
        shares: dict[str, float] = {}
        for doc, weight in zip(
            (d for d, v in zip(self.docs, visible, strict=True) if v), weights, strict=True
        ):
            shares[doc.category] = shares.get(doc.category, 0.0) + float(weight)
        return shares
