"""The category the assistant gives a question: the answered article's, the topic of its handoff reason, «other»
outside the knowledge base, or what triage and retrieval agree on; and the ranking helpers that feed it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from awn.assistant.answering import assistant_ask, cue_topic, triage_with_knowledge
from awn.assistant.handoff import ACCOUNT_COMPROMISED, PERSONAL_CASE
from awn.assistant.models import TicketTriage
from awn.assistant.retrieval import ArticleDoc, Ranking
from awn.assistant.triage.engine import TriageResult, triage_text


def doc(pk: int, category: str) -> ArticleDoc:
    return ArticleDoc(pk=pk, external_id=f"kb-{pk:03d}", category=category, title_ar="عنوان", body_ar="نص")


def ranking(scores: list[float], categories: list[str], allowed: list[bool] | None = None) -> Ranking:
    allowed_mask = np.array(allowed if allowed is not None else [True] * len(scores))
    fused = np.where(allowed_mask, np.array(scores, dtype=np.float32), -np.inf)
    zeros = np.zeros(len(scores), dtype=np.float32)
    docs = [doc(i + 1, category) for i, category in enumerate(categories)]
    return Ranking(docs, fused, zeros, zeros, allowed_mask)


def triage(scores: dict[str, float], cue_codes: tuple[str, ...] = ()) -> TriageResult:
    best = max(scores, key=scores.__getitem__)
    return TriageResult(
        category=best,
        category_confidence=scores[best],
        priority="normal",
        priority_confidence=0.5,
        sentiment="neutral",
        sentiment_confidence=0.5,
        language="ar",
        dialect="msa",
        dialect_confidence=0.5,
        cues=(),
        cue_codes=cue_codes,
        category_scores=tuple(sorted(scores.items(), key=lambda item: -item[1])),
    )


# ── Ranking ──────────────────────────────────────────────────────────────────────────────────────────────
def test_category_shares_add_up_per_category_and_skip_hidden_articles() -> None:
    shares = ranking(
        [2.0, 1.9, 1.8, 2.5, 3.0],
        ["transfer", "transfer", "transfer", "school_technical", "account_access"],
        allowed=[True, True, True, True, False],
    ).category_shares()
    assert set(shares) == {"transfer", "school_technical"}  # the internal article says nothing to a customer
    assert sum(shares.values()) == pytest.approx(1.0)
    # three close transfer articles outweigh the single best article
    assert shares["transfer"] > shares["school_technical"]


def test_an_empty_ranking_has_no_hits_and_no_shares() -> None:
    empty = Ranking.empty()
    assert empty.top(3) == []
    assert empty.category_shares() == {}


def test_favouring_a_category_puts_its_articles_first_in_their_own_order() -> None:
    scores = ranking([3.0, 1.0, 2.0, 0.5], ["grade_entry", "account_access", "grade_entry", "account_access"])
    assert [hit.article.pk for hit in scores.top(4)] == [1, 3, 2, 4]
    favoured = scores.favouring("account_access")
    assert [hit.article.pk for hit in favoured.top(4)] == [2, 4, 1, 3]
    assert favoured.top(1)[0].score == 1.0  # the score shown is the article's own, not a boosted one
    assert [hit.article.pk for hit in scores.favouring("").top(2)] == [1, 3]


def test_hidden_articles_of_the_favoured_category_do_not_take_the_places() -> None:
    scores = ranking(
        [3.0, 1.0, 2.0, 0.5, 0.4],
        ["grade_entry", "account_access", "account_access", "account_access", "grade_entry"],
        allowed=[True, False, False, True, True],  # two internal account articles, asked by a customer
    )
    assert [hit.article.pk for hit in scores.favouring("account_access").top(3)] == [4, 1, 5]


def test_a_cue_that_names_the_topic_decides_the_category() -> None:
    grades = triage({"grade_entry": 0.9, "account_access": 0.1}, cue_codes=("grades_changed_by_someone",))
    assert cue_topic([], grades) == "account_access"
    assert cue_topic([ACCOUNT_COMPROMISED], triage({"grade_entry": 1.0})) == "account_access"
    assert cue_topic([PERSONAL_CASE], triage({"grade_entry": 1.0})) == ""


def test_triage_gives_every_categorys_probability_best_first(kb: None) -> None:
    result = triage_text("نسيت كلمة المرور ولا استطيع الدخول")
    labels = [label for label, _ in result.category_scores]
    probabilities = [p for _, p in result.category_scores]
    assert labels[0] == result.category == "account_access"
    assert probabilities == sorted(probabilities, reverse=True)
    assert sum(probabilities) == pytest.approx(1.0, abs=1e-3)


# ── through the assistant, with the real model ───────────────────────────────────────────────────────────
def test_grades_changed_behind_a_teachers_back_is_an_account_security_question(kb: None) -> None:
    # Without the cue, «the result does not appear» ranks first: most of the words are about grades and results.
    result = assistant_ask("انا معلمة والدرجات تغيرت بدون علمي في النظام والنتيجة بتطلع بكرة")
    assert result.handoff is True
    assert result.suggestions[0].article.external_id == "kb-013"
    assert result.category == "account_access"


def test_an_out_of_scope_question_is_filed_under_other(kb: None) -> None:
    result = assistant_ask("كم راتب المعلم اللي توه متعين؟")
    assert result.handoff is True
    assert result.category == "other"


# ── ticket triage reads the knowledge base too ───────────────────────────────────────────────────────────
RESULT_MISSING = "ولدي ما طلعت نتيجته للحين وكل زملاؤه طالعه"


def test_ticket_triage_takes_the_category_the_model_and_the_knowledge_base_agree_on(kb: None) -> None:
    assert triage_text(RESULT_MISSING).category == "account_access"  # «طلعت» reads like a login problem
    result = triage_with_knowledge(RESULT_MISSING)
    assert result.category == "results_certificates"
    assert 0 < result.category_confidence <= 1
    assert result.priority == triage_text(RESULT_MISSING).priority  # only the category is read from the KB


def test_ticket_triage_keeps_the_models_other_and_names_the_cues_topic(kb: None) -> None:
    assert triage_with_knowledge("كم راتب المعلم اللي توه متعين؟").category == "other"
    grades = triage_with_knowledge("انا معلمة والدرجات تغيرت بدون علمي في النظام والنتيجة بتطلع بكرة")
    assert (grades.category, grades.category_confidence) == ("account_access", 0.8)


def test_ticket_triage_without_a_knowledge_base_is_the_models_own(db: None) -> None:
    alone = triage_text(RESULT_MISSING)
    assert triage_with_knowledge(RESULT_MISSING) == alone


def test_a_new_tickets_stored_triage_reads_the_knowledge_base(
    kb: None, world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = world.client_for(world.parent_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/tickets/",
            {"subject": "ولدي", "body": RESULT_MISSING, "category": "other"},
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    triage = TicketTriage.objects.get(ticket_id=response.json()["id"])
    assert triage.category == "results_certificates"
