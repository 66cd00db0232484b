"""Business-time arithmetic: microseconds per call, the input of "recompute >= 10,000 open tickets per second".

    .venv/bin/python -m bench.business_time --calls 200000 --repeat 5

The calendar: split shifts Sunday–Thursday (08:00–12:00 and 16:00–20:00), 20 holidays over two years (the
seeded Saudi ones plus one-day closures), a Ramadan override (10:00–15:00) and an emergency Saturday. Starts are
spread over two years at random seconds; targets are up to 60 business days (8 hours a day), a fifth of them at
most one day. Each repetition times `add_business_seconds` and `business_seconds_between` over the same inputs
(time.perf_counter, one call at a time, one core) and the figure is the median repetition. Also reported: the
time to build the calendar from its specification (what a cache miss costs besides the two queries).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from awn.sla.business_time import Holiday, Override

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

HOUR = 3600


def bench_calendar_spec() -> tuple[dict[int, list[tuple[int, int]]], list[Override], list[Holiday]]:
    from awn.sla.business_time import DEFAULT_WORKDAYS, SATURDAY, Holiday, Override

    weekly = {day: [(8 * HOUR, 12 * HOUR), (16 * HOUR, 20 * HOUR)] for day in DEFAULT_WORKDAYS}
    ramadan = Override(
        date(2027, 2, 8),
        date(2027, 3, 8),
        {day: [(10 * HOUR, 15 * HOUR)] for day in DEFAULT_WORKDAYS},
        "رمضان",
    )
    emergency = Override(date(2027, 6, 12), date(2027, 6, 12), {SATURDAY: [(9 * HOUR, 13 * HOUR)]}, "طوارئ")
    holidays = [
        Holiday(date(2027, 2, 22), date(2027, 2, 22)),
        Holiday(date(2027, 3, 9), date(2027, 3, 11)),
        Holiday(date(2027, 5, 16), date(2027, 5, 19)),
        Holiday(date(2027, 9, 23), date(2027, 9, 23)),
        Holiday(date(2028, 2, 22), date(2028, 2, 22)),
        Holiday(date(2028, 2, 26), date(2028, 2, 28)),
        Holiday(date(2028, 5, 4), date(2028, 5, 7)),
        Holiday(date(2028, 9, 23), date(2028, 9, 24)),
    ]
    rng = random.Random(7)
    while len(holidays) < 20:  # one-day closures (school events, outages) to reach 20
        day = date(2027, 1, 1) + timedelta(days=rng.randrange(730))
        holidays.append(Holiday(day, day))
    return weekly, [ramadan, emergency], holidays


def inputs(count: int, seed: int = 42) -> list[tuple[datetime, int]]:
    from awn.sla.business_time import RIYADH

    rng = random.Random(seed)
    origin = datetime(2027, 1, 1, tzinfo=RIYADH)
    out = []
    for i in range(count):
        start = origin + timedelta(seconds=rng.randrange(730 * 86400))
        limit = 8 * HOUR if i % 5 == 0 else 60 * 8 * HOUR
        out.append((start, rng.randrange(limit + 1)))
    return out


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from awn.sla.business_time import add_business_seconds, build_calendar, business_seconds_between

    weekly, overrides, holidays = bench_calendar_spec()
    build_times = []
    for _ in range(50):
        began = time.perf_counter()
        calendar = build_calendar(weekly, overrides, holidays)
        build_times.append(time.perf_counter() - began)
    cases = inputs(args.calls)
    dues = [add_business_seconds(calendar, start, seconds) for start, seconds in cases]
    pairs = list(zip([c[0] for c in cases], dues, strict=True))

    add_runs, between_runs = [], []
    for _ in range(args.repeat):
        began = time.perf_counter()
        for start, seconds in cases:
            add_business_seconds(calendar, start, seconds)
        add_runs.append((time.perf_counter() - began) / len(cases) * 1e6)
        began = time.perf_counter()
        for start, due in pairs:
            business_seconds_between(calendar, start, due)
        between_runs.append((time.perf_counter() - began) / len(pairs) * 1e6)
    add_us, between_us = statistics.median(add_runs), statistics.median(between_runs)
    result = {
        "bench": "business_time",
        "calls": args.calls,
        "repeat": args.repeat,
        "add_business_seconds_us": round(add_us, 2),
        "add_runs_us": [round(r, 2) for r in add_runs],
        "business_seconds_between_us": round(between_us, 2),
        "between_runs_us": [round(r, 2) for r in between_runs],
        "build_calendar_ms": round(statistics.median(build_times) * 1e3, 3),
        # One due time per open ticket and metric: how many a core recomputes per second.
        "due_times_per_second_one_core": int(1e6 / add_us),
        "exception_days": len(calendar._ex_days),
        "python": sys.version.split()[0],
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
