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

from .embeddings import Embedder, PassageCache
from .question import Question, dense_query


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


def _already_normalized(text: str) -> str:
    return text


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
        # It reads normalized text: the articles are normalized here, a question is normalized once (Question.lexical).
        self._vectorizer = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 4),
            preprocessor=_already_normalized,
            sublinear_tf=True,
            dtype=np.float32,
        )
        self._lexical = (
            self._vectorizer.fit_transform([normalize_arabic(lexical_document(d)) for d in self.docs])
            if docs
            else None
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

    def read(self, question: str | Question, vector: np.ndarray | None = None) -> Question:
        """`question` as this index reads it (itself if already read); `vector`: its e5 vector if the caller has it."""
        if isinstance(question, Question):
            return question
        return Question(question, self.embedder if self.dense_enabled else None, vector)

    def query_vector(self, question: str | Question) -> np.ndarray | None:
        """The question's dense vector (None without dense retrieval): embed once, give it to search and triage."""
        return self.read(question).embedding

    def _dense_scores(self, query: np.ndarray) -> np.ndarray:
        similarities = self._passages @ query
        best = np.full(len(self.docs), -1.0, dtype=np.float32)
        np.maximum.at(best, self._passage_owner, similarities)
        return best

    def lexical_similarity(self, texts: Sequence[str | Question]) -> np.ndarray:
        """TF-IDF cosine of each text (read as a question) with each article: shape (len(texts), len(docs))."""
        if self._lexical is None:
            return np.zeros((len(texts), 0), dtype=np.float32)
        lexical = [Question.of(text).lexical for text in texts]
        return (self._vectorizer.transform(lexical) @ self._lexical.T).toarray()

    def rank(
        self, question: str | Question, *, include_internal: bool = False, vector: np.ndarray | None = None
    ) -> Ranking:
        """Every article scored for `question`; `vector` is its query_vector() when the caller already has it."""
        read = self.read(question, vector)
        if self._lexical is None or not read.has_words:
            return Ranking.empty()
        lexical = self.lexical_similarity([read])[0]
        fused = _standardize(lexical)
        dense = np.zeros(len(self.docs), dtype=np.float32)
        query = read.embedding
        if query is not None:
            dense = self._dense_scores(query)
            fused = fused + _standardize(dense)
        allowed = np.array([include_internal or doc.public for doc in self.docs])
        return Ranking(self.docs, np.where(allowed, fused, -np.inf), dense, lexical, allowed)

    def rank_many(
        self,
        questions: Sequence[str | Question],
        vectors: Sequence[np.ndarray | None],
        *,
        include_internal: bool = False,
    ) -> list[Ranking]:
        """`rank` of many questions (each with its query_vector() or None), the lexical part in one transform: what
        the worker's triage batches read. Same scores as `rank` of each."""
        reads = [self.read(question, vector) for question, vector in zip(questions, vectors, strict=True)]
        worded = [i for i, read in enumerate(reads) if read.has_words]
        out = [Ranking.empty()] * len(reads)
        if self._lexical is None or not worded:
            return out
        lexical_rows = self.lexical_similarity([reads[i] for i in worded])
        allowed = np.array([include_internal or doc.public for doc in self.docs])
        for row, i in enumerate(worded):
            lexical = lexical_rows[row]
            fused = _standardize(lexical)
            dense = np.zeros(len(self.docs), dtype=np.float32)
            query = reads[i].embedding
            if query is not None:
                dense = self._dense_scores(query)
                fused = fused + _standardize(dense)
            out[i] = Ranking(self.docs, np.where(allowed, fused, -np.inf), dense, lexical, allowed)
        return out

    def search(
        self,
        question: str | Question,
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
