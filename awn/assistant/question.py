"""A question read once (issue 12, item 8): the first line's boundary object.

    question = Question.read(text, index)    # read
    retrieved = retrieve(question, index)     # retrieve (retrieval.py, then rerank.py)
    decision = decide(question, retrieved)    # decide (decision.py)
    … the answer (answering.py)

Every form of the text the first line reads is computed here, once, on first use, and nowhere else: the text as
written and normalized (the cue lists, the decision's cue flags, triage's rules), with Arabizi in Arabic letters,
expanded with the MSA equivalents of its dialect and English words (awn/core/text/glossary.py), that expansion
normalized (what the TF-IDF retrieval reads) and cut into light-stemmed words (what the reranker reads), the text
the n-grams of the decision read, the text the e5 model reads and its vector. Retrieval, the reranker, the decision
and triage take the Question; none of them normalizes or embeds the question again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, overload

import numpy as np

from awn.core.text.arabic import normalize_arabic, normalized_tokens, stem
from awn.core.text.arabizi import arabizi_share, arabizi_to_arabic
from awn.core.text.glossary import expand_query

from .handoff import handoff_cues, without_greeting
from .vectors import Embedder

MAX_QUESTION_CHARS = 2000  # retrieval reads the start of a long message; the rest adds noise, not signal
# The dense model reads the question's first 150 characters after its greetings: its time grows with the length
# (it sets the p95), and the first sentences carry the request.
DENSE_QUERY_CHARS = 150
NGRAM_CHARS = 600  # the decision's n-grams read the start of a long message


def detect_language(text: str) -> str:
    """ "ar" or "en": English when the message is written in Latin letters that are not Arabizi."""
    arabic = len(re.findall(r"[\u0600-\u06ff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    if latin > arabic * 2 and arabizi_share(text) < 0.3:
        return "en"
    return "ar"


def _dense_start(arabic: str) -> str:
    """The start of a text (Arabizi already in Arabic letters) after its greetings, cut at a word."""
    text = without_greeting(arabic)
    if len(text) > DENSE_QUERY_CHARS:
        cut = text[:DENSE_QUERY_CHARS]
        text = cut.rsplit(maxsplit=1)[0] if " " in cut else cut
    return text


def dense_query(text: str) -> str:
    """What the dense model reads of a user's text: its start after the greetings (Arabizi in Arabic), followed by
    the MSA equivalents of its dialect and English words, as the lexical query has them: the articles are written
    in MSA. (Question.dense_text for a question; this for any other text: a learned question, a ticket.)"""
    return expand_query(_dense_start(arabizi_to_arabic(text)))


T = TypeVar("T")


class once(Generic[T]):
    """functools.cached_property without Python 3.11's lock, which is one per property for every instance: with it,
    two threads reading two different questions would embed them one after the other. A Question is read by the
    thread that asked it; at worst a race computes the same value twice."""

    def __init__(self, compute: Callable[[Any], T]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> once[T]: ...

    @overload
    def __get__(self, instance: object, owner: type | None = None) -> T: ...

    def __get__(self, instance: object | None, owner: type | None = None) -> T | once[T]:
        if instance is None:
            return self
        value = self.compute(instance)
        instance.__dict__[self.name] = value  # found before this (non-data) descriptor from now on
        return value


class QueryEmbedding(Protocol):
    """What a Question needs of the index it is read for (KnowledgeIndex)."""

    @property
    def embedder(self) -> Embedder | None: ...

    @property
    def dense_enabled(self) -> bool: ...


@dataclass(frozen=True)
class Question:
    """One user's question and every form of it the first line reads, each computed once (on first use)."""

    raw: str
    embedder: Embedder | None = field(default=None, repr=False, compare=False)
    known_embedding: np.ndarray | None = field(default=None, repr=False, compare=False)

    @classmethod
    def read(cls, text: str, index: QueryEmbedding | None = None) -> Question:
        """The question as `index` reads it: embedded by the index's embedder when it retrieves densely."""
        embedder = index.embedder if index is not None and index.dense_enabled else None
        return cls(text, embedder)

    @classmethod
    def of(cls, text: str | Question, embedding: np.ndarray | None = None) -> Question:
        """`text` as a Question (itself if it is one), with its vector when the caller already has it."""
        if isinstance(text, Question):
            return text
        return cls(text, known_embedding=embedding)

    # --- the text ------------------------------------------------------------------------------------------------
    @property
    def has_words(self) -> bool:
        """Whether retrieval has anything to read (the start it reads is not blank)."""
        return bool(self.raw[:MAX_QUESTION_CHARS].strip())

    @once
    def language(self) -> str:
        return detect_language(self.raw)

    @once
    def normalized(self) -> str:
        """normalize_arabic of the text as written: what the cue lists and triage's rules read."""
        return normalize_arabic(self.raw)

    @once
    def arabic(self) -> str:
        """The start retrieval reads, with its Arabizi in Arabic letters."""
        return arabizi_to_arabic(self.raw[:MAX_QUESTION_CHARS])

    @once
    def expanded(self) -> str:
        """`arabic` followed by the MSA/Arabic equivalents of its dialect and English words."""
        return expand_query(self.arabic)

    @once
    def lexical(self) -> str:
        """The expansion normalized: what the TF-IDF retrieval reads."""
        return normalize_arabic(self.expanded)

    @once
    def words(self) -> tuple[str, ...]:
        """The expansion's light-stemmed words (of two letters or more), in order, once each: the reranker's."""
        stems = (stem(token) for token in normalized_tokens(self.lexical))
        return tuple(dict.fromkeys(word for word in stems if len(word) > 1))

    @once
    def ngram_text(self) -> str:
        """What the decision's n-grams read: the start, Arabizi in Arabic letters, normalized."""
        if len(self.raw) <= NGRAM_CHARS:
            if self.expanded == self.arabic:  # nothing was added: `lexical` is this very text normalized
                return self.lexical
            if self.arabic == self.raw:
                return self.normalized
        return normalize_arabic(arabizi_to_arabic(self.raw[:NGRAM_CHARS]))

    @once
    def dense_text(self) -> str:
        """What the e5 model reads (dense_query of the start retrieval reads)."""
        start = _dense_start(self.arabic)
        return self.expanded if start == self.arabic else expand_query(start)

    @once
    def cue_reasons(self) -> tuple[str, ...]:
        """The handoff cue lists that fire on the text (handoff.py), in their fixed order."""
        return tuple(handoff_cues(self.raw, normalized=self.normalized))

    # --- the vector ----------------------------------------------------------------------------------------------
    @once
    def embedding(self) -> np.ndarray | None:
        """The e5 query vector (None without dense retrieval, or for a blank text), embedded once."""
        if self.known_embedding is not None:
            return self.known_embedding
        if self.embedder is None or not self.raw.strip():
            return None
        return self.embedder.queries([self.dense_text])[0]
