"""Triage of one text: category (learned), priority, sentiment, language and dialect (rules), with confidences.

    triage_text("احد دخل على حسابي وغير الايميل") → TriageResult(category="account_access", priority="urgent", …)

The category comes from the model `manage.py train_triage` learned from labelled ticket history (agents'
corrections first), loaded once per process and reloaded when its file changes. Before any model was trained,
a model is bootstrapped in memory from the knowledge base (each article's title, tags and body lines → its
category), so a fresh install triages sensibly; with neither, the category is «other» with low confidence.
Priority, sentiment and dialect come from the cue lexicons (lexicons.py, cues.py): explainable, and the cues
found are returned in words an agent understands.

The reading only: storing a triage on a ticket and an agent's correction are the writes of services.py.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from awn.core.text.arabic import normalize_arabic

from . import cues as rules
from .bridging import classifier_text
from .classifier import TextClassifier

logger = logging.getLogger(__name__)

OTHER = "other"
# Below this the learned category is not trusted over «other» for a message the rules call out of scope.
OUT_OF_SCOPE_TRUST = 0.6


@dataclass(frozen=True)
class TriageResult:
    category: str
    category_confidence: float
    priority: str
    priority_confidence: float
    sentiment: str
    sentiment_confidence: float
    language: str  # "ar", "en" or "mixed"
    dialect: str  # "msa", "gulf", "egyptian", "levantine", "arabizi", "english" or "mixed"
    dialect_confidence: float
    cues: tuple[str, ...]  # the cues found, in words an agent understands (active language)
    cue_codes: tuple[str, ...] = ()  # the same cues as stable codes (stored on the ticket)
    model_version: str = ""  # which category model answered ("" when none)
    # The model's probability for every category it knows, best first (empty without a model or a word).
    category_scores: tuple[tuple[str, float], ...] = ()


# ── the category model, cached per process ───────────────────────────────────────────────────────────────
class _ModelCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.classifier: TextClassifier | None = None
        self.version = ""
        self.file_key: tuple[str, int] | None = None  # (path, mtime_ns) of the loaded trained model
        self.bootstrap_key: object = None
        self.unreadable_key: tuple[str, int] | None = None  # a model file that failed to load (not retried)
        self.pinned = False

    def reset(self) -> None:
        with self.lock:
            self.classifier, self.version, self.file_key = None, "", None
            self.bootstrap_key = None
            self.unreadable_key = None
            self.pinned = False


_cache = _ModelCache()


def reset_model_cache() -> None:
    """Forget the loaded model (tests; after a retrain in the same process the file check does this anyway)."""
    _cache.reset()


def use_category_model(classifier: TextClassifier | None, version: str) -> None:
    """Pin one classifier for this process (evaluation on files); reset_model_cache() unpins."""
    with _cache.lock:
        _cache.classifier, _cache.version, _cache.pinned = classifier, version, True


def _trained_model_file() -> Path | None:
    from .training import category_model_path

    path = category_model_path()
    return path if path.exists() else None


def _load_trained(path: Path) -> bool:
    """Load the trained model if its file changed since last time; False if it cannot be read."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns)
    if _cache.file_key == key and _cache.classifier is not None:
        return True
    if _cache.unreadable_key == key:
        return False
    try:
        classifier = TextClassifier.load(path)
    except Exception:  # a corrupt or foreign file must not stop triage: fall back to the bootstrap
        logger.exception("cannot load the triage model %s", path)
        _cache.unreadable_key = key
        return False
    _cache.classifier, _cache.file_key = classifier, key
    _cache.version = (
        f"trained-{time.strftime('%Y%m%dT%H%M%S', time.gmtime(stat.st_mtime))}-n{classifier.n_train}"
    )
    _cache.bootstrap_key = None
    return True


def _bootstrap() -> None:
    """Train in memory from the knowledge base when its published articles changed (one cheap query)."""
    from .training import CLASSIFIER_C, bootstrap_examples, knowledge_fingerprint

    try:
        fingerprint = knowledge_fingerprint()
    except Exception:  # no database here (an offline script): nothing to bootstrap from
        logger.debug("no knowledge base to bootstrap triage from", exc_info=True)
        fingerprint = (0, "")
    if fingerprint == _cache.bootstrap_key and _cache.file_key is None:
        return
    classifier = None
    if fingerprint[0]:
        texts, labels = bootstrap_examples()
        if len({label for label in labels if label != OTHER}) >= 2:
            classifier = TextClassifier(c=CLASSIFIER_C, jobs=1).fit(texts, labels)
    _cache.classifier, _cache.file_key, _cache.bootstrap_key = classifier, None, fingerprint
    _cache.version = f"kb-bootstrap-{fingerprint[0]}" if classifier is not None else ""


def category_model() -> tuple[TextClassifier | None, str]:
    """The category classifier to use now and its version label."""
    with _cache.lock:
        if _cache.pinned:
            return _cache.classifier, _cache.version
        path = _trained_model_file()
        if path is None or not _load_trained(path):
            _bootstrap()
        return _cache.classifier, _cache.version


def _reads_default_vectors(classifier: TextClassifier) -> bool:
    """Whether the model was trained on the default embedder's vectors (what callers pass as `embedding`)."""
    from awn.assistant.embeddings import default_embedder

    default = default_embedder()
    return default is not None and default.name == classifier.embedder_name


