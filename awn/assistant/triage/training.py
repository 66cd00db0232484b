"""Train the category classifier from labelled history: tickets whose category is known."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from awn.tickets.enums import Category
from awn.tickets.models import Ticket

from .classifier import TextClassifier

CATEGORY_MODEL_NAME = "triage_category.joblib"


def category_model_path() -> Path:
    return Path(settings.VAR_DIR) / "models" / CATEGORY_MODEL_NAME


def ticket_text(subject: str, body_preview: str) -> str:
    """What the classifier reads of a ticket: its subject and the start of its first message."""
    return f"{subject}\n{body_preview}".strip()


def labelled_ticket_history() -> tuple[list[str], list[str]]:
    """(texts, categories) of tickets with a known category.

    For now every ticket whose category is not «other»; once agents confirm categories, only confirmed ones.
    """
    rows = (
        Ticket.objects.exclude(category=Category.OTHER)
        .order_by("pk")
        .values_list("subject", "body_preview", "category")
    )
    texts, labels = [], []
    for subject, body_preview, category in rows.iterator(chunk_size=2000):
        text = ticket_text(subject, body_preview)
        if text:
            texts.append(text)
            labels.append(category)
    return texts, labels


def train_category_classifier(path: Path | None = None) -> tuple[TextClassifier, Path]:
    """Fit the category classifier on ticket history and save it (atomically) under var/models/."""
    texts, labels = labelled_ticket_history()
    if len(set(labels)) < 2:
        raise ValueError(
            f"need tickets in at least two categories other than «other» to train; found {len(set(labels))}"
        )
    classifier = TextClassifier().fit(texts, labels)
    return classifier, classifier.save(path or category_model_path())
