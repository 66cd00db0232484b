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
    parser.add_argument(
        "--handoff-prior",
        type=float,
        default=0.25,
        help="the deployment's share of questions that need a person: the threshold is chosen and the figures "
        "are reported at it (default 0.25, the assumption of settings.AWN_ASSISTANT_HANDOFF_PRIOR)",
    )
    parser.add_argument("--oof", type=Path, help="write the out-of-fold decisions at the prior here (.npz)")
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="FILE",
        help="leave a corpus file out (e.g. natural_a)",
    )
    args = parser.parse_args(argv)
    setup_django()

    from awn.assistant.decision import CLASSES
    from awn.assistant.embeddings import default_embedder

    from . import selection
    from .corpus import concat, featurize, small_kb_copies

    started = time.perf_counter()
    rows = [r for r in load_corpus() if r["family"].rsplit("-f", 1)[0] not in set(args.exclude)]
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
        probabilities, confidence, answer, thresholds = selection.cross_fitted(
            features, logits, right, fold, args.handoff_prior
        )
        figures = selection.figures(
            features.subset(originals),
            probabilities[originals],
            confidence[originals],
            answer[originals],
            selection.prior_weights(features.labels[originals], args.handoff_prior),
        )
        figures = {f"deployment_{key}": value for key, value in figures.items()}
        probabilities, confidence, answer, thresholds = selection.cross_fitted(features, logits, right, fold)
        figures |= selection.figures(
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
            f"{params.label():40s} at prior {args.handoff_prior}: cost {figures['deployment_cost']:.3f} "
            f"F1 {figures['deployment_handoff_f1']:.3f} answered-right {figures['deployment_answered_right']:.3f};"
            f" at the corpus prior: cost {figures['cost']:.3f}  F1 {figures['handoff_f1']:.3f}  "
            f"recall {figures['handoff_recall']:.3f}  answered-right {figures['answered_right']:.3f}  "
            f"ECE {figures['ece']:.3f}  small-KB copies: F1 {figures.get('small_kb_handoff_f1', 0):.3f} "
            f"answered-right {figures.get('small_kb_answered_right', 0):.3f}  ({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
    # Only models that read every block compete (the ablations show what each block adds).
    candidates = [
        r for r in results if not {"embedding_weight", "cue_weight", "retrieval"} & set(r["overrides"])
    ]
    chosen = min(candidates, key=lambda r: r["deployment_cost"])
    params = selection.Params(**chosen["overrides"])
    logits, right = oof[params.label()]
    probabilities, confidence, answer, thresholds = selection.cross_fitted(features, logits, right, fold)
    # Figures on the rows as retrieved against the whole knowledge base (the copies are training aids).
    whole = features
    features = whole.subset(originals)
    probabilities, confidence, answer = probabilities[originals], confidence[originals], answer[originals]
    print(f"\nchosen: {params.label()} (lowest cross-validated cost at prior {args.handoff_prior})")
    print(f"\n== at the corpus's own prior (handoff share {(features.labels != 0).mean():.3f}) ==")
    print(f"thresholds per fold {thresholds}")
    intervals, per_dialect = report_figures(
        selection, features, probabilities, confidence, answer, None, args
    )
    deployment = selection.cross_fitted(whole, logits, right, fold, args.handoff_prior)
    d_probabilities, d_confidence, d_answer = (part[originals] for part in deployment[:3])
    weights = selection.prior_weights(features.labels, args.handoff_prior)
    print(
        f"\n== at the deployment prior {args.handoff_prior} (rows weighted to it, probabilities shifted) =="
    )
    print(f"thresholds per fold {deployment[3]}")
    intervals_deployment, per_dialect_deployment = report_figures(
        selection, features, d_probabilities, d_confidence, d_answer, weights, args
    )
    if args.oof:
        np.savez(
            args.oof,
            probabilities=d_probabilities,
            confidence=d_confidence,
            answer=d_answer,
            labels=features.labels,
            top1_right=features.top1_right,
            families=np.array(features.families),
            dialects=np.array(features.dialects),
        )
    print(
        f"\nper corpus file at the deployment prior {args.handoff_prior}: n, cost, handoff P/R/F1, answered-right"
    )
    per_source = {}
    sources = [family.rsplit("-f", 1)[0] for family in features.families]
    for source in sorted(set(sources)):
        rows_of = np.array([i for i, s in enumerate(sources) if s == source])
        f = selection.figures(
            features.subset(rows_of),
            d_probabilities[rows_of],
            d_confidence[rows_of],
            d_answer[rows_of],
            weights[rows_of],
        )
        per_source[source] = f
        print(
            f"  {source:12s} {len(rows_of):5d}  {f['cost']:.3f}  {f['handoff_precision']:.3f}/"
            f"{f['handoff_recall']:.3f}/{f['handoff_f1']:.3f}  {f['answered_right']:.3f}"
        )
    print("\nsensitivity to the assumed prior (point figures): prior, cost, handoff P/R/F1, answered-right")
    sensitivity = {}
    for prior in (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.45):
        shifted = selection.cross_fitted(whole, logits, right, fold, prior)
        f = selection.figures(
            features,
            shifted[0][originals],
            shifted[1][originals],
            shifted[2][originals],
            selection.prior_weights(features.labels, prior),
        )
        sensitivity[prior] = f
        print(
            f"  {prior:.2f}  {f['cost']:.3f}  {f['handoff_precision']:.3f}/{f['handoff_recall']:.3f}/"
            f"{f['handoff_f1']:.3f}  {f['answered_right']:.3f}"
        )
    report = {
        "grid": results,
        "chosen": params.label(),
        "intervals": intervals,
        "per_dialect": per_dialect,
        "handoff_prior": args.handoff_prior,
        "intervals_at_prior": intervals_deployment,
        "per_dialect_at_prior": per_dialect_deployment,
        "sensitivity": sensitivity,
        "per_source_at_prior": per_source,
        "folds": args.folds,
        "rows": len(features.labels),
    }
    if args.out:
        args.out.write_text(json.dumps(report, indent=1, default=float), encoding="utf-8")
    if args.write:
        calibration = selection.calibrate(whole, logits, right)
        by_prior = selection.thresholds_by_prior(whole, logits, right)
        embedder = default_embedder()
        meta = {
            "trained_on": f"awn/assistant/data/corpus ({len(originals)} rows, {len(copies)} small-KB copies)",
            "params": params.label(),
            "folds": args.folds,
            "seed": args.seed,
            "embedder": embedder.name if embedder else "none",
            "classes_note": f"{len(CLASSES)} classes",
        }
        model = selection.final_model(whole, params, calibration, meta, by_prior)
        model.save()
        print(
            f"\nwrote the model: threshold {calibration.threshold} (corpus prior), by handoff prior {by_prior},"
            f" temperature {calibration.temperature:.3f}"
        )


def report_figures(
    selection: Any,
    features: Any,
    probabilities: np.ndarray,
    confidence: np.ndarray,
    answer: np.ndarray,
    weights: np.ndarray | None,
    args: argparse.Namespace,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Figures with bootstrap intervals, the reliability table and per-dialect figures (weighted if given)."""
    intervals = selection.bootstrap(
        features, probabilities, confidence, answer, reps=args.reps, seed=args.seed, weights=weights
    )
    w = np.ones(len(answer)) if weights is None else weights
    per_dialect = {}
    for dialect in sorted(set(features.dialects)):
        rows_of = np.array([i for i, d in enumerate(features.dialects) if d == dialect])
        per_dialect[dialect] = selection.figures(
            features.subset(rows_of), probabilities[rows_of], confidence[rows_of], answer[rows_of], w[rows_of]
        )
    for key, (point, low, high) in intervals.items():
        print(f"  {key:18s} {point:.3f}  [{low:.3f}, {high:.3f}]")
    print("reliability (confidence bin, n, mean confidence, share right):")
    outcome = selection.right_answer_target(features)
    for label, n, mean, share in selection.reliability_table(confidence, outcome, weights=weights):
        print(f"  {label}  {n:5d}  {mean:.3f}  {share:.3f}")
    print("per dialect: n, handoff F1, recall, answered-right")
    for dialect, f in per_dialect.items():
        n = sum(d == dialect for d in features.dialects)
        print(
            f"  {dialect:10s} {n:5d}  {f['handoff_f1']:.3f}  {f['handoff_recall']:.3f}  {f['answered_right']:.3f}"
        )
    return intervals, per_dialect


if __name__ == "__main__":
    main()
