"""The mutation score of `bin/awn mutate`, per file and in all, from `mutmut results --all true`.

Killed = a test failed (or the mutant timed out, which mutmut also counts as caught). Survived and "no tests" both
count against the score: a mutant no test runs is a bug no test would see. Exits 1 under the threshold.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

CAUGHT = {"killed", "timeout"}
MISSED = {"survived", "no tests"}


def parse(lines: list[str]) -> dict[str, Counter[str]]:
    """{module: Counter(status)} from lines such as `awn.crm.validators.x_clean_phone__mutmut_6: survived`."""
    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    for line in lines:
        name, sep, status = line.strip().rpartition(": ")
        if not sep or "__mutmut_" not in name:
            continue
        module = name.rsplit(".", 1)[0]
        by_module[module][status.strip()] += 1
    return by_module


def score(counts: Counter[str]) -> tuple[int, int]:
    """(caught, counted): skipped and suspicious mutants are left out of both."""
    caught = sum(counts[s] for s in CAUGHT)
    return caught, caught + sum(counts[s] for s in MISSED)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threshold", type=float, default=0.90)
    parser.add_argument(
        "--results", type=Path, help="a saved `mutmut results --all true` output (default: run it)"
    )
    args = parser.parse_args()
    if args.results:
        lines = args.results.read_text().splitlines()
    else:
        mutmut = Path(sys.executable).with_name("mutmut")
        out = subprocess.run(
            [str(mutmut), "results", "--all", "true"], capture_output=True, text=True, check=True
        )
        lines = out.stdout.splitlines()
    by_module = parse(lines)
    total: Counter[str] = Counter()
    print(f"{'module':45} {'killed':>7} {'timeout':>7} {'survived':>8} {'no tests':>8} {'score':>7}")
    for module in sorted(by_module):
        counts = by_module[module]
        total.update(counts)
        caught, counted = score(counts)
        print(
            f"{module:45} {counts['killed']:7} {counts['timeout']:7} {counts['survived']:8} "
            f"{counts['no tests']:8} {caught / counted if counted else 1:7.1%}"
        )
    caught, counted = score(total)
    ratio = caught / counted if counted else 0.0
    print(
        f"{'all':45} {total['killed']:7} {total['timeout']:7} {total['survived']:8} {total['no tests']:8} {ratio:7.1%}"
    )
    if ratio < args.threshold:
        print(f"mutation score {ratio:.1%} is under {args.threshold:.0%}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
