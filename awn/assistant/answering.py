"""The AI first line: answer a question from the knowledge base, or hand it to a human — one service for every channel.

`assistant_ask(question)` retrieves articles (retrieval.py), turns the match into a calibrated confidence, applies
the handoff rules (handoff.py and urgent triage), and builds a grounded answer: the article's own opening and steps,
never invented text. The portal, the API and later chat/WhatsApp/Telegram all call this function.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.db.models import Count, Max
from django.utils.translation import gettext as _

from awn.core.text.arabizi import arabizi_share
from awn.knowledge.enums import ArticleStatus, Visibility
from awn.knowledge.models import Article, ArticleQuestion
from awn.tickets.enums import Category

from .embeddings import default_embedder
from .handoff import (
    ACCOUNT_COMPROMISED,
    COMPLAINT_ABOUT_STAFF,
    OUT_OF_SCOPE,
    SMALL_TALK,
    handoff_cues,
    is_small_talk,
    mentions_all,
    out_of_scope_terms,
)
from .llm import answer_composer
from .retrieval import ArticleDoc, Hit, KnowledgeIndex, Ranking
from .triage.service import OTHER, TriageResult, triage_text

logger = logging.getLogger(__name__)

# Logistic calibration of "the top article is the right answer", fitted on ../shared/eval/queries_dev.jsonl with
# `manage.py eval_assistant --fit-calibration`, on features that keep their meaning whatever the size of the
# knowledge base (see Hit). Refit when retrieval changes.
CALIBRATION = {
    "bias": -1.143,
    "lexical": 5.006,
    "lexical_lead": 6.98,
    "dense_lead": 2.055,
    "dense_gap": 1.857,
    "lexical_gap": 4.989,
}
FEATURES = ("lexical", "lexical_lead", "dense_lead", "dense_gap", "lexical_gap")
ANSWER_THRESHOLD = 0.45  # below this confidence the question goes to a human
CONTEXT_THRESHOLD = 0.3  # with a handoff cue, the article is shown as context above this
SURE_THRESHOLD = 0.9  # an out-of-scope topic word does not override a match this sure
# ...nor a good match with an article that itself names the topic («is the original vaccination card required?»
# is the registration-documents article, which lists the card). Set with ../shared/eval/queries_dev.jsonl in view.
COVERED_THRESHOLD = 0.75
MAX_STEPS = 8

ANSWERED = "answered"
EMPTY_QUESTION = "empty_question"
LOW_CONFIDENCE = "low_confidence"
URGENT = "urgent"

# Cues that name the topic, whatever the words around them: a teacher whose grades changed behind their back has
# an account-security problem although every other word is about grades. Handoff reasons and triage cue codes.
TOPIC_OF_CUE = {
    ACCOUNT_COMPROMISED: Category.ACCOUNT_ACCESS,
    "account_intrusion": Category.ACCOUNT_ACCESS,
    "code_given_away": Category.ACCOUNT_ACCESS,
    "grades_changed_by_someone": Category.ACCOUNT_ACCESS,
    COMPLAINT_ABOUT_STAFF: Category.COMPLAINTS_SUGGESTIONS,
}


@dataclass(frozen=True)
class AssistantAnswer:
    answer: str
    article: ArticleDoc | None
    confidence: float
    handoff: bool
    reason: str
    category: str
    language: str
    suggestions: tuple[Hit, ...] = field(default=())

    @property
    def article_id(self) -> str | None:
        return self.article.external_id if self.article else None


def calibration_features(hits: Sequence[Hit]) -> list[float]:
    if not hits:
        return [0.0] * len(FEATURES)
    top = hits[0]
    second = hits[1] if len(hits) > 1 else None
    return [
        top.lexical,
        top.lexical_lead,
        top.dense_lead,
        top.dense - second.dense if second else top.dense_lead,
        top.lexical - second.lexical if second else top.lexical_lead,
    ]


def confidence_of(hits: Sequence[Hit]) -> float:
    if not hits:
        return 0.0
    features = calibration_features(hits)
    logit = CALIBRATION["bias"] + sum(
        CALIBRATION[name] * value for name, value in zip(FEATURES, features, strict=True)
    )
    return 1.0 / (1.0 + math.exp(-logit))


def detect_language(text: str) -> str:
    """ "ar" or "en": English when the message is written in Latin letters that are not Arabizi."""
    arabic = len(re.findall(r"[\u0600-\u06ff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    if latin > arabic * 2 and arabizi_share(text) < 0.3:
        return "en"
    return "ar"


_STEP = re.compile(r"^\s*(\d+|[٠-٩]+)[.)-]\s*")


def grounded_answer(doc: ArticleDoc, language: str) -> str:
    """The article's opening sentence and numbered steps, verbatim; English when the article has an English body."""
    use_english = language == "en" and bool(doc.body_en.strip())
    title = doc.title_en if use_english else doc.title_ar
    body = doc.body_en if use_english else doc.body_ar
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    if not lines:
        return title
    opening = re.split(r"(?<=[.!؟?])\s", lines[0], maxsplit=1)[0]
    steps = [line for line in lines[1:] if _STEP.match(line)][:MAX_STEPS]
    if not steps:
        steps = lines[1:4]
    parts = [title, opening, *steps]
    if language == "en" and not use_english:
        parts.insert(0, doc.title_en or title)
    return "\n".join(dict.fromkeys(parts))


