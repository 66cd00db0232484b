"""Train the category classifier from labelled history: agents' corrections first, then tickets with a category.

Training examples, in order of trust:
1. tickets whose triage an agent corrected or confirmed (TicketTriage.corrected_category), repeated
   CORRECTION_WEIGHT times so one correction outweighs older, contradicting history;
2. other tickets with a category that is not «other», except those whose category the automatic triage set
   and no agent confirmed (training on our own guesses would only reinforce them);
3. the knowledge base (title, tags, body lines of published articles → the article's category) and a few
   general out-of-scope phrasings for «other»: the prior that lets a fresh install triage before any history.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Max

from awn.tickets.enums import Category
from awn.tickets.models import Ticket

from .bridging import classifier_text
from .classifier import TextClassifier

CATEGORY_MODEL_NAME = "triage_category.joblib"
CORRECTION_WEIGHT = 3
CLASSIFIER_C = 0.3
# «other» has one article at most; these general out-of-scope requests teach the model what it looks like.
# Topic words only: a generic verb here («أريد», «كيف») would pull every request towards «other».
OTHER_SEEDS = (
    "موعد الإجازة القادمة",
    "عدد أيام العطلة الرسمية",
    "رواتب المعلمين الجدد",
    "صرف المكافأة الشهرية",
    "رقم هاتف مكتب التعليم",
    "وظائف المعلمين والتوظيف",
    "حجز موعد في المستشفى",
    "مواعيد الحافلات المدرسية",
    "محلات الزي المدرسي",
    "المقصف المدرسي الصحي",
    "شروط القبول في الجامعة",
    "موعد اختبار القدرات",
    "المنح الدراسية للمتفوقين",
    "رخصة القيادة",
    "أفضل مدرسة أهلية في المدينة",
    "حل مسألة رياضيات",
    "مرحبا كيف حالك",
    "هل أنت روبوت",
    "ministry opening hours",
    "next public holiday",
    "teacher salary",
    "school bus route",
)


def category_model_path() -> Path:
    return Path(settings.VAR_DIR) / "models" / CATEGORY_MODEL_NAME


def ticket_text(subject: str, body_preview: str) -> str:
    """What the classifier reads of a ticket: its subject and the start of its first message (bridged to Arabic
    when written in Latin letters, as at prediction)."""
    text = body_preview.strip() if body_preview.startswith(subject) else f"{subject}\n{body_preview}".strip()
    return classifier_text(text) if text else text


def labelled_ticket_history() -> tuple[list[str], list[str]]:
    """(texts, categories) of tickets with a category an agent gave: corrections/confirmations first."""
    texts, labels, _corrected = _history()
    return texts, labels


def _history() -> tuple[list[str], list[str], int]:
    from awn.assistant.models import TicketTriage

    texts: list[str] = []
    labels: list[str] = []
    seen: set[int] = set()
    corrected = (
        TicketTriage.objects.exclude(corrected_at=None)
        .exclude(corrected_category="")
        .order_by("-corrected_at")
        .values_list("ticket_id", "ticket__subject", "ticket__body_preview", "corrected_category")
    )
    for ticket_id, subject, body_preview, category in corrected.iterator(chunk_size=2000):
        text = ticket_text(subject, body_preview)
        if text:
            texts.append(text)
            labels.append(category)
        seen.add(ticket_id)
    n_corrected = len(texts)
    # Categories set by the automatic triage and never confirmed are our own guesses, not labels (unless an
    # agent has since changed the ticket's category by hand).
    guessed = {
        ticket_id
        for ticket_id, fields, predicted, current in TicketTriage.objects.filter(corrected_at=None)
        .exclude(applied_fields=[])
        .values_list("ticket_id", "applied_fields", "category", "ticket__category")
        .iterator(chunk_size=2000)
        if "category" in (fields or []) and predicted == current
    }
    rows = (
        Ticket.objects.exclude(category=Category.OTHER)
        .order_by("pk")
        .values_list("pk", "subject", "body_preview", "category")
    )
    for ticket_id, subject, body_preview, category in rows.iterator(chunk_size=2000):
        if ticket_id in seen or ticket_id in guessed:
            continue
        text = ticket_text(subject, body_preview)
        if text:
            texts.append(text)
            labels.append(category)
    return texts, labels, n_corrected


def knowledge_fingerprint() -> tuple[int, str]:
    """(published articles, last change): a bootstrapped model is rebuilt when this changes."""
    from awn.knowledge.enums import ArticleStatus
    from awn.knowledge.models import Article

    stats = Article.objects.filter(status=ArticleStatus.PUBLISHED).aggregate(
        n=Count("pk"), last=Max("updated_at")
    )
    return int(stats["n"] or 0), str(stats["last"] or "")


_LIST_MARK = re.compile(r"^\s*(?:\d+[.)-]|[-•*])\s*")


def article_examples(title_ar: str, title_en: str, tags: list[str] | None, body_ar: str) -> list[str]:
    """Short training texts from one article: titles, tags, and each body line of three words or more."""
    tag_text = " ".join(str(tag) for tag in (tags or []))
    pieces = [title_ar, title_en, tag_text, f"{title_ar} {tag_text}"]
    for line in (body_ar or "").splitlines():
        line = _LIST_MARK.sub("", line).strip()
        if len(line.split()) >= 3:
            pieces.append(line)
    return [piece for piece in pieces if piece.strip()]


def bootstrap_examples() -> tuple[list[str], list[str]]:
    """Short examples from published articles (titles, tags, body lines) plus the «other» seeds."""
    from awn.knowledge.enums import ArticleStatus
    from awn.knowledge.models import Article

    texts: list[str] = []
    labels: list[str] = []
    articles = Article.objects.filter(status=ArticleStatus.PUBLISHED).values_list(
        "category", "title_ar", "title_en", "tags", "body_ar"
    )
    for category, title_ar, title_en, tags, body_ar in articles.iterator(chunk_size=500):
        pieces = article_examples(title_ar, title_en, tags, body_ar)
        texts += pieces
        labels += [category] * len(pieces)
    return with_other_seeds(texts, labels)


def with_other_seeds(texts: list[str], labels: list[str]) -> tuple[list[str], list[str]]:
    """Add the «other» seeds, no more than a typical category has examples (a small knowledge base must not be
    outweighed by them)."""
    if not texts:
        return texts, labels
    counts = sorted(Counter(labels).values())
    seeds = OTHER_SEEDS[: max(3, counts[len(counts) // 2])]
    return texts + list(seeds), labels + [Category.OTHER] * len(seeds)


@dataclass(frozen=True)
class TrainingReport:
    classifier: TextClassifier
    path: Path
    tickets: int  # labelled tickets from history
    corrected: int  # of which agents corrected or confirmed
    knowledge_examples: int  # examples from the knowledge base and the «other» seeds


def train_category_model(path: Path | None = None) -> TrainingReport:
    """Fit the category classifier on history (corrections weighted) and the knowledge base; save atomically."""
    history_texts, history_labels, corrected = _history()
    texts = history_texts + history_texts[:corrected] * (CORRECTION_WEIGHT - 1)
    labels = history_labels + history_labels[:corrected] * (CORRECTION_WEIGHT - 1)
    kb_texts, kb_labels = bootstrap_examples()
    texts, labels = texts + kb_texts, labels + kb_labels
    if len({label for label in labels if label != Category.OTHER}) < 2:
        raise ValueError(
            "need tickets or knowledge base articles in at least two categories other than «other» to train"
        )
    classifier = TextClassifier(c=CLASSIFIER_C).fit(texts, labels)
    saved = classifier.save(path or category_model_path())
    return TrainingReport(classifier, saved, len(history_texts), corrected, len(kb_texts))


def train_category_classifier(path: Path | None = None) -> tuple[TextClassifier, Path]:
    report = train_category_model(path)
    return report.classifier, report.path
