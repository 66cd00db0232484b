"""Triage in batches (issue 14): the same results as one text at a time, each ticket once, nothing lost."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from awn.assistant import embeddings
from awn.assistant.answering import triage_with_knowledge
from awn.assistant.models import TicketTriage
from awn.assistant.tasks import TRIAGE_BATCH, sweep_untriaged
from awn.assistant.triage.batch import triage_many_with_knowledge
from awn.assistant.triage.engine import triage_texts
from awn.assistant.triage.services import triage_tickets
from awn.tickets.enums import Priority
from awn.tickets.models import Ticket
from awn.tickets.services import ticket_create

from .kb_fixture import load_kb

# Written for this test: every dialect and script the rules tell apart, urgent and calm, empty and small talk.
TEXTS = [
    "احد دخل على حسابي وغير الايميل والرقم!! ساعدوني بسرعه",
    "أرغب في تسجيل ابني في الصف الأول الابتدائي ولا تظهر لي المدارس القريبة من الحي.",
    "ابغى انقل ولدي لمدرسة ثانيه قريبه من البيت",
    "بدي اعرف ليش الغياب مسجل على بنتي وهي كانت بالمدرسة",
    "عايز اطبع شهادة ابني ازاي؟",
    "nseet kalimat el sir w ma yosalni el code",
    "I cannot log in, the verification code never arrives",
    "السلام عليكم",
    "",
    "؟؟؟",
    "النظام لا يفتح في المدرسة منذ الصباح وجميع الأجهزة متوقفة، الاختبارات غدا",
    "شكوى من تأخر الرد تواصلت أكثر من مرة ولم يرد أحد على طلبي",
    "رصدت درجة خاطئة لطالب واعتمدتها، كيف أعدلها؟",
]


def _fields(result: Any) -> tuple[Any, ...]:
    return (
        result.category,
        result.priority,
        result.sentiment,
        result.language,
        result.dialect,
        result.cue_codes,
        result.model_version,
    )


@pytest.mark.django_db
def test_batch_triage_gives_the_labels_of_one_text_at_a_time() -> None:
    load_kb()
    reference = [triage_with_knowledge(text) for text in TEXTS]  # the one-text path
    batch = triage_many_with_knowledge(TEXTS)
    assert [_fields(r) for r in batch] == [_fields(r) for r in reference]
    for got, expected in zip(batch, reference, strict=True):
        assert got.category_confidence == pytest.approx(expected.category_confidence, abs=0.002)
        assert got.priority_confidence == expected.priority_confidence
    assert reference[0].priority == Priority.URGENT  # the texts do exercise the rules
    assert {r.dialect for r in reference} >= {"gulf", "egyptian", "levantine", "english", "arabizi"}


@pytest.mark.django_db
def test_an_empty_batch_does_nothing(django_assert_num_queries: Any) -> None:
    assert triage_texts([]) == []
    assert triage_many_with_knowledge([]) == []
    with django_assert_num_queries(0):
        assert triage_tickets([]) == 0


class CountingEmbedder:
    """A stand-in embedder that records every call (deterministic vectors from the text's hash)."""

    name = "counting"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.memo = embeddings.QueryMemo(self.name)

    def _vector(self, text: str) -> np.ndarray:
        rng = np.random.default_rng(abs(hash(text)) % (2**32))
        vector = rng.normal(size=embeddings.DIMENSIONS).astype(np.float32)
        return vector / np.linalg.norm(vector)

    def _embed(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, embeddings.DIMENSIONS))

    def queries(self, texts: Any) -> np.ndarray:
        return self.memo.queries(list(texts), self._embed)

    def passages(self, texts: Any) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts])