def _handoff_message(reasons: list[str]) -> str:
    if reasons and reasons[0] == EMPTY_QUESTION:
        return _("Please write your question in a few words, and we will help you.")
    if reasons and reasons[0] == SMALL_TALK:
        return _(
            "Hello! I am Awn's assistant. Tell me how I can help, or a member of our team will reply to you."
        )
    return _("A member of our support team will take over your question and reply to you.")


_index: KnowledgeIndex | None = None
_index_version: tuple[object, ...] | None = None
_index_lock = threading.Lock()


QUESTIONS_PER_ARTICLE = 50  # the most recent questions users said an article answered, read with it


def _learned_questions(article_count: int) -> dict[int, list[str]]:
    """Each published article's most recent learned questions (one bounded query)."""
    rows = (
        ArticleQuestion.objects.filter(article__status=ArticleStatus.PUBLISHED)
        .order_by("-pk")
        .values_list("article_id", "text")[: QUESTIONS_PER_ARTICLE * max(article_count, 1)]
    )
    questions: dict[int, list[str]] = {}
    for article_id, text in rows:
        kept = questions.setdefault(article_id, [])
        if len(kept) < QUESTIONS_PER_ARTICLE:
            kept.append(text)
    return questions


def _published_docs() -> list[ArticleDoc]:
    rows = list(Article.objects.filter(status=ArticleStatus.PUBLISHED).order_by("pk"))
    questions = _learned_questions(len(rows))
    return [
        ArticleDoc(
            pk=a.pk,
            external_id=a.external_id,
            category=a.category,
            title_ar=a.title_ar,
            body_ar=a.body_ar,
            title_en=a.title_en,
            body_en=a.body_en,
            tags=tuple(a.tags or ()),
            public=a.visibility == Visibility.PUBLIC,
            questions=tuple(questions.get(a.pk, ())),
        )
        for a in rows
    ]


def current_index() -> KnowledgeIndex:
    """The index of published articles, rebuilt when any article changes (one cheap aggregate per call)."""
    global _index, _index_version
    stats = Article.objects.filter(status=ArticleStatus.PUBLISHED).aggregate(
        n=Count("pk"), at=Max("updated_at")
    )
    learned = ArticleQuestion.objects.aggregate(n=Count("pk"), last=Max("pk"))
    version = (stats["n"], stats["at"], learned["n"], learned["last"])
    with _index_lock:
        if _index is None or version != _index_version:
            _index = KnowledgeIndex(_published_docs(), embedder=default_embedder())
            _index_version = version
        return _index


def reset_index() -> None:
    global _index, _index_version
    with _index_lock:
        _index, _index_version = None, None


def cue_topic(reasons: Sequence[str], triage: TriageResult) -> str:
    """The category a topic-naming cue gives the question ("" when no such cue fired)."""
    for cue in (*reasons, *triage.cue_codes):
        if cue in TOPIC_OF_CUE:
            return str(TOPIC_OF_CUE[cue])
    return ""


def question_category(
    article: ArticleDoc | None, reasons: Sequence[str], triage: TriageResult, ranking: Ranking
) -> str:
    """The answered article's category; for a handoff, the topic its cue names or else what the triage model and
    the retrieval agree on most.

    Both are distributions over the categories, added with equal weight: the model knows each category's words,
    the retrieval sees which group of articles the question sits among (three transfer articles near the top say
    «transfer» even when none is sure enough to answer). A topic outside the knowledge base is «other».
    On ../shared/eval/queries_dev.jsonl: 0.830 with the model alone (when fairly sure) → 0.890 with the cue topics.
    """
    if article is not None:
        return article.category
    if ranking.favoured:
        return ranking.favoured
    if OUT_OF_SCOPE in reasons or SMALL_TALK in reasons:
        return OTHER
    return agreed_category(triage, ranking)[0]


def agreed_category(triage: TriageResult, ranking: Ranking) -> tuple[str, float]:
    """The category the triage model and the retrieval agree on most, with its mean probability of the two."""
    shares = ranking.category_shares()
    evidence = dict(shares)
    for label, probability in triage.category_scores:
        evidence[label] = evidence.get(label, 0.0) + probability
    if not evidence:
        return OTHER, 0.1
    best = max(evidence, key=evidence.__getitem__)
    sources = int(bool(shares)) + int(bool(triage.category_scores))
    return best, round(min(1.0, evidence[best] / sources), 3)


