"""Fit, cross-validate (grouped by paraphrase family) and select the answer-or-hand-off decision.

Everything here reads only the training corpus; the dev file is never an input. The procedure:
1. K folds grouped by family (StratifiedGroupKFold on the decision, fixed seed): every fold fits the feature
   scaling, the multinomial logistic regression and the "right article" logistic regression on the other folds
   and predicts its own rows (out-of-fold).
2. Calibration and threshold are cross-fitted on those out-of-fold predictions: for fold k, the temperature, the
   Platt scaling and the cost-minimizing threshold are fitted on the other folds' predictions and applied to fold
   k; the figures therefore never use a threshold chosen on the rows they score.
3. Figures with 95% bootstrap intervals, resampling families (rows of a family are not independent).
4. Prior shift: the corpus is 45% "needs a person", deployment traffic is not. At a deployment handoff prior h,
   the calibrated probabilities are moved to h (decision.shift_prior, Saerens et al. 2002), and the threshold and
   every figure are computed with each row weighted by π'(its side)/π(its side) (answer rows (1−h)/(1−h₀),
   handoff rows h/h₀, h₀ the corpus share): the expected cost and figures of traffic with that prior.
The committed model is fitted on the whole corpus with the temperature, Platt scaling and threshold fitted on the
whole out-of-fold set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold

from awn.assistant.decision import (
    ANSWER,
    CLASSES,
    COST_MISSED_HANDOFF,
    COST_UNNEEDED_HANDOFF,
    COST_WRONG_ARTICLE,
    DecisionModel,
    FeatureScaling,
    deployment_prior,
    logit,
    ngram_matrix,
    shift_prior,
    sigmoid,
    softmax,
)

from .corpus import CorpusFeatures

ANSWER_INDEX = CLASSES.index(ANSWER)
THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.01), 2)
# The handoff priors the committed model stores a cross-validated threshold for (interpolated between them).
PRIOR_GRID = tuple(round(float(h), 2) for h in np.arange(0.05, 0.61, 0.05))


@dataclass(frozen=True)
class Params:
    c: float = 8.0  # inverse L2 strength of the main model
    embedding_weight: float = 1.0  # 0 drops the e5 block
    cue_weight: float = 1.0  # 0 drops the cue flags
    retrieval: bool = True  # False drops the retrieval block from the main model
    ngrams: bool = True
    right_c: float = 1.0
    max_iter: int = 400

    def label(self) -> str:
        blocks = [
            name
            for name, on in (
                ("ngrams", self.ngrams),
                ("e5", self.embedding_weight > 0),
                ("retrieval", self.retrieval),
                ("cues", self.cue_weight > 0),
            )
            if on
        ]
        return f"{'+'.join(blocks)} C={self.c:g}"


@dataclass
class Fitted:
    scaling: FeatureScaling
    weights: np.ndarray
    bias: np.ndarray
    right_weights: np.ndarray
    right_bias: float


def _scaling(features: CorpusFeatures, params: Params) -> FeatureScaling:
    mean = features.retrieval.mean(axis=0)
    std = features.retrieval.std(axis=0)
    std = np.where(std > 1e-6, std, 1.0)
    return FeatureScaling(
        params.embedding_weight, mean.astype(np.float32), std.astype(np.float32), params.cue_weight
    )


def _design(features: CorpusFeatures, scaling: FeatureScaling, params: Params) -> sparse.csr_matrix:
    ngrams = ngram_matrix(features.ngram_texts)
    if not params.ngrams:
        ngrams = sparse.csr_matrix(ngrams.shape, dtype=np.float32)
    retrieval = (
        features.retrieval if params.retrieval else np.tile(scaling.retrieval_mean, (len(features.labels), 1))
    )
    return scaling.design(ngrams, features.embeddings, retrieval, features.cues)


def fit(features: CorpusFeatures, params: Params) -> Fitted:
    scaling = _scaling(features, params)
    design = _design(features, scaling, params)
    main = LogisticRegression(C=params.c, max_iter=params.max_iter, tol=1e-4)
    main.fit(design, features.labels)
    weights = np.zeros((len(CLASSES), design.shape[1]), dtype=np.float32)
    bias = np.zeros(len(CLASSES), dtype=np.float32)
    for row, label in enumerate(main.classes_):  # every class is present in a fold's training part
        weights[label] = main.coef_[row]
        bias[label] = main.intercept_[row]
    with_article = np.array([bool(kb) for kb in features.kb_ids]) & (features.retrieval[:, -1] > 0)
    x = scaling.right_article_design(features.retrieval[with_article])
    target = features.top1_right[with_article]
    if len(set(target.tolist())) < 2:  # a tiny slice where retrieval is always (or never) right: a constant
        share = float(target.mean()) if len(target) else 0.5
        return Fitted(scaling, weights, bias, np.zeros(x.shape[1]), float(logit(share)))
    right = LogisticRegression(C=params.right_c, max_iter=1000).fit(x, target)
    return Fitted(scaling, weights, bias, right.coef_[0].astype(np.float64), float(right.intercept_[0]))


def predict(fitted: Fitted, features: CorpusFeatures, params: Params) -> tuple[np.ndarray, np.ndarray]:
    """Logits of the main model and P(right article) for each row."""
    design = _design(features, fitted.scaling, params)
    logits = np.asarray(design @ fitted.weights.T) + fitted.bias
    x = fitted.scaling.right_article_design(features.retrieval)
    right = np.where(
        features.retrieval[:, -1] > 0, sigmoid(x @ fitted.right_weights + fitted.right_bias), 0.0
    )
    return logits, right


def folds(features: CorpusFeatures, k: int, seed: int = 0) -> np.ndarray:
    """Fold number of each row; a family's rows share a fold."""
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    fold = np.zeros(len(features.labels), dtype=int)
    for number, (_, test) in enumerate(splitter.split(np.zeros(len(fold)), features.labels, features.groups)):
        fold[test] = number
    return fold