def _category(
    text: str, embedding: np.ndarray | None = None
) -> tuple[str, float, str, tuple[tuple[str, float], ...]]:
    """(category, its confidence, model version, every category's probability best first)."""
    classifier, version = category_model()
    if classifier is None:
        return OTHER, 0.1, version, ()
    vectors = None
    if embedding is not None and classifier.uses_embeddings and _reads_default_vectors(classifier):
        vectors = np.asarray(embedding, dtype=np.float32).reshape(1, -1)
    proba = classifier.predict_proba([text], embeddings=vectors)[0]
    scores = tuple(
        sorted(
            ((label, round(float(p), 4)) for label, p in zip(classifier.labels, proba, strict=True)),
            key=lambda item: -item[1],
        )
    )
    label, confidence = scores[0]
    return label, round(min(1.0, max(0.0, confidence)), 3), version, scores


# ── the entry points: one text, or many at once ─────────────────────────────────────────────────────────
@dataclass(frozen=True)
class _Rules:
    """What the cue rules read of one text (everything but the category)."""

    text: str
    has_words: bool
    priority: rules.PriorityGuess
    sentiment: str
    sentiment_confidence: float
    language: str
    dialect: str
    dialect_confidence: float


def _rules(text: str, normalized: str | None = None) -> _Rules:
    normalized = normalize_arabic(text) if normalized is None else normalized
    tokens = rules.words(normalized)
    negative, positive = rules.sentiment_scores(normalized, text)
    priority = rules.guess_priority(normalized, tokens, negative)
    sentiment, sentiment_confidence = rules.guess_sentiment(negative, positive, priority.priority)
    language, dialect, dialect_confidence = rules.guess_dialect(text, normalized, tokens)
    return _Rules(
        text, bool(tokens), priority, sentiment, sentiment_confidence, language, dialect, dialect_confidence
    )


def _result(read: _Rules, category: tuple[str, float, str, tuple[tuple[str, float], ...]]) -> TriageResult:
    label, confidence, version, scores = category
    priority = read.priority
    out_of_scope = priority.priority == "low" and any(
        c.code in ("out_of_scope", "chit_chat") for c in priority.cues
    )
    small_talk = priority.priority == "low" and not priority.cues
    if (out_of_scope or small_talk) and confidence < OUT_OF_SCOPE_TRUST:
        label, confidence = OTHER, 0.6
    return TriageResult(
        category=label,
        category_confidence=confidence,
        priority=priority.priority,
        priority_confidence=round(priority.confidence, 3),
        sentiment=read.sentiment,
        sentiment_confidence=round(read.sentiment_confidence, 3),
        language=read.language,
        dialect=read.dialect,
        dialect_confidence=round(read.dialect_confidence, 3),
        cues=tuple(str(c.label) for c in priority.cues),
        cue_codes=tuple(c.code for c in priority.cues),
        model_version=version,
        category_scores=scores,
    )


_NO_CATEGORY: tuple[str, float, str, tuple[tuple[str, float], ...]] = (OTHER, 0.1, "", ())


def triage_text(
    text: str, *, embedding: np.ndarray | None = None, normalized: str | None = None
) -> TriageResult:
    """Triage one message (a ticket's subject and first message, or a chat line).

    `embedding`: the message's query vector from the default embedder when the caller already has it (the
    assistant embeds each question for retrieval), so a category model that reads those vectors does not embed the
    text a second time. Ignored by models that read none or another embedder's; such a model embeds the text
    itself. `normalized`: normalize_arabic(text) when the caller has it (the assistant's Question).
    """
    read = _rules(text or "", normalized if text else None)
    if not read.has_words:
        return _result(read, _NO_CATEGORY)
    return _result(read, _category(classifier_text(read.text, read.dialect), embedding))


def _categories(
    texts: list[str], embeddings: np.ndarray | None
) -> list[tuple[str, float, str, tuple[tuple[str, float], ...]]]:
    """`_category` of many texts with one call of the model (one matrix product for the whole batch)."""
    classifier, version = category_model()
    if classifier is None:
        return [(OTHER, 0.1, version, ())] * len(texts)
    vectors = None
    if embeddings is not None and classifier.uses_embeddings and _reads_default_vectors(classifier):
        vectors = np.asarray(embeddings, dtype=np.float32).reshape(len(texts), -1)
    out = []
    for proba in classifier.predict_proba(texts, embeddings=vectors):
        scores = tuple(
            sorted(
                ((label, round(float(p), 4)) for label, p in zip(classifier.labels, proba, strict=True)),
                key=lambda item: -item[1],
            )
        )
        label, confidence = scores[0]
        out.append((label, round(min(1.0, max(0.0, confidence)), 3), version, scores))
    return out


def triage_texts(
    texts: Sequence[str], *, embeddings: Sequence[np.ndarray | None] | None = None
) -> list[TriageResult]:
    """`triage_text` of many messages at once: the same results, the category model called once for all.

    `embeddings`: one query vector (or None) per text, as `triage_text`'s `embedding`; they are used only when every
    text with words has one (a model that reads vectors then embeds none of them again).
    """
    reads = [_rules(text or "") for text in texts]
    worded = [i for i, read in enumerate(reads) if read.has_words]
    categories = [_NO_CATEGORY] * len(reads)
    if worded:
        vectors = None
        if embeddings is not None and all(embeddings[i] is not None for i in worded):
            vectors = np.stack([np.asarray(embeddings[i], dtype=np.float32).ravel() for i in worded])
        inputs = [classifier_text(reads[i].text, reads[i].dialect) for i in worded]
        for i, category in zip(worded, _categories(inputs, vectors), strict=True):
            categories[i] = category
    return [_result(read, category) for read, category in zip(reads, categories, strict=True)]