# As sure as the priority rules are of one urgent cue.
TOPIC_CUE_CONFIDENCE = 0.8


def triage_with_knowledge(text: str) -> TriageResult:
    """triage_text for a new ticket, with its category also read from the knowledge base.

    The category is the topic a cue names, or else what the model and the retrieval agree on (as for a question
    the assistant hands off); the model's «other» (out of scope, small talk, or its own best guess) stands.
    On ../shared/eval/queries_dev.jsonl read as tickets: category 0.78 with the model alone → 0.865 (the n-gram
    model bootstrapped from the knowledge base).
    """
    index = current_index()
    vector = index.query_vector(text)
    triage = triage_text(text, embedding=vector)
    if triage.category == OTHER:
        return triage
    topic = cue_topic(handoff_cues(text), triage)
    if topic:
        confidence = max(
            TOPIC_CUE_CONFIDENCE, triage.category_confidence if triage.category == topic else 0.0
        )
        return replace(triage, category=topic, category_confidence=confidence)
    category, confidence = agreed_category(triage, index.rank(text, include_internal=True, vector=vector))
    return replace(triage, category=category, category_confidence=confidence)


def _out_of_scope(question: str, hits: list[Hit], confidence: float) -> bool:
    """A topic the knowledge base does not cover, unless the match says otherwise (see the thresholds)."""
    terms = out_of_scope_terms(question)
    if not terms or confidence >= SURE_THRESHOLD:
        return False
    if hits and confidence >= COVERED_THRESHOLD:
        doc = hits[0].article
        return not mentions_all(
            " ".join([doc.title_ar, *doc.tags, doc.body_ar, doc.title_en, doc.body_en]), terms
        )
    return True


def assistant_ask(
    question: str, *, include_internal: bool = False, index: KnowledgeIndex | None = None
) -> AssistantAnswer:
    """Answer `question` from the knowledge base or hand it off; `include_internal` only for agents."""
    language = detect_language(question)
    if not re.search(r"\w", question):
        return AssistantAnswer(
            _handoff_message([EMPTY_QUESTION]), None, 0.0, True, EMPTY_QUESTION, OTHER, language
        )
    index = index or current_index()
    vector = index.query_vector(question)  # embedded once, read by retrieval and by triage
    triage = triage_text(question, embedding=vector)
    reasons = handoff_cues(question)
    ranking = index.rank(question, include_internal=include_internal, vector=vector)
    ranking = ranking.favouring(cue_topic(reasons, triage))
    hits = ranking.top(3)
    confidence = confidence_of(hits)
    if triage.priority == "urgent":
        reasons.append(URGENT)
    # A human takes over anyway when a cue fired; the article is still shown when it is a fair match, so the
    # user can act at once (freeze a compromised account) while waiting.
    threshold = CONTEXT_THRESHOLD if reasons else ANSWER_THRESHOLD
    confident = bool(hits) and confidence >= threshold
    if is_small_talk(question):
        confident, reasons = False, [SMALL_TALK]
    elif _out_of_scope(question, hits, confidence):
        confident = False
        reasons.insert(0, OUT_OF_SCOPE)
    if not confident:
        reasons.append(LOW_CONFIDENCE)
    article = hits[0].article if confident else None
    category = question_category(article, reasons, triage, ranking)
    if article is None:
        return AssistantAnswer(
            _handoff_message(reasons), None, confidence, True, reasons[0], category, language, tuple(hits)
        )
    answer = grounded_answer(article, language)
    if not reasons:
        composed = answer_composer().compose(question, article, answer, language)
        answer = composed.text
        if composed.handoff:  # the optional language model read the article and says it does not answer this
            reasons.append(LOW_CONFIDENCE)
    if reasons:
        answer = f"{answer}\n\n{_handoff_message(reasons)}"
    return AssistantAnswer(
        answer,
        article,
        confidence,
        bool(reasons),
        reasons[0] if reasons else ANSWERED,
        category,
        language,
        tuple(hits),
    )


def attempt_note(result: AssistantAnswer, *, declined: bool) -> str:
    """What the assistant tried, for the agent who takes over (an internal note on the ticket)."""
    if result.article is None:
        return _("The assistant found no article for this question (reason: %(reason)s).") % {
            "reason": result.reason
        }
    lines = [
        _("The assistant suggested the article «%(title)s» (%(id)s), confidence %(confidence).0f%%.")
        % {
            "title": result.article.title_ar,
            "id": result.article.external_id,
            "confidence": result.confidence * 100,
        }
    ]
    if declined:
        lines.append(_("The customer said it did not solve the problem."))
    elif result.handoff:
        lines.append(_("It handed the question to a human (reason: %(reason)s).") % {"reason": result.reason})
    return "\n".join(lines)
