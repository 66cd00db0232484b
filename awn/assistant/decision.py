"""The learned answer-or-hand-off decision: one multinomial logistic regression, calibrated, with a cost threshold.

Classes: `answer`, or one of the nine handoff reasons of issue 12 (HANDOFF_REASONS). Inputs, read once per
question (DecisionInput):
- character 2–5-grams of the normalized text (Arabizi transliterated, hamza/ta marbuta folded), hashed;
- the question's e5 embedding (the vector retrieval already computed);
- retrieval features that mean the same for 6 articles or 600: the dense and lexical cosines of the first
  article, its leads over the median article, its margins over the second and the third, and whether the first
  two are neighbours (same category, and how much of their text they share);
- cue flags: the hand-written handoff cue lists of handoff.py, the out-of-scope topic words, small talk. They are
  inputs the model weighs, not rules.

Confidence = P(answer) × P(right article), then Platt-scaled on held-out folds so that 0.8 is right 8 times in 10
("right" = answering was the right decision and the first article is the one that resolves the need). The
question is answered when the calibrated confidence reaches the threshold; the threshold minimizes the expected
cost on held-out folds of the training corpus (grouped by paraphrase family):

    missed handoff (answered someone who needed a person)   4
    wrong article (answered with the wrong article)         1.5
    unneeded handoff (handed off an answerable question)    1

Prior shift. Far more of the corpus the model is trained on "needs a person" than of real traffic (the model
file records its training prior). The model's calibrated probabilities carry the corpus's class prior, so they
are moved to the deployment's prior (settings.AWN_ASSISTANT_HANDOFF_PRIOR) by Bayes' rule, as in Saerens,
Latinne & Decaestecker (2002, "Adjusting the outputs of a classifier to new a priori probabilities"):
p'(c|x) ∝ p(c|x)·π'(c)/π(c), the handoff reasons keeping their corpus proportions among themselves. The confidence (P(answer and the first article is right)) is
a part of the answer class and moves with it. The threshold is the one cross-validation chose at that prior (a
table over priors, interpolated). `manage.py estimate_handoff_prior` estimates the prior from the deployment's
own stored questions with the same paper's EM.

The weights are weights/decision-model.json (everything but the n-gram/embedding matrix) and
weights/decision-model.npy (that matrix); no pickle. How they are trained and selected: bench/assistant/README.md.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from .embeddings import DIMENSIONS
from .handoff import (
    ACCOUNT_COMPROMISED,
    ASKS_FOR_HUMAN,
    COMPLAINT_ABOUT_STAFF,
    PERSONAL_CASE,
    STAFF_ACTION,
    is_small_talk,
    out_of_scope_terms,
)
from .question import Question
from .retrieval import Hit

ANSWER = "answer"
URGENT_DEADLINE = "urgent_deadline"
NOT_COVERED = "not_covered"
OFF_TOPIC = "off_topic"
ABUSE = "abuse"
HANDOFF_REASONS = (
    ASKS_FOR_HUMAN,
    PERSONAL_CASE,
    COMPLAINT_ABOUT_STAFF,
    ACCOUNT_COMPROMISED,
    URGENT_DEADLINE,
    STAFF_ACTION,
    NOT_COVERED,
    OFF_TOPIC,
    ABUSE,
)
CLASSES = (ANSWER, *HANDOFF_REASONS)

# The cost the answer/handoff threshold minimizes (see the module docstring and bench/assistant/README.md).
COST_MISSED_HANDOFF = 4.0
COST_WRONG_ARTICLE = 1.5
COST_UNNEEDED_HANDOFF = 1.0

# Bump when the features change: cached training features (bench/assistant/corpus.py) are keyed by it.
FEATURES_VERSION = "decision-features-2"
NGRAM_RANGE = (2, 5)
NGRAM_BUCKETS = 2**14

CUE_NAMES = (
    *(f"cue_{reason}" for reason in (ASKS_FOR_HUMAN, PERSONAL_CASE, STAFF_ACTION, COMPLAINT_ABOUT_STAFF)),
    f"cue_{ACCOUNT_COMPROMISED}",
    "cue_out_of_scope_term",
    "cue_small_talk",
    "long_number",
    "latin_share",
    "log_length",
)
_CUE_ORDER = (ASKS_FOR_HUMAN, PERSONAL_CASE, STAFF_ACTION, COMPLAINT_ABOUT_STAFF, ACCOUNT_COMPROMISED)
# Scores that keep their meaning whatever the size of the knowledge base: cosines, leads over the median article,
# margins. (Fused z-scores grow with the number of articles, so a model fitted on 40 would misread 6 or 600.)
RETRIEVAL_NAMES = (
    "dense_1",
    "dense_lead_1",
    "dense_margin_12",
    "dense_margin_13",
    "lexical_1",
    "lexical_lead_1",
    "lexical_margin_12",
    "lexical_margin_13",
    "same_category_12",
    "shared_text_12",
    "has_hits",
)
WEIGHTS_DIR = Path(__file__).parent / "weights"
MODEL_JSON = WEIGHTS_DIR / "decision-model.json"
MODEL_NPY = WEIGHTS_DIR / "decision-model.npy"

_hasher = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=NGRAM_RANGE,
    n_features=NGRAM_BUCKETS,
    alternate_sign=False,
    norm="l2",
    lowercase=False,
    dtype=np.float32,
)


def cue_flags(question: Question) -> np.ndarray:
    """The cue features: the cue lists that fired, out-of-scope words, small talk, a long number, Latin share,
    length."""
    text, normalized = question.raw, question.normalized
    fired = set(question.cue_reasons)
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    flags = [float(reason in fired) for reason in _CUE_ORDER]
    flags += [
        float(bool(out_of_scope_terms(text, normalized=normalized))),
        float(is_small_talk(text, normalized=normalized)),
        float(any(len(run) >= 5 for run in _digit_runs(normalized))),
        latin / letters if letters else 0.0,
        math.log1p(len(text)) / 5.0,
    ]
    return np.asarray(flags, dtype=np.float32)


def _digit_runs(text: str) -> list[str]:
    runs, current = [], []
    for ch in text:
        if ch.isdigit():
            current.append(ch)
        elif current:
            runs.append("".join(current))
            current = []
    if current:
        runs.append("".join(current))
    return runs


def retrieval_features(hits: Sequence[Hit], shared_text: float) -> np.ndarray:
    """The top hits' scores and margins; `shared_text` is the lexical similarity of the first two articles."""
    if not hits:
        return np.zeros(len(RETRIEVAL_NAMES), dtype=np.float32)
    first = hits[0]
    second = hits[1] if len(hits) > 1 else None
    third = hits[2] if len(hits) > 2 else None
    values = [
        first.dense,
        first.dense_lead,
        first.dense - second.dense if second else first.dense_lead,
        first.dense - third.dense if third else first.dense_lead,
        first.lexical,
        first.lexical_lead,
        first.lexical - second.lexical if second else first.lexical_lead,
        first.lexical - third.lexical if third else first.lexical_lead,
        float(second is not None and second.article.category == first.article.category),
        shared_text,
        1.0,
    ]
    return np.asarray(values, dtype=np.float32)