def out_of_fold(
    features: CorpusFeatures, params: Params, fold: np.ndarray, log: Callable[[str], None] = print
) -> tuple[np.ndarray, np.ndarray]:
    logits = np.zeros((len(fold), len(CLASSES)))
    right = np.zeros(len(fold))
    for number in range(fold.max() + 1):
        train, test = np.flatnonzero(fold != number), np.flatnonzero(fold == number)
        fitted = fit(features.subset(train), params)
        logits[test], right[test] = predict(fitted, features.subset(test), params)
        log(f"  fold {number + 1}/{fold.max() + 1} done")
    return logits, right


# --- calibration -------------------------------------------------------------------------------------------------
def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The temperature minimizing the negative log-likelihood (a one-parameter Platt scaling of the softmax)."""
    grid = np.exp(np.linspace(np.log(0.25), np.log(8.0), 121))

    def nll(t: float) -> float:
        p = softmax(logits / t)
        return float(-np.log(np.clip(p[np.arange(len(labels)), labels], 1e-12, 1)).mean())

    return float(min(grid, key=nll))


def right_answer_target(features: CorpusFeatures) -> np.ndarray:
    """1 when answering with the first article is the right outcome."""
    return (features.labels == ANSWER_INDEX) & features.top1_right


def fit_platt(raw: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    if len(set(target.tolist())) < 2:
        return 1.0, 0.0
    model = LogisticRegression(C=1e4, max_iter=1000).fit(logit(raw).reshape(-1, 1), target)
    return float(model.coef_[0][0]), float(model.intercept_[0])


def costs(features: CorpusFeatures, answer: np.ndarray) -> np.ndarray:
    """Per-row cost of the decisions: missed handoff 4, wrong article 1.5, unneeded handoff 1."""
    needs_person = features.labels != ANSWER_INDEX
    right = features.top1_right
    return np.where(
        needs_person,
        np.where(answer, COST_MISSED_HANDOFF, 0.0),
        np.where(answer, np.where(right, 0.0, COST_WRONG_ARTICLE), COST_UNNEEDED_HANDOFF),
    )


def class_prior(labels: np.ndarray) -> np.ndarray:
    """The class shares of the labels (every class at least a trace, so that ratios stay finite)."""
    counts = np.bincount(labels, minlength=len(CLASSES)).astype(np.float64)
    counts = np.maximum(counts, 1e-3)
    return counts / counts.sum()


def prior_weights(labels: np.ndarray, handoff_prior: float | None) -> np.ndarray:
    """Row weights that make the rows' handoff share `handoff_prior` (ones when None)."""
    if handoff_prior is None:
        return np.ones(len(labels))
    needs_person = labels != ANSWER_INDEX
    share = float(needs_person.mean())
    return np.where(needs_person, handoff_prior / share, (1.0 - handoff_prior) / (1.0 - share))


