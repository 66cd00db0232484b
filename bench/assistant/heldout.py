"""Score the committed decision model on corpus rows it was not trained on (a file added after it was fitted).

    nice -n 10 .venv/bin/python -m bench.assistant.heldout --file natural_a.jsonl [--handoff-prior 0.25]

A true held-out check: the rows were written after the model was fitted, so no fold structure is needed. The
figures are those of bench.assistant.selection, at the given prior (rows weighted to it), with family-resampled
bootstrap intervals. The dev file is not read here.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from .corpus import CORPUS_DIR, DEFAULT_KB, load_corpus, setup_django


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", required=True, help="a file name under awn/assistant/data/corpus/")
    parser.add_argument("--handoff-prior", type=float, default=0.25)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument(
        "--no-shift", action="store_true", help="score the model without the prior correction"
    )
    parser.add_argument(
        "--model", type=Path, help="a model's .json (its .npy beside it); default: the committed"
    )
    args = parser.parse_args(argv)
    setup_django()

    from awn.assistant.decision import ANSWER, DecisionModel, ngram_matrix

    from . import selection
    from .corpus import featurize

    rows = [
        r for r in load_corpus(CORPUS_DIR) if r["family"].startswith(args.file.removesuffix(".jsonl") + "-")
    ]
    features = featurize(rows, DEFAULT_KB)
    model = (
        DecisionModel.load(args.model, args.model.with_suffix(".npy")) if args.model else DecisionModel.load()
    )
    design = model.scaling.design(
        ngram_matrix(features.ngram_texts), features.embeddings, features.retrieval, features.cues
    )
    probabilities = model.probabilities(design)
    right = model.right_article(features.retrieval)
    confidence = model.calibrated(probabilities[:, model.classes.index(ANSWER)], right)
    shifted = model.training_prior is not None and not args.no_shift
    if shifted:
        model = replace(model, handoff_prior=args.handoff_prior)
        probabilities, confidence = model.at_deployment_prior(probabilities, confidence)
    answer = confidence >= model.effective_threshold()
    weights = selection.prior_weights(features.labels, args.handoff_prior)  # the traffic scored, either way
    intervals = selection.bootstrap(
        features, probabilities, confidence, answer, reps=args.reps, weights=weights
    )
    print(
        f"{len(rows)} rows of {args.file}, weighted to a handoff prior {args.handoff_prior}; the model "
        f"{'shifted to it' if shifted else 'at its corpus prior'}, threshold {model.effective_threshold():.3f}"
    )
    for key, (point, low, high) in intervals.items():
        print(f"  {key:18s} {point:.3f}  [{low:.3f}, {high:.3f}]")
    answerable = features.labels == 0
    print(f"  answerable rows handed off: {int((~answer & answerable).sum())} of {int(answerable.sum())}")
    print(
        f"  rows needing a person answered: {int((answer & ~answerable).sum())} of {int((~answerable).sum())}"
    )


if __name__ == "__main__":
    main()