@dataclass(frozen=True)
class DecisionInput:
    """One question's features, computed once: n-gram text, embedding, retrieval and cue features."""

    ngram_text: str
    embedding: np.ndarray  # zeros when dense retrieval is off
    retrieval: np.ndarray
    cues: np.ndarray
    cue_reasons: tuple[str, ...] = ()  # handoff_cues(text): the cue lists that fired

    @classmethod
    def of(cls, question: Question, hits: Sequence[Hit], shared_text: float) -> DecisionInput:
        """The features of a question read once (its forms and vector) and of retrieval's first `hits`."""
        vector = question.embedding
        embedding = (
            np.asarray(vector, dtype=np.float32)
            if vector is not None
            else np.zeros(DIMENSIONS, dtype=np.float32)
        )
        return cls(
            question.ngram_text,
            embedding,
            retrieval_features(hits, shared_text),
            cue_flags(question),
            question.cue_reasons,
        )


def ngram_matrix(texts: Sequence[str]) -> sparse.csr_matrix:
    """Hashed character n-grams of already normalized texts (ngram_text), L2-normalized rows."""
    return _hasher.transform(list(texts)).tocsr()


@dataclass(frozen=True)
class FeatureScaling:
    """How the dense blocks are scaled before the linear model (stored with the model)."""

    embedding_weight: float
    retrieval_mean: np.ndarray
    retrieval_std: np.ndarray
    cue_weight: float

    def design(
        self, ngrams: sparse.spmatrix, embeddings: np.ndarray, retrieval: np.ndarray, cues: np.ndarray
    ) -> sparse.csr_matrix:
        scaled = (retrieval - self.retrieval_mean) / self.retrieval_std
        dense = np.hstack([embeddings * self.embedding_weight, scaled, cues * self.cue_weight])
        return sparse.hstack([ngrams, sparse.csr_matrix(dense.astype(np.float32))]).tocsr()

    def right_article_design(self, retrieval: np.ndarray) -> np.ndarray:
        return np.asarray((retrieval - self.retrieval_mean) / self.retrieval_std, dtype=np.float64)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=-1, keepdims=True))


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(x, -40, 40))))


