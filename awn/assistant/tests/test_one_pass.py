"""One pass over a question (issue 12, item 8): the question is read once — normalized, expanded and embedded once —
and flows one way, read → retrieve → decide → answer.

Measured on one `assistant_ask` call: how many times the normalizer (awn.core.text.arabic.normalize_arabic, wrapped
in every module that holds it) reads the question's text or a form of it, how many times it is embedded, and the
order in which the first line's stages are entered from answering.py. The knowledge base is the 40-article snapshot
the knowledge tests import, retrieved with the real e5 model (wrapped to count its calls).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any
from unittest import mock

import numpy as np
import pytest

from awn.assistant.answering import assistant_ask
from awn.assistant.embeddings import PassageCache, default_embedder
from awn.assistant.retrieval import KnowledgeIndex
from awn.assistant.vectors import Embedder
from awn.core.text import arabic
from bench.assistant.corpus import kb_docs

FULL_KB = Path(__file__).resolve().parents[2] / "knowledge" / "tests" / "fixtures" / "eval_kb.jsonl"
ORIGINAL = arabic.normalize_arabic

# (question, a word every form of it keeps: normalized, expanded, transliterated)
ANSWERED = ("نسيت كلمة المرور وما اقدر ادخل على حسابي", "المرور")
HANDED_OFF = ("طلب النقل معلق من شهرين ومحد رد علينا، رقم الطلب 4455667", "4455667")


class CountingEmbedder:
    """The runtime's embedder, counting the texts it is asked to embed as queries."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.query_texts: list[str] = []

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        self.query_texts.extend(texts)
        return self.inner.queries(texts)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.passages(texts)


@contextmanager
def counted_normalizer() -> Iterator[mock.MagicMock]:
    """normalize_arabic wrapped (mock.patch wraps) in every loaded module of Awn that holds a reference to it."""
    spy = mock.MagicMock(wraps=ORIGINAL)
    holders = [
        name
        for name, module in list(sys.modules.items())
        if (name == "awn" or name.startswith(("awn.", "bench.")))
        and getattr(module, "normalize_arabic", None) is ORIGINAL
    ]
    patches = [mock.patch(f"{name}.normalize_arabic", spy) for name in holders]
    for patch in patches:
        patch.start()
    try:
        yield spy
    finally:
        for patch in patches:
            patch.stop()


def reads_of(spy: mock.MagicMock, marker: str) -> list[str]:
    """The normalizer's calls on the question or a form of it (a text that holds the question's marker word)."""
    return [call.args[0] for call in spy.call_args_list if call.args and marker in ORIGINAL(call.args[0])]


@contextmanager
def stages_entered() -> Iterator[list[str]]:
    """The assistant's modules entered by calls made from answering.py's own functions, in order. Reading an
    attribute of the Question (its `once` descriptor's __get__) is not entering a stage."""
    entered: list[str] = []

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event != "call" or frame.f_back is None or frame.f_code.co_name == "__get__":
            return
        callee = frame.f_globals.get("__name__", "")
        caller = frame.f_back.f_globals.get("__name__", "")
        if caller == "awn.assistant.answering" and callee.startswith("awn.assistant.") and callee != caller:
            entered.append(callee.removeprefix("awn.assistant."))

    sys.setprofile(profile)
    try:
        yield entered
    finally:
        sys.setprofile(None)


def collapsed(sequence: list[str]) -> list[str]:
    return [name for i, name in enumerate(sequence) if i == 0 or sequence[i - 1] != name]


@pytest.fixture(scope="module")
def embedder() -> CountingEmbedder:
    inner = default_embedder()
    if inner is None:
        pytest.skip("no e5 model on this platform")
    return CountingEmbedder(inner)


@pytest.fixture(scope="module")
def spy() -> Iterator[mock.MagicMock]:
    with counted_normalizer() as wrapped:
        yield wrapped


@pytest.fixture(scope="module")
def index(
    spy: mock.MagicMock, embedder: CountingEmbedder, tmp_path_factory: pytest.TempPathFactory
) -> KnowledgeIndex:
    """Built under the wrapper: the index's vectorizer holds the function it was given."""
    cache = PassageCache(tmp_path_factory.mktemp("e5") / "passages.npz")
    return KnowledgeIndex(kb_docs(FULL_KB), embedder=embedder, cache=cache)


@pytest.mark.django_db
@pytest.mark.parametrize(("question", "marker"), [ANSWERED, HANDED_OFF], ids=["answered", "handed-off"])
def test_the_question_is_normalized_and_embedded_once_per_form(
    index: KnowledgeIndex, embedder: CountingEmbedder, spy: mock.MagicMock, question: str, marker: str
) -> None:
    assistant_ask("تجربة", index=index)  # models loaded, caches warm
    embedder.query_texts.clear()
    spy.reset_mock()
    result = assistant_ask(question, index=index)
    assert result.handoff is (question == HANDED_OFF[0]), result.reason
    reads = reads_of(spy, marker)
    # Three forms at most: the text as written (the cue lists, the decision's cue flags, triage's rules), inside the
    # glossary's expansion (awn/core/text/glossary.py reads its input), and the expanded text retrieval and the
    # reranker read. An Arabic question shorter than the n-grams' limit reads its n-grams from the first.
    assert len(reads) <= 3, reads
    assert len(embedder.query_texts) == 1, embedder.query_texts


@pytest.mark.django_db
def test_the_stages_are_entered_one_way(index: KnowledgeIndex) -> None:
    assistant_ask("تجربة", index=index)
    with stages_entered() as entered:
        assistant_ask(ANSWERED[0], index=index)
    stages = collapsed(entered)
    assert len(stages) == len(set(stages)), stages  # no stage is entered again once the flow left it
    assert stages.index("question") < stages.index("rerank") < stages.index("decision"), stages
