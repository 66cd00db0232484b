"""A learned text classifier for triage: TF-IDF features of our normalized Arabic, a linear SVM, calibrated.

Features (both from the one normalizer in awn/core/text/arabic.py, so training and prediction fold spellings the
same way as search does):
- character n-grams 2–5 within word boundaries of `normalize_arabic(text)`: robust to dialect spellings,
  clitics and typos;
- word unigrams and bigrams of light-stemmed tokens (stop words kept: «كيف», «متى», «لماذا» carry intent).

Confidences are a softmax over the SVM's decision scores with one temperature fitted (minimum log-loss) on
cross-validated scores; the SVM that predicts is trained on all the data, so accuracy is that of one full-data
model, and a prediction is one matrix product (CalibratedClassifierCV's 77 per-class calibrators cost ~30 ms
a text). With fewer than two examples in some label the temperature stays 1. Models are saved with joblib
under var/models/ and are never committed.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import joblib
import numpy as np
import sklearn
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from awn.core.text.arabic import normalize_arabic, stem, tokenize

FORMAT_VERSION = 1


def stemmed_ngrams(text: str) -> list[str]:
    """Word unigrams and bigrams of light-stemmed normalized tokens (a module-level function: picklable)."""
    terms = [stem(token) for token in tokenize(text)]
    return terms + [f"{a} {b}" for a, b in itertools.pairwise(terms)]


def build_features(
    *,
    char_range: tuple[int, int] = (2, 5),
    min_df: int = 1,
    word_weight: float = 1.0,
) -> FeatureUnion:
    return FeatureUnion(
        [
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=char_range,
                    preprocessor=normalize_arabic,
                    lowercase=False,
                    sublinear_tf=True,
                    min_df=min_df,
                    dtype=np.float32,
                ),
            ),
            (
                "word",
                TfidfVectorizer(
                    analyzer=stemmed_ngrams,
                    lowercase=False,
                    sublinear_tf=True,
                    min_df=min_df,
                    dtype=np.float32,
                ),
            ),
        ],
        transformer_weights={"char": 1.0, "word": word_weight},
    )


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 1:  # binary: one score for the second class
        scores = np.column_stack([-scores, scores])
    scores = scores / temperature
    scores = np.exp(scores - scores.max(axis=1, keepdims=True))
    return scores / scores.sum(axis=1, keepdims=True)


def fit_temperature(scores: np.ndarray, truth: np.ndarray) -> float:
    """The softmax temperature that minimizes the log-loss of held-out decision scores (1-D grid search)."""
    best, best_loss = 1.0, np.inf
    for temperature in np.logspace(-2.5, 1, 50):
        proba = _softmax(scores, float(temperature))
        loss = -np.mean(np.log(proba[np.arange(len(truth)), truth] + 1e-12))
        if loss < best_loss:
            best, best_loss = float(temperature), float(loss)
    return best


class TextClassifier:
    """fit(texts, labels) → predict(texts) → [(label, confidence in [0, 1])]; save/load with joblib."""

    def __init__(
        self,
        *,
        c: float = 1.0,
        char_range: tuple[int, int] = (2, 5),
        min_df: int = 1,
        class_weight: str | None = None,
        word_weight: float = 1.0,
        calibration_folds: int = 3,
        jobs: int = 2,
    ) -> None:
        self.c = c
        self.char_range = char_range
        self.min_df = min_df
        self.class_weight = class_weight
        self.word_weight = word_weight
        self.calibration_folds = calibration_folds
        # Worker processes for the calibration folds: faster on big data, but starting them costs seconds, so a
        # model trained inside a web process (the knowledge-base bootstrap) uses 1.
        self.jobs = jobs
        self.features: FeatureUnion | None = None
        self.svm: LinearSVC | None = None
        self.temperature = 1.0
        self.labels: list[str] = []
        self.train_seconds = 0.0
        self.n_train = 0

    def _new_svm(self) -> LinearSVC:
        return LinearSVC(C=self.c, class_weight=self.class_weight, max_iter=3000)

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TextClassifier:
        if len(texts) != len(labels):
            raise ValueError("texts and labels must have the same length")
        counts = Counter(labels)
        if len(counts) < 2:
            raise ValueError("at least two distinct labels are needed to train a classifier")
        started = time.perf_counter()
        features = build_features(
            char_range=self.char_range, min_df=self.min_df, word_weight=self.word_weight
        )
        matrix = features.fit_transform(list(texts))
        target = np.asarray(labels)
        svm = self._new_svm().fit(matrix, target)
        classes = list(svm.classes_)
        folds = min(self.calibration_folds, min(counts.values()))
        if folds >= 2:
            # Calibrate on scores the model did not train on, then keep the model trained on everything.
            held_out = cross_val_predict(
                self._new_svm(),
                matrix,
                target,
                cv=StratifiedKFold(folds, shuffle=True, random_state=0),
                method="decision_function",
                n_jobs=min(folds, self.jobs),
            )
            self.temperature = fit_temperature(held_out, np.searchsorted(classes, target))
        else:
            self.temperature = 1.0
        self.features, self.svm = features, svm
        self.labels = [str(label) for label in classes]
        self.train_seconds = time.perf_counter() - started
        self.n_train = len(texts)
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if self.features is None or self.svm is None:
            raise RuntimeError("the classifier is not trained: call fit() or load() first")
        return _softmax(self._decision(list(texts)), self.temperature)

    def _decision(self, texts: list[str]) -> np.ndarray:
        """The SVM's scores, computed directly: each vectorizer, weighted and stacked, times the weights.

        Same numbers as `svm.decision_function(features.transform(texts))`, without the FeatureUnion's joblib
        dispatch and scikit-learn's per-call validation, which were most of the time of one text (~8 → ~2 ms).
        """
        assert self.features is not None and self.svm is not None
        weights = self.features.transformer_weights or {}
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            parts = []
            for name, vectorizer in self.features.transformer_list:
                matrix = vectorizer.transform(texts)
                weight = weights.get(name)
                parts.append(matrix * weight if weight not in (None, 1, 1.0) else matrix)
            features = sparse.hstack(parts, format="csr")
        scores = features @ self.svm.coef_.T + self.svm.intercept_
        scores = np.asarray(scores)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        if not texts:
            return []
        proba = self.predict_proba(texts)
        best = proba.argmax(axis=1)
        return [
            (self.labels[i], float(min(1.0, max(0.0, row[i])))) for i, row in zip(best, proba, strict=True)
        ]

    def save(self, path: str | Path) -> Path:
        if self.svm is None:
            raise RuntimeError("nothing to save: the classifier is not trained")
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        joblib.dump({"format": FORMAT_VERSION, "classifier": self}, tmp, compress=3)
        tmp.replace(path)  # atomic: a reader never sees half a model
        return path

    @classmethod
    def load(cls, path: str | Path) -> TextClassifier:
        # joblib unpickles: only load model files this deployment wrote itself (var/models/).
        data = joblib.load(Path(path))
        if not isinstance(data, dict) or data.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path} is not a triage model of format {FORMAT_VERSION}")
        classifier = data["classifier"]
        if not isinstance(classifier, cls):
            raise ValueError(f"{path} does not hold a {cls.__name__}")
        return classifier