def logit(p: np.ndarray | float) -> np.ndarray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(q / (1 - q)))


def deployment_prior(training_prior: np.ndarray, handoff_prior: float) -> np.ndarray:
    """The class prior at deployment: `handoff_prior` shared by the handoff reasons in their training
    proportions, the rest to `answer` (class 0 is ANSWER)."""
    prior = np.asarray(training_prior, dtype=np.float64)
    reasons = prior[1:] / prior[1:].sum()
    return np.concatenate([[1.0 - handoff_prior], handoff_prior * reasons])


def shift_prior(
    probabilities: np.ndarray, training_prior: np.ndarray, new_prior: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Posteriors under a new class prior (Saerens et al. 2002): p'(c|x) = p(c|x)·w_c / Σ_k p(k|x)·w_k with
    w = π'/π. Returns the new posteriors and each row's factor for the answer class, w_answer / Σ_k p(k|x)·w_k,
    which also moves any event inside the answer class (the confidence)."""
    weights = np.asarray(new_prior, dtype=np.float64) / np.asarray(training_prior, dtype=np.float64)
    unnormalized = np.atleast_2d(probabilities) * weights
    total = unnormalized.sum(axis=1, keepdims=True)
    return unnormalized / total, weights[0] / total[:, 0]


def em_prior(
    probabilities: np.ndarray, training_prior: np.ndarray, *, max_iter: int = 1000, tol: float = 1e-8
) -> tuple[np.ndarray, int]:
    """The class prior of an unlabelled sample, by EM (Saerens et al. 2002, section 2.2): alternately shift the
    posteriors to the current prior and take the prior as their mean. Returns the prior and the iterations."""
    training = np.asarray(training_prior, dtype=np.float64)
    prior = training.copy()
    for iteration in range(1, max_iter + 1):
        shifted, _ = shift_prior(probabilities, training, prior)
        updated = shifted.mean(axis=0)
        if np.abs(updated - prior).max() < tol:
            return updated, iteration
        prior = updated
    return prior, max_iter


def handoff_prior_setting() -> float | None:
    """settings.AWN_ASSISTANT_HANDOFF_PRIOR as a share in (0, 1), or None ("" or "training": the corpus prior)."""
    value = str(getattr(settings, "AWN_ASSISTANT_HANDOFF_PRIOR", "") or "").strip().lower()
    if value in ("", "training", "none"):
        return None
    share = float(value)
    if not 0.0 < share < 1.0:
        raise ValueError(f"AWN_ASSISTANT_HANDOFF_PRIOR must be a share in (0, 1), not {value!r}")
    return share


@dataclass(frozen=True)
class Decision:
    label: str  # the most likely class
    probabilities: dict[str, float]  # per class, temperature-calibrated
    p_answer: float
    p_right_article: float
    confidence: float  # calibrated P(answering with the first article is right)
    answer: bool  # confidence >= threshold
    reason: str  # "answer", or the most likely handoff reason


@dataclass(frozen=True)
class DecisionModel:
    """The fitted parameters (see bench/assistant/ for how they are fitted and chosen)."""

    classes: tuple[str, ...]
    weights: np.ndarray  # (classes, features) for the main model
    bias: np.ndarray  # (classes,)
    scaling: FeatureScaling
    temperature: float
    right_weights: np.ndarray  # (retrieval features,)
    right_bias: float
    platt_a: float
    platt_b: float
    threshold: float  # at the training prior
    meta: dict[str, Any]
    training_prior: np.ndarray | None = None  # class shares the model was fitted on
    thresholds_by_prior: tuple[tuple[float, float], ...] = ()  # (handoff prior, cross-validated threshold)
    handoff_prior: float | None = None  # the deployment's; None: the training prior, no shift

    @property
    def shifted(self) -> bool:
        return self.handoff_prior is not None and self.training_prior is not None

    def effective_threshold(self) -> float:
        """The threshold cross-validation chose at the deployment prior (interpolated between the priors it
        was chosen at), or the training-prior one."""
        if self.handoff_prior is None or self.training_prior is None or not self.thresholds_by_prior:
            return self.threshold
        priors, thresholds = zip(*self.thresholds_by_prior, strict=True)
        return float(np.interp(self.handoff_prior, priors, thresholds))

    def at_deployment_prior(
        self, probabilities: np.ndarray, confidence: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities and confidence moved from the training prior to the deployment's (no-op when unset)."""
        if not self.shifted:
            return probabilities, confidence
        assert self.training_prior is not None and self.handoff_prior is not None
        new_prior = deployment_prior(self.training_prior, self.handoff_prior)
        shifted, factor = shift_prior(probabilities, self.training_prior, new_prior)
        return shifted, np.clip(confidence * factor, 0.0, 1.0)

    def probabilities(self, design: sparse.spmatrix) -> np.ndarray:
        logits = np.asarray(design @ self.weights.T) + self.bias
        return softmax(logits / self.temperature)

    def right_article(self, retrieval: np.ndarray) -> np.ndarray:
        x = self.scaling.right_article_design(np.atleast_2d(retrieval))
        has_hits = np.atleast_2d(retrieval)[:, RETRIEVAL_NAMES.index("has_hits")] > 0
        return np.where(has_hits, sigmoid(x @ self.right_weights + self.right_bias), 0.0)

    def calibrated(self, p_answer: np.ndarray, p_right: np.ndarray) -> np.ndarray:
        return sigmoid(self.platt_a * logit(p_answer * p_right) + self.platt_b)

    def training_probabilities(self, inputs: Sequence[DecisionInput]) -> np.ndarray:
        """The calibrated class probabilities at the training prior (what the prior's EM estimate reads)."""
        design = self.scaling.design(
            ngram_matrix([item.ngram_text for item in inputs]),
            np.stack([item.embedding for item in inputs]),
            np.stack([item.retrieval for item in inputs]),
            np.stack([item.cues for item in inputs]),
        )
        return self.probabilities(design)

    def decide_many(self, inputs: Sequence[DecisionInput]) -> list[Decision]:
        probabilities = self.training_probabilities(inputs)
        right = self.right_article(np.stack([item.retrieval for item in inputs]))
        answer_column = self.classes.index(ANSWER)
        confidence = self.calibrated(probabilities[:, answer_column], right)
        probabilities, confidence = self.at_deployment_prior(probabilities, confidence)
        threshold = self.effective_threshold()
        decisions = []
        for row, p_right, sure in zip(probabilities, right, confidence, strict=True):
            best = self.classes[int(row.argmax())]
            handoff = [i for i, name in enumerate(self.classes) if name != ANSWER]
            reason = self.classes[max(handoff, key=lambda i: row[i])]
            answer = bool(sure >= threshold)
            decisions.append(
                Decision(
                    label=best,
                    probabilities={name: float(p) for name, p in zip(self.classes, row, strict=True)},
                    p_answer=float(row[answer_column]),
                    p_right_article=float(p_right),
                    confidence=float(sure),
                    answer=answer,
                    reason=ANSWER if answer else reason,
                )
            )
        return decisions

    def decide(self, item: DecisionInput) -> Decision:
        return self.decide_many([item])[0]

    # --- storage: JSON + .npy, never pickle ---------------------------------------------------------------------
    def save(self, json_path: Path = MODEL_JSON, npy_path: Path = MODEL_NPY) -> None:
        np.save(npy_path, np.ascontiguousarray(self.weights, dtype=np.float32), allow_pickle=False)
        document = {
            "format": "awn-decision-1",
            "classes": list(self.classes),
            "shape": list(self.weights.shape),
            "ngram_range": list(NGRAM_RANGE),
            "ngram_buckets": NGRAM_BUCKETS,
            "embedding_dimensions": DIMENSIONS,
            "retrieval_features": list(RETRIEVAL_NAMES),
            "cue_features": list(CUE_NAMES),
            "bias": [round(float(v), 6) for v in self.bias],
            "embedding_weight": self.scaling.embedding_weight,
            "cue_weight": self.scaling.cue_weight,
            "retrieval_mean": [round(float(v), 6) for v in self.scaling.retrieval_mean],
            "retrieval_std": [round(float(v), 6) for v in self.scaling.retrieval_std],
            "temperature": round(self.temperature, 6),
            "right_weights": [round(float(v), 6) for v in self.right_weights],
            "right_bias": round(self.right_bias, 6),
            "platt_a": round(self.platt_a, 6),
            "platt_b": round(self.platt_b, 6),
            "threshold": round(self.threshold, 4),
            "costs": {
                "missed_handoff": COST_MISSED_HANDOFF,
                "wrong_article": COST_WRONG_ARTICLE,
                "unneeded_handoff": COST_UNNEEDED_HANDOFF,
            },
            "meta": self.meta,
        }
        if self.training_prior is not None:
            document["training_prior"] = [round(float(v), 6) for v in self.training_prior]
        if self.thresholds_by_prior:
            document["thresholds_by_prior"] = [
                [round(p, 4), round(t, 4)] for p, t in self.thresholds_by_prior
            ]
        json_path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, json_path: Path = MODEL_JSON, npy_path: Path = MODEL_NPY) -> DecisionModel:
        document = json.loads(json_path.read_text(encoding="utf-8"))
        if document.get("format") != "awn-decision-1":
            raise ValueError(f"{json_path}: unknown model format")
        weights = np.load(npy_path, allow_pickle=False)
        expected = (
            len(document["classes"]),
            NGRAM_BUCKETS + DIMENSIONS + len(RETRIEVAL_NAMES) + len(CUE_NAMES),
        )
        if tuple(weights.shape) != expected or tuple(document["shape"]) != expected:
            raise ValueError(f"{npy_path}: shape {weights.shape}, expected {expected}")
        scaling = FeatureScaling(
            embedding_weight=float(document["embedding_weight"]),
            retrieval_mean=np.asarray(document["retrieval_mean"], dtype=np.float32),
            retrieval_std=np.asarray(document["retrieval_std"], dtype=np.float32),
            cue_weight=float(document["cue_weight"]),
        )
        return cls(
            classes=tuple(document["classes"]),
            weights=weights,
            bias=np.asarray(document["bias"], dtype=np.float32),
            scaling=scaling,
            temperature=float(document["temperature"]),
            right_weights=np.asarray(document["right_weights"], dtype=np.float64),
            right_bias=float(document["right_bias"]),
            platt_a=float(document["platt_a"]),
            platt_b=float(document["platt_b"]),
            threshold=float(document["threshold"]),
            meta=dict(document.get("meta", {})),
            training_prior=(
                np.asarray(document["training_prior"], dtype=np.float64)
                if "training_prior" in document
                else None
            ),
            thresholds_by_prior=tuple(
                (float(p), float(t)) for p, t in document.get("thresholds_by_prior", ())
            ),
        )


_model: DecisionModel | None = None
_model_lock = threading.Lock()


def decision_model() -> DecisionModel:
    """The committed model at the deployment's handoff prior (settings.AWN_ASSISTANT_HANDOFF_PRIOR), loaded once
    per process."""
    global _model
    with _model_lock:
        prior = handoff_prior_setting()
        if _model is None or _model.handoff_prior != prior:
            _model = replace(_model or DecisionModel.load(), handoff_prior=prior)
        return _model
