"""Daily rollups of the ticket facts (issue 17): one row per Riyadh day of creation x team x vendor kind x channel x
category, holding counts, sums and duration histograms with fixed buckets, so that a report over 30 days reads
~30xN rows instead of every fact of the period.

A fact contributes to exactly one row (the day it was created on and its current dimensions); the contribution is
a pure function of the fact (`contribution`), so the live fold writes `contribution(after) - contribution(before)`
and the rebuild writes the sum of every fact's contribution: both give the same rows (tested). The live fold
appends that change as a delta row in the intake transaction (never an update of the shared row, which concurrent
intake would queue on); a job adds pending deltas to the rows, and readers add the ones still pending.

Each KPI of kpis.py maps to these counters (ROLLUP_KPIS, kept in step by a test that compares rollup figures with
fact figures KPI by KPI). Counts and sums are exact, so every count, share and mean is exact; medians and 90th
percentiles come from the histograms and are approximate to the width of the bucket they fall in (linear
interpolation inside the bucket). The reports read the facts instead, exactly, when the selection holds at most
AWN_REPORTS_EXACT_MAX_TICKETS tickets (reports.build_report).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from .kpis import CSAT_SATISFIED, KPIS, Distribution, KpiValue
from .rollup_schema import (
    BUCKET_EDGES,
    HOURS,
    METRICS,
    NO_TEAM_ID,
    VALUE_COLUMNS,
    bucket_columns,
)

REPORT_TZ = ZoneInfo("Asia/Riyadh")  # a report's days are days in Riyadh

# Each KPI of kpis.KPIS from the counters: (population, hits, (calendar metric, business metric)).
ROLLUP_KPIS: dict[str, tuple[str, str | None, tuple[str, str] | None]] = {
    "volume": ("tickets", None, None),
    "first_reply": ("replied", None, ("fr", "frb")),
    "resolution": ("resolved", None, ("res", "resb")),
    "waiting_on_customer": ("resolved", None, ("pend", "pendb")),
    "reopen_rate": ("resolved", "reopened", None),
    "fcr": ("resolved", "fcr", None),
    "csat": ("rated", "satisfied", None),
    "csat_response": ("asked", "rated", None),
    "reassigned": ("tickets", "reassigned", None),
}

Key = tuple[date, int, str, str, str]


def bucket_of(seconds: float) -> int:
    """Index of the bucket holding `seconds` (negative values fall in the first)."""
    low, high = 0, len(BUCKET_EDGES) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if BUCKET_EDGES[middle] <= seconds:
            low = middle
        else:
            high = middle - 1
    return low


def bucket_bounds(index: int) -> tuple[int, int | None]:
    upper = BUCKET_EDGES[index + 1] if index + 1 < len(BUCKET_EDGES) else None
    return BUCKET_EDGES[index], upper


def key_of(fact: Mapping[str, Any]) -> Key:
    return (
        fact["created_at"].astimezone(REPORT_TZ).date(),
        fact["team_id"] if fact["team_id"] is not None else NO_TEAM_ID,
        fact["team_kind"] or "",
        fact["channel"] or "",
        fact["category"] or "",
    )


def _add_metric(into: dict[str, int], metric: str, value: int | None) -> None:
    if value is None:
        return
    into[f"{metric}_n"] = 1
    into[f"{metric}_sum"] = value
    into[f"{metric}_b{bucket_of(value):02d}"] = 1


def contribution(fact: Mapping[str, Any]) -> dict[str, int]:
    """What one fact adds to its row (only the non-zero counters). A duplicate merged into another ticket adds
    nothing, as it leaves every KPI."""
    if fact["merged_into_id"] is not None:
        return {}
    out = {"tickets": 1, HOURS[fact["created_at"].astimezone(REPORT_TZ).hour]: 1}
    if fact["reassignment_count"]:
        out["reassigned"] = 1
    if fact["first_reply_at"] is not None:
        out["replied"] = 1
        _add_metric(out, "fr", fact["first_reply_seconds"])
        _add_metric(out, "frb", fact["first_reply_business_seconds"])
    if fact["resolved_at"] is not None:
        out["resolved"] = 1
        if fact["reopen_count"]:
            out["reopened"] = 1
        elif not fact["repeat_contact"]:
            out["fcr"] = 1
        for metric in ("res", "resb", "pend", "pendb"):
            _add_metric(out, metric, fact[METRICS[metric][0]])
    if fact["csat_score"] is not None:
        out["rated"] = 1
        if fact["csat_score"] >= CSAT_SATISFIED:
            out["satisfied"] = 1
    if fact["surveyed_at"] is not None or fact["csat_score"] is not None:
        out["asked"] = 1
    return out


def deltas(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[Key, dict[str, int]]:
    """The change to the rollups when a fact goes from `before` to `after` (either may be None): one row when
    its dimensions stay, two when the ticket moves (a new team or category), none when nothing counted moved."""
    out: dict[Key, dict[str, int]] = {}
    for fact, sign in ((before, -1), (after, 1)):
        if fact is None:
            continue
        row = out.setdefault(key_of(fact), {})
        for column, n in contribution(fact).items():
            row[column] = row.get(column, 0) + sign * n
    return {
        key: {c: n for c, n in row.items() if n} for key, row in out.items() if any(n for n in row.values())
    }


StoredKey = tuple[bool, date, int, str, str, str]


def month_of(day: date) -> date:
    return day.replace(day=1)


def with_months(rows: Mapping[Key, Mapping[str, int]]) -> dict[StoredKey, dict[str, int]]:
    """The stored rows for these day rows: each day's own, and its share of its month's row."""
    out: dict[StoredKey, dict[str, int]] = {}
    for key, row in rows.items():
        for stored in ((False, *key), (True, month_of(key[0]), *key[1:])):
            into = out.setdefault(stored, {})
            for column, n in row.items():
                into[column] = into.get(column, 0) + n
    return {key: {c: n for c, n in row.items() if n} for key, row in out.items() if any(row.values())}


def add_into(total: dict[Key, dict[str, int]], more: Mapping[Key, Mapping[str, int]]) -> None:
    for key, row in more.items():
        into = total.setdefault(key, {})
        for column, n in row.items():
            into[column] = into.get(column, 0) + n


# --- reading: summed rows to KPI values -------------------------------------------------------------------------


def histogram_rank_value(counts: list[int], rank: int) -> float:
    """The estimate of the value at 0-based `rank`: inside its bucket, the bucket's values spread evenly; the
    open last bucket gives its lower edge."""
    seen = 0
    for index, count in enumerate(counts):
        if count > 0 and rank < seen + count:
            lower, upper = bucket_bounds(index)
            if upper is None:
                return float(lower)
            return lower + (upper - lower) * (rank - seen + 0.5) / count
        seen += max(count, 0)
    return float(BUCKET_EDGES[-1])


def histogram_percentile(counts: list[int], p: float) -> float | None:
    """The p-quantile (0..1) of a histogram as percentile_cont computes it (linear interpolation between the
    values at the closest ranks around p x (n - 1)), each value estimated inside its bucket: off the exact figure
    by at most the width of the buckets those two ranks fall in."""
    n = sum(counts)
    if n <= 0:
        return None
    position = p * (n - 1)
    low, high = math.floor(position), math.ceil(position)
    low_value = histogram_rank_value(counts, low)
    if high == low:
        return low_value
    return low_value + (histogram_rank_value(counts, high) - low_value) * (position - low)


def _distribution(sums: Mapping[str, Any], metric: str) -> Distribution:
    n = int(sums.get(f"{metric}_n") or 0)
    counts = [int(sums.get(c) or 0) for c in bucket_columns(metric)]
    total = sums.get(f"{metric}_sum") or 0
    return Distribution(
        count=n,
        mean=(total / n) if n else None,
        median=histogram_percentile(counts, 0.5),
        p90=histogram_percentile(counts, 0.9),
    )


def kpi_values(sums: Mapping[str, Any]) -> dict[str, KpiValue]:
    """Every KPI of kpis.KPIS from the summed counters of some rollup rows."""
    values: dict[str, KpiValue] = {}
    for kpi in KPIS:
        population, hits, metrics = ROLLUP_KPIS[kpi.key]
        value = KpiValue(
            kpi, int(sums.get(population) or 0), int(sums.get(hits) or 0) if hits is not None else None
        )
        if metrics is not None:
            value.calendar, value.business = (_distribution(sums, m) for m in metrics)
        values[kpi.key] = value
    return values


def summed(rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for row in rows:
        for column in VALUE_COLUMNS:
            total[column] = total.get(column, 0) + int(row.get(column) or 0)
    return total
