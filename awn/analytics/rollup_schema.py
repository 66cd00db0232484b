"""The columns of a daily rollup row (models.DailyRollup, rollups.py): no imports, so the model can use them."""

from __future__ import annotations

MINUTE, HOUR, DAY = 60, 3600, 86400
# Lower edges of the histogram buckets, in seconds; the last bucket has no upper edge.
BUCKET_EDGES: tuple[int, ...] = (
    0,
    MINUTE,
    2 * MINUTE,
    3 * MINUTE,
    5 * MINUTE,
    10 * MINUTE,
    15 * MINUTE,
    20 * MINUTE,
    30 * MINUTE,
    45 * MINUTE,
    HOUR,
    90 * MINUTE,
    2 * HOUR,
    3 * HOUR,
    4 * HOUR,
    6 * HOUR,
    8 * HOUR,
    12 * HOUR,
    18 * HOUR,
    DAY,
    36 * HOUR,
    2 * DAY,
    3 * DAY,
    4 * DAY,
    5 * DAY,
    7 * DAY,
    10 * DAY,
    14 * DAY,
    21 * DAY,
    30 * DAY,
)

# Fact counters: how many of the row's tickets are in each KPI population or above its line.
COUNTERS = (
    "tickets",  # not merged: volume
    "resolved",  # not merged and resolved
    "replied",  # not merged with a first human reply
    "reopened",  # resolved and reopened at least once
    "fcr",  # resolved, never reopened, no repeat contact
    "rated",  # not merged with a rating
    "satisfied",  # rated 4 or 5
    "asked",  # not merged, sent a survey or rated
    "reassigned",  # not merged and reassigned at least once
)
# Duration histograms: short name -> (fact column, counter of its population).
METRICS: dict[str, tuple[str, str]] = {
    "fr": ("first_reply_seconds", "replied"),
    "frb": ("first_reply_business_seconds", "replied"),
    "res": ("resolution_seconds", "resolved"),
    "resb": ("resolution_business_seconds", "resolved"),
    "pend": ("pending_seconds", "resolved"),
    "pendb": ("pending_business_seconds", "resolved"),
}
HOURS = tuple(f"h{h:02d}" for h in range(24))  # tickets created in each local hour of the day (the heatmap)


def bucket_columns(metric: str) -> list[str]:
    return [f"{metric}_b{i:02d}" for i in range(len(BUCKET_EDGES))]


def metric_columns(metric: str) -> list[str]:
    return [f"{metric}_n", f"{metric}_sum", *bucket_columns(metric)]


VALUE_COLUMNS: tuple[str, ...] = (
    *COUNTERS,
    *HOURS,
    *(column for metric in METRICS for column in metric_columns(metric)),
)
KEY_COLUMNS = ("day", "team_id", "team_kind", "channel", "category")
# A stored row is a day's (monthly False) or a whole month's (monthly True, day = the 1st): long periods read
# their whole months from the month rows, ~30 times fewer.
STORED_KEY_COLUMNS = ("monthly", *KEY_COLUMNS)
NO_TEAM_ID = 0  # the key's team when the ticket has none (a unique key has no NULLs)
