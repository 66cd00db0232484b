"""The triage classifier with sentence embeddings next to its n-grams (a fake embedder: no model needed)."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from awn.assistant.evaluation.intents import read_labelled_csv, text_dialect
from awn.assistant.triage import engine
from awn.assistant.triage.classifier import TextClassifier
from awn.core.text.arabic import normalize_arabic, tokenize

from .test_triage import _dataset

GULF = Path(__file__).parent / "fixtures" / "arbanking77_gulf_paraphrases.csv"
INTENTS = Path("/work/shared/data/arbanking77/Banking77_intents.csv")


class FakeEmbedder:
    """Bag of normalized words hashed into 32 dimensions, L2-normalized; counts its calls."""

    name = "fake-embedder"

    def __init__(self) -> None:
        self.calls = 0

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), 32), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokenize(normalize_arabic(text)):
                out[row, int(hashlib.blake2b(token.encode(), digest_size=8).hexdigest(), 16) % 32] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.queries(texts)


@pytest.fixture
def embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def model(embedder: FakeEmbedder) -> TextClassifier:
    return TextClassifier(dense_weight=2.0, embedder=embedder, jobs=1).fit(*_dataset())


def test_a_dense_model_reads_embeddings_and_keeps_an_ngram_fallback(model: TextClassifier) -> None:
    assert model.uses_embeddings and model.embedder_name == "fake-embedder"
    assert model.sparse_svm is not None and model.n_sparse > 0
    assert model.svm is not None and model.svm.coef_.shape[1] == model.n_sparse + 32
    ((label, confidence),) = model.predict(["نسيت كلمة السر"])
    assert label == "password" and 0.0 < confidence <= 1.0


def test_a_passed_embedding_is_used_instead_of_embedding_again(
    model: TextClassifier, embedder: FakeEmbedder
) -> None:
    text = "ولدي مسجل غايب وهو حاضر"
    vector = embedder.queries([text])
    calls = embedder.calls
    given = model.predict([text], embeddings=vector)
    assert embedder.calls == calls  # not embedded again
    assert given == model.predict([text])  # same answer as embedding it here
    assert embedder.calls == calls + 1
    # One vector for one text may come as a 1-D array too.
    assert model.predict([text], embeddings=vector[0]) == given


def test_a_wrong_embedding_is_a_clear_error(model: TextClassifier) -> None:
    with pytest.raises(ValueError, match="shape"):
        model.predict(["نسيت كلمة المرور"], embeddings=np.zeros((1, 7)))
    with pytest.raises(ValueError, match="shape"):
        model.predict(["a", "b"], embeddings=np.zeros((1, 32)))
    with pytest.raises(ValueError, match="NaN"):
        model.predict(["a"], embeddings=np.full((1, 32), np.nan))


def test_without_an_embedder_the_saved_model_falls_back_to_ngrams(
    model: TextClassifier, tmp_path: Path, settings
) -> None:
    settings.AWN_ASSISTANT_DENSE = False  # no default embedder in this process
    path = model.save(tmp_path / "m.joblib")
    loaded = TextClassifier.load(path)
    assert loaded.embedder is None and loaded.uses_embeddings
    ((label, confidence),) = loaded.predict(["كيف أنقل ابنتي لمدرسة ثانية"])
    assert label == "transfer" and 0.0 < confidence <= 1.0
    # ...and still uses a vector it is given.
    vector = FakeEmbedder().queries(["كيف أنقل ابنتي لمدرسة ثانية"])
    assert loaded.predict(["كيف أنقل ابنتي لمدرسة ثانية"], embeddings=vector)[0][0] == "transfer"


def test_the_embedder_is_not_pickled(model: TextClassifier) -> None:
    assert model.__getstate__()["embedder"] is None and model.embedder is not None
    assert b"FakeEmbedder" not in pickle.dumps(model)


def test_models_saved_before_the_embedding_option_still_load(tmp_path: Path) -> None:
    old = TextClassifier(jobs=1).fit(*_dataset())
    state = old.__getstate__()
    for name in (
        "dense_weight",
        "embedder_name",
        "sparse_svm",
        "sparse_temperature",
        "n_sparse",
        "embed_seconds",
    ):
        state.pop(name)
    revived = TextClassifier.__new__(TextClassifier)
    revived.__setstate__(state)
    assert not revived.uses_embeddings and revived.n_sparse == old.n_sparse
    assert revived.predict(["نسيت كلمة المرور"]) == old.predict(["نسيت كلمة المرور"])


def test_given_training_embeddings_are_used(embedder: FakeEmbedder) -> None:
    texts, labels = _dataset()
    vectors = embedder.queries(texts)
    calls = embedder.calls
    model = TextClassifier(dense_weight=1.0, embedder=embedder, jobs=1).fit(texts, labels, embeddings=vectors)
    assert embedder.calls == calls and model.uses_embeddings
    with pytest.raises(ValueError, match="shape"):
        TextClassifier(dense_weight=1.0, embedder=embedder).fit(texts, labels, embeddings=vectors[:3])


def test_training_vectors_are_cached(embedder: FakeEmbedder, tmp_path: Path) -> None:
    texts, labels = _dataset()
    cache = tmp_path / "vectors.npz"
    first = TextClassifier(dense_weight=1.0, embedder=embedder, embedding_cache=cache, jobs=1).fit(
        texts, labels
    )
    assert cache.exists()
    calls = embedder.calls
    again = TextClassifier(dense_weight=1.0, embedder=embedder, embedding_cache=cache, jobs=1).fit(
        texts, labels
    )
    assert embedder.calls == calls
    ((label, _confidence),) = again.predict(["نسيت كلمة المرور"])
    assert label == first.predict(["نسيت كلمة المرور"])[0][0]


def test_triage_text_passes_the_callers_embedding(
    model: TextClassifier, embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from awn.assistant import embeddings

    monkeypatch.setattr(embeddings, "default_embedder", lambda: embedder)  # the caller's vectors are its
    engine.use_category_model(model, "test-dense")
    text = "ابغى اغير كلمة السر حقتي"
    vector = embedder.queries([text])[0]
    calls = embedder.calls
    result = engine.triage_text(text, embedding=vector)
    assert embedder.calls == calls
    assert result.category == "password" and result.model_version == "test-dense"
    assert engine.triage_text(text).category == "password"  # embeds it itself when not given


def test_a_vector_from_another_embedder_is_not_read_as_the_models_own(
    model: TextClassifier, embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from awn.assistant import embeddings

    class OtherEmbedder(FakeEmbedder):
        name = "another-model"

    monkeypatch.setattr(embeddings, "default_embedder", lambda: OtherEmbedder())
    engine.use_category_model(model, "test-dense")
    text = "ابغى اغير كلمة السر حقتي"
    calls = embedder.calls
    result = engine.triage_text(text, embedding=np.ones(32, dtype=np.float32) / np.sqrt(32))
    assert embedder.calls == calls + 1  # it embedded the text with the embedder it was trained with
    assert result.category == "password"


def test_an_ngram_model_ignores_a_passed_embedding() -> None:
    ngrams = TextClassifier(jobs=1).fit(*_dataset())
    engine.use_category_model(ngrams, "test-ngrams")
    result = engine.triage_text("نسيت كلمة المرور", embedding=np.ones(384, dtype=np.float32))
    assert result.category == "password"


def test_the_gulf_paraphrases_are_labelled_with_arbanking77_intents() -> None:
    texts, labels = read_labelled_csv(GULF)
    assert len(texts) >= 40
    assert sum(text_dialect(text) == "gulf" for text in texts) >= len(texts) // 2
    if INTENTS.exists():
        known = set(read_labelled_csv_column(INTENTS, "label_ar"))
        assert set(labels) <= known


def read_labelled_csv_column(path: Path, column: str) -> list[str]:
    import csv

    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [row[column] for row in csv.DictReader(handle)]


def test_dialect_expansion_lets_ngrams_meet_msa() -> None:
    texts = [
        "أريد تغيير كلمة المرور",
        "أين نتيجة الاختبار",
        "أريد إعادة تعيين كلمة المرور",
        "متى تظهر النتيجة",
    ]
    labels = ["password", "results", "password", "results"]
    model = TextClassifier(expand_dialect=True, jobs=1).fit(texts, labels)
    assert "اريد" in model._ngram_texts(["ابغى اغير الباسورد"])[0]
    assert model.predict(["وين النتيجة"])[0][0] == "results"
    assert not TextClassifier().expand_dialect  # off unless asked: the ticket category model is unchanged