@pytest.mark.django_db
def test_the_batch_embeds_once_and_reuses_the_assistants_vector(monkeypatch: Any) -> None:
    from awn.assistant import answering

    embedder = CountingEmbedder()
    monkeypatch.setattr(answering, "default_embedder", lambda: embedder)
    answering.reset_index()
    load_kb()
    try:
        answering.assistant_ask(TEXTS[1])  # the portal's question, embedded for the assistant
        embedder.calls.clear()
        triage_many_with_knowledge(TEXTS[:5])
        assert len(embedder.calls) == 1  # one call for the batch…
        assert len(embedder.calls[0]) == 4  # …without the question the assistant embedded already
        assert embedder.memo.hits >= 1
    finally:
        answering.reset_index()


def test_the_memo_keeps_a_bounded_number_of_vectors() -> None:
    memo = embeddings.QueryMemo("m", size=3)
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.ones((len(texts), embeddings.DIMENSIONS), dtype=np.float32)

    memo.queries(["a", "b", "a", "c", "d"], embed)
    assert calls == [["a", "b", "c", "d"]]  # a text twice in a batch is embedded once
    memo.queries(["d", "b"], embed)
    assert len(calls) == 1  # both kept
    memo.queries(["a", "d"], embed)
    assert calls[-1] == ["a"]  # the oldest went out when the fourth came in
    assert len(memo._local) == 3
    assert memo.queries([], embed).shape == (0, embeddings.DIMENSIONS)


def _ticket(world: Any, subject: str, body: str) -> Ticket:
    return ticket_create(requester=world.parent, subject=subject, body=body, category="other")


@pytest.mark.django_db
def test_tickets_are_triaged_in_batches_once_and_a_deleted_one_is_skipped(
    world: Any, monkeypatch: Any
) -> None:
    from awn.assistant.triage import services

    load_kb()
    tickets = [_ticket(world, f"طلب {i}", text or "بدون نص") for i, text in enumerate(TEXTS)]
    gone = tickets[3]
    real = services.triage_many_with_knowledge

    def delete_meanwhile(texts: list[str]) -> Any:
        Ticket.objects.filter(pk=gone.pk).delete()  # an admin deletes it while the batch computes
        return real(texts)

    monkeypatch.setattr(services, "triage_many_with_knowledge", delete_meanwhile)
    assert triage_tickets([t.pk for t in tickets] + [10**9]) == len(tickets) - 1
    assert TicketTriage.objects.count() == len(tickets) - 1
    assert not TicketTriage.objects.filter(ticket_id=gone.pk).exists()
    monkeypatch.setattr(services, "triage_many_with_knowledge", real)
    assert triage_tickets([t.pk for t in tickets]) == 0  # once
    urgent = TicketTriage.objects.get(ticket=tickets[0])
    assert urgent.priority == Priority.URGENT and urgent.applied_fields == ["priority"]
    tickets[0].refresh_from_db()
    assert tickets[0].priority == Priority.URGENT


@pytest.mark.django_db
def test_the_sweep_hands_the_worker_batches(world: Any, monkeypatch: Any) -> None:
    from awn.assistant import tasks

    batches: list[list[int]] = []
    monkeypatch.setattr(tasks, "dispatch", lambda name, ids: batches.append(ids))
    tickets = [_ticket(world, "استفسار", f"سؤال رقم {i}") for i in range(TRIAGE_BATCH + 5)]
    assert sweep_untriaged(stale_seconds=0) == len(tickets)
    assert [len(b) for b in batches] == [TRIAGE_BATCH, 5]
    assert sorted(pk for batch in batches for pk in batch) == sorted(t.pk for t in tickets)


@pytest.mark.django_db
def test_rank_many_scores_as_rank_does() -> None:
    from awn.assistant.answering import current_index

    load_kb()
    index = current_index()
    vectors = [index.query_vector(text) for text in TEXTS]
    many = index.rank_many(TEXTS, vectors, include_internal=True)
    for text, vector, ranking in zip(TEXTS, vectors, many, strict=True):
        one = index.rank(text, include_internal=True, vector=vector)  # the reference
        assert np.allclose(ranking.fused, one.fused) and np.allclose(ranking.lexical, one.lexical)
        assert [h.article.pk for h in ranking.top(3)] == [h.article.pk for h in one.top(3)]
    assert index.rank_many([], []) == []