def best_threshold(
    features: CorpusFeatures, confidence: np.ndarray, weights: np.ndarray | None = None
) -> float:
    means = [np.average(costs(features, confidence >= t), weights=weights) for t in THRESHOLDS]
    return float(THRESHOLDS[int(np.argmin(means))])


@dataclass
class Calibration:
    temperature: float
    platt_a: float
    platt_b: float
    threshold: float
    training_prior: np.ndarray | None = None  # the class shares the calibration saw
    handoff_prior: float | None = None  # the deployment prior the threshold was chosen at (None: training's)


def _shifted(
    probabilities: np.ndarray,
    confidence: np.ndarray,
    training: np.ndarray | None,
    handoff_prior: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    if handoff_prior is None or training is None:
        return probabilities, confidence
    shifted, factor = shift_prior(probabilities, training, deployment_prior(training, handoff_prior))
    return shifted, np.clip(confidence * factor, 0.0, 1.0)


def calibrate(
    features: CorpusFeatures, logits: np.ndarray, right: np.ndarray, handoff_prior: float | None = None
) -> Calibration:
    """Temperature and Platt scaling on these rows (their own prior); the threshold minimizing the cost at
    `handoff_prior` (the probabilities shifted to it, the rows weighted to it), or at the rows' prior."""
    temperature = fit_temperature(logits, features.labels)
    probabilities = softmax(logits / temperature)
    p_answer = probabilities[:, ANSWER_INDEX]
    a, b = fit_platt(p_answer * right, right_answer_target(features))
    confidence = sigmoid(a * logit(p_answer * right) + b)
    training = class_prior(features.labels)
    _, confidence = _shifted(probabilities, confidence, training, handoff_prior)
    threshold = best_threshold(features, confidence, prior_weights(features.labels, handoff_prior))
    return Calibration(temperature, a, b, threshold, training, handoff_prior)


def apply(calibration: Calibration, logits: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    probabilities = softmax(logits / calibration.temperature)
    raw = probabilities[:, ANSWER_INDEX] * right
    confidence = sigmoid(calibration.platt_a * logit(raw) + calibration.platt_b)
    return _shifted(probabilities, confidence, calibration.training_prior, calibration.handoff_prior)


def thresholds_by_prior(
    features: CorpusFeatures, logits: np.ndarray, right: np.ndarray, priors: tuple[float, ...] = PRIOR_GRID
) -> tuple[tuple[float, float], ...]:
    """The cost-minimizing threshold at each handoff prior, on the whole out-of-fold set (the committed table)."""
    return tuple((h, calibrate(features, logits, right, h).threshold) for h in priors)


def cross_fitted(
    features: CorpusFeatures,
    logits: np.ndarray,
    right: np.ndarray,
    fold: np.ndarray,
    handoff_prior: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[float]]:
    """Each fold's probabilities, confidence and answer decision with calibration fitted on the other folds (at
    `handoff_prior` when given: shifted probabilities, threshold chosen on rows weighted to that prior)."""
    probabilities = np.zeros_like(logits)
    confidence = np.zeros(len(fold))
    answer = np.zeros(len(fold), dtype=bool)
    thresholds = []
    for number in range(fold.max() + 1):
        other, own = np.flatnonzero(fold != number), np.flatnonzero(fold == number)
        calibration = calibrate(features.subset(other), logits[other], right[other], handoff_prior)
        probabilities[own], confidence[own] = apply(calibration, logits[own], right[own])
        answer[own] = confidence[own] >= calibration.threshold
        thresholds.append(calibration.threshold)
    return probabilities, confidence, answer, thresholds


# --- figures -----------------------------------------------------------------------------------------------------
def expected_calibration_error(
    confidence: np.ndarray, outcome: np.ndarray, bins: int = 10, weights: np.ndarray | None = None
) -> float:
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    w = np.ones(len(confidence)) if weights is None else weights
    total = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            gap = np.average(confidence[mask], weights=w[mask]) - np.average(outcome[mask], weights=w[mask])
            total += w[mask].sum() / w.sum() * abs(gap)
    return float(total)


def reliability_table(
    confidence: np.ndarray, outcome: np.ndarray, bins: int = 10, weights: np.ndarray | None = None
) -> list[tuple[str, int, float, float]]:
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    w = np.ones(len(confidence)) if weights is None else weights
    rows = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            rows.append(
                (
                    f"{edges[b]:.1f}–{edges[b + 1]:.1f}",
                    int(mask.sum()),
                    float(np.average(confidence[mask], weights=w[mask])),
                    float(np.average(outcome[mask], weights=w[mask])),
                )
            )
    return rows


def figures(
    features: CorpusFeatures,
    probabilities: np.ndarray,
    confidence: np.ndarray,
    answer: np.ndarray,
    weights: np.ndarray | None = None,
) -> dict[str, float]:
    """The figures of the decisions; with `weights`, of traffic where each row counts that much (a prior)."""
    w = np.ones(len(answer)) if weights is None else weights
    needs_person = features.labels != ANSWER_INDEX
    handoff = ~answer
    tp = float(w[needs_person & handoff].sum())
    precision = tp / max(1e-9, float(w[handoff].sum())) if handoff.any() else 0.0
    recall = tp / max(1e-9, float(w[needs_person].sum())) if needs_person.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    answerable = ~needs_person
    right = features.top1_right
    handoff_classes = probabilities.copy()
    handoff_classes[:, ANSWER_INDEX] = -1
    reason = handoff_classes.argmax(axis=1)
    caught = needs_person & handoff
    return {
        "handoff_precision": precision,
        "handoff_recall": recall,
        "handoff_f1": f1,
        "answered_right": float((answerable & answer & right).sum() / max(1, answerable.sum())),
        "top1": float(right[answerable].mean()) if answerable.any() else 0.0,
        "reason_acc": float((reason[caught] == features.labels[caught]).mean()) if caught.any() else 0.0,
        "class_acc": float(np.average(probabilities.argmax(axis=1) == features.labels, weights=w)),
        "ece": expected_calibration_error(confidence, right_answer_target(features), weights=w),
        "cost": float(np.average(costs(features, answer), weights=w)),
    }


def bootstrap(
    features: CorpusFeatures,
    probabilities: np.ndarray,
    confidence: np.ndarray,
    answer: np.ndarray,
    reps: int = 300,
    seed: int = 0,
    weights: np.ndarray | None = None,
) -> dict[str, tuple[float, float, float]]:
    """Each figure with its 95% interval, resampling whole families (rows weighted by `weights` if given)."""
    w = np.ones(len(answer)) if weights is None else weights
    point = figures(features, probabilities, confidence, answer, w)
    groups = features.groups
    members: dict[int, list[int]] = {}
    for row, group in enumerate(groups):
        members.setdefault(int(group), []).append(row)
    names = list(members)
    rng = np.random.default_rng(seed)
    samples: dict[str, list[float]] = {key: [] for key in point}
    for _ in range(reps):
        chosen = rng.choice(len(names), size=len(names), replace=True)
        rows = np.fromiter((r for c in chosen for r in members[names[c]]), dtype=int)
        sub = features.subset(rows)
        for key, value in figures(sub, probabilities[rows], confidence[rows], answer[rows], w[rows]).items():
            samples[key].append(value)
    return {
        key: (point[key], float(np.percentile(samples[key], 2.5)), float(np.percentile(samples[key], 97.5)))
        for key in point
    }


def final_model(
    features: CorpusFeatures,
    params: Params,
    calibration: Calibration,
    meta: dict[str, Any],
    by_prior: tuple[tuple[float, float], ...] = (),
) -> DecisionModel:
    fitted = fit(features, params)
    return DecisionModel(
        classes=CLASSES,
        weights=fitted.weights,
        bias=fitted.bias,
        scaling=fitted.scaling,
        temperature=calibration.temperature,
        right_weights=fitted.right_weights,
        right_bias=fitted.right_bias,
        platt_a=calibration.platt_a,
        platt_b=calibration.platt_b,
        threshold=calibration.threshold,
        meta=meta,
        training_prior=class_prior(features.labels),
        thresholds_by_prior=by_prior,
    )
