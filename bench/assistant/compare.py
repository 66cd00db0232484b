"""Compare two cross-validation runs' out-of-fold decisions on the rows they share (bench.assistant.train --oof).

    .venv/bin/python -m bench.assistant.compare var/oof_base.npz var/oof_wide.npz [--handoff-prior 0.25]

Rows are matched by family and position within it. Each run's figures on the shared rows (weighted to the
prior), and the difference with a 95% interval from a paired bootstrap over families.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class _Rows:
    labels: np.ndarray
    top1_right: np.ndarray


def _keys(families: np.ndarray) -> list[tuple[str, int]]:
    seen: dict[str, int] = {}
    keys = []
    for family in families.tolist():
        seen[family] = seen.get(family, -1) + 1
        keys.append((family, seen[family]))
    return keys


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first", type=Path)
    parser.add_argument("second", type=Path)
    parser.add_argument("--handoff-prior", type=float, default=0.25)
    parser.add_argument("--reps", type=int, default=500)
    args = parser.parse_args(argv)
    from . import selection

    runs = [dict(np.load(path, allow_pickle=False)) for path in (args.first, args.second)]
    index = [{key: i for i, key in enumerate(_keys(run["families"]))} for run in runs]
    shared = [key for key in index[0] if key in index[1]]
    rows = [np.array([index[r][key] for key in shared]) for r in range(2)]
    labels = runs[0]["labels"][rows[0]]
    assert (labels == runs[1]["labels"][rows[1]]).all(), "the runs disagree on the shared rows' labels"
    families = np.array([key[0] for key in shared])
    weights = selection.prior_weights(labels, args.handoff_prior)

    def figures(run: int, subset: np.ndarray) -> dict[str, float]:
        data, picked = runs[run], rows[run][subset]
        return selection.figures(
            _Rows(data["labels"][picked], data["top1_right"][picked]),  # type: ignore[arg-type]
            data["probabilities"][picked],
            data["confidence"][picked],
            data["answer"][picked],
            weights[subset],
        )

    everything = np.arange(len(shared))
    points = [figures(0, everything), figures(1, everything)]
    members: dict[str, list[int]] = {}
    for i, family in enumerate(families.tolist()):
        members.setdefault(family, []).append(i)
    names = list(members)
    rng = np.random.default_rng(0)
    deltas: dict[str, list[float]] = {key: [] for key in points[0]}
    for _ in range(args.reps):
        chosen = rng.choice(len(names), size=len(names), replace=True)
        subset = np.fromiter((i for c in chosen for i in members[names[c]]), dtype=int)
        a, b = figures(0, subset), figures(1, subset)
        for key in deltas:
            deltas[key].append(b[key] - a[key])
    print(
        f"{len(shared)} shared rows ({len(names)} families), weighted to a handoff prior {args.handoff_prior}"
    )
    print(f"  {'figure':18s} {args.first.name:>12s} {args.second.name:>12s}   difference [95%]")
    for key in points[0]:
        low, high = np.percentile(deltas[key], [2.5, 97.5])
        print(
            f"  {key:18s} {points[0][key]:12.3f} {points[1][key]:12.3f}   "
            f"{points[1][key] - points[0][key]:+.3f} [{low:+.3f}, {high:+.3f}]"
        )


if __name__ == "__main__":
    main()
