"""Erlang C / Erlang A for a 1,000-agent centre: milliseconds per computation (target: Erlang C <= 5 ms).

    .venv/bin/python -m bench.erlang --repeat 200

Cases (AHT 180 s, 80% in 20 s): the performance of 1,000 agents offered 950 Erlangs (one Erlang B recursion of
1,000 steps); the staffing search that lands on ~1,000 agents (one pass from 1 agent up); the same two with
Erlang A (patience 120 s); and the what-if page's day: 48 half-hour intervals of a 2,000-agent peak centre.
Each case runs `--repeat` times (time.perf_counter, one core); the figures are the median and the worst run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable

from awn.routing.erlang import (
    agents_for_service_level,
    agents_for_service_level_erlang_a,
    erlang_a_performance,
    erlang_c_performance,
)


def _time(func: Callable[[], object], repeat: int) -> dict[str, float]:
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        func()
        runs.append((time.perf_counter() - began) * 1e3)
    return {"median_ms": round(statistics.median(runs), 3), "max_ms": round(max(runs), 3)}


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args(argv)
    day = [200.0 + 1750.0 * abs(((i % 48) - 24) / 24 - 1) for i in range(48)]  # 200 … 1,950 Erlangs
    cases: dict[str, Callable[[], object]] = {
        "erlang_c_1000_agents": lambda: erlang_c_performance(1000, 950.0, 180, 20),
        "erlang_c_staffing_to_1000": lambda: agents_for_service_level(985.0, 180, 0.8, 20, 0.3),
        "erlang_a_1000_agents": lambda: erlang_a_performance(1000, 950.0, 180, 20, 120),
        "erlang_a_staffing_to_1000": lambda: agents_for_service_level_erlang_a(1100.0, 180, 120, 0.8, 20),
        "erlang_c_day_48_intervals_peak_2000": lambda: [agents_for_service_level(a, 180) for a in day],
    }
    result: dict[str, object] = {"bench": "erlang", "repeat": args.repeat, "python": sys.version.split()[0]}
    for name, func in cases.items():
        result[name] = _time(func, args.repeat if "day" not in name and "erlang_a_st" not in name else 20)
    result["agents_erlang_c_staffing_to_1000"] = agents_for_service_level(985.0, 180, 0.8, 20, 0.3).agents
    result["agents_erlang_a_staffing_to_1000"] = agents_for_service_level_erlang_a(1100.0, 180, 120).agents
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
