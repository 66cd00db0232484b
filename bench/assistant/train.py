"""Select, cross-validate and fit the assistant's answer-or-hand-off decision on the training corpus.

    nice -n 10 .venv/bin/python -m bench.assistant.train --folds 5            # grid + figures of the chosen model
    nice -n 10 .venv/bin/python -m bench.assistant.train --folds 5 --write    # ... and write the committed model

See bench/assistant/README.md. The dev file is not read here.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from .corpus import DEFAULT_KB, load_corpus, setup_django

GRID: list[dict[str, Any]] = [
    # feature blocks (ablations at one C), then C for the full model
    {"embedding_weight": 0.0, "cue_weight": 0.0, "retrieval": False},
    {"embedding_weight": 0.0, "cue_weight": 0.0},
    {"cue_weight": 0.0},
    {},
    {"c": 2.0},
    {"c": 32.0},
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=DEFAULT_KB)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--subsample", type=float, default=1.0, help="share of families to use (speed)")
    parser.add_argument(
        "--only-default", action="store_true", help="skip the grid: the default parameters only"
    )
    parser.add_argument("--write", action="store_true", help="write awn/assistant/weights/decision-model.*")
    parser.add_argument("--reps", type=int, default=300, help="bootstrap resamples")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    parser.add_argument(
        "--small-kb-copies",
        type=int,
        default=16,
        metavar="N",
        help="train on a second copy of every row retrieved against one of N small knowledge bases (0: none)",
    )
    args = parser.parse_args(argv)
    setup_django()

    from awn.assistant.decision import CLASSES
    from awn.assistant.embeddings import default_embedder

    from . import selection
    from .corpus import concat, featurize, small_kb_copies

    started = time.perf_counter()
    rows = load_corpus()
    features = featurize(rows, args.kb)
    print(f"{len(rows)} rows featurized in {time.perf_counter() - started:.0f} s")
    if args.subsample < 1.0:
        rng = np.random.default_rng(args.seed)
        families = features.groups.max() + 1
        keep = set(rng.choice(families, int(families * args.subsample), replace=False).tolist())
        kept = np.array([i for i, g in enumerate(features.groups) if g in keep])
        features, rows = features.subset(kept), [rows[i] for i in kept]
        print(f"subsample: {len(features.labels)} rows")
    originals = np.arange(len(features.labels))
    copies = np.zeros(0, dtype=int)
    if args.small_kb_copies:
        started = time.perf_counter()
        features = concat(features, small_kb_copies(rows, args.kb, features, subsets=args.small_kb_copies))
        copies = np.arange(len(originals), len(features.labels))
        print(f"+ {len(copies)} copies against small knowledge bases ({time.perf_counter() - started:.0f} s)")
    fold = selection.folds(features, args.folds, args.seed)
    grid = [{}] if args.only_default else GRID
    results: list[dict[str, Any]] = []
    oof: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for overrides in grid:
        params = selection.Params(**overrides)
        t0 = time.perf_counter()
        logits, right = selection.out_of_fold(features, params, fold, log=lambda _: None)
        probabilities, confidence, answer, thresholds = selection.cross_fitted(features, logits, right, fold)
        figures = selection.figures(
            features.subset(originals), probabilities[originals], confidence[originals], answer[originals]
        )
        if len(copies):
            small = selection.figures(
                features.subset(copies), probabilities[copies], confidence[copies], answer[copies]
            )
            figures.update({f"small_kb_{key}": value for key, value in small.items()})
        results.append(
            {"params": params.label(), "overrides": overrides, **figures, "thresholds": thresholds}
        )
        oof[params.label()] = (logits, right)
        print(
            f"{params.label():40s} cost {figures['cost']:.3f}  F1 {figures['handoff_f1']:.3f}  "
            f"recall {figures['handoff_recall']:.3f}  answered-right {figures['answered_right']:.3f}  "
            f"ECE {figures['ece']:.3f}  small-KB copies: F1 {figures.get('small_kb_handoff_f1', 0):.3f} "
            f"answered-right {figures.get('small_kb_answered_right', 0):.3f}  ({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
    # Only models that read every block compete (the ablations show what each block adds).
    candidates = [
        r for r in results if not {"embedding_weight", "cue_weight", "retrieval"} & set(r["overrides"])
    ]
    chosen = min(candidates, key=lambda r: r["cost"])
    params = selection.Params(**chosen["overrides"])
    logits, right = oof[params.label()]
    probabilities, confidence, answer, thresholds = selection.cross_fitted(features, logits, right, fold)
    # Figures on the rows as retrieved against the whole knowledge base (the copies are training aids).
    whole = features
    features = whole.subset(originals)
    probabilities, confidence, answer = probabilities[originals], confidence[originals], answer[originals]
    intervals = selection.bootstrap(
        features, probabilities, confidence, answer, reps=args.reps, seed=args.seed
    )
    print(f"\nchosen: {params.label()} (lowest cross-validated cost); thresholds per fold {thresholds}")
    for key, (point, low, high) in intervals.items():
        print(f"  {key:18s} {point:.3f}  [{low:.3f}, {high:.3f}]")
    print("\nreliability (confidence bin, n, mean confidence, share right):")
    outcome = selection.right_answer_target(features)
    for label, n, mean, share in selection.reliability_table(confidence, outcome):
        print(f"  {label}  {n:5d}  {mean:.3f}  {share:.3f}")
    per_dialect = {}
    for dialect in sorted(set(features.dialects)):
        rows_of = np.array([i for i, d in enumerate(features.dialects) if d == dialect])
        sub = features.subset(rows_of)
        per_dialect[dialect] = selection.figures(
            sub, probabilities[rows_of], confidence[rows_of], answer[rows_of]
        )
    print("\nper dialect: n, handoff F1, recall, answered-right")
    for dialect, f in per_dialect.items():
        n = sum(d == dialect for d in features.dialects)
        print(
            f"  {dialect:10s} {n:5d}  {f['handoff_f1']:.3f}  {f['handoff_recall']:.3f}  {f['answered_right']:.3f}"
        )
    report = {
        "grid": results,
        "chosen": params.label(),
        "intervals": intervals,
        "per_dialect": per_dialect,
        "folds": args.folds,
        "rows": len(features.labels),
    }
    if args.out:
        args.out.write_text(json.dumps(report, indent=1, default=float), encoding="utf-8")
    if args.write:
        calibration = selection.calibrate(whole, logits, right)
        embedder = default_embedder()
        meta = {
            "trained_on": f"awn/assistant/data/corpus ({len(originals)} rows, {len(copies)} small-KB copies)",
            "params": params.label(),
            "folds": args.folds,
            "seed": args.seed,
            "embedder": embedder.name if embedder else "none",
            "classes_note": f"{len(CLASSES)} classes",
        }
        model = selection.final_model(whole, params, calibration, meta)
        model.save()
        print(
            f"\nwrote the model: threshold {calibration.threshold}, temperature {calibration.temperature:.3f}"
        )


if __name__ == "__main__":
    main()
