"""Contacts per 30-minute interval: an hour-of-week profile with a trend, and known peaks — pure, no Django.

The model (small on purpose, explainable to a supervisor):
1. History: counts per half-hour (Riyadh time) over the last `weeks` complete weeks before the forecast's first day
   (fewer when the service is younger: weeks before the first contact are not counted as empty weeks).
2. Known peaks (registration opens, results come out) are entered as events with a multiplier. A past interval on a
   peak day is divided by that multiplier before it joins the profile, so last year's results day does not inflate
   an ordinary Tuesday; a forecast day inside a peak is multiplied by it.
3. Profile: for each of the 336 half-hours of the week, the mean of the de-peaked counts over the weeks.
4. Trend: the least-squares slope of the weekly totals, applied as a factor (projected weekly total at the target
   day ÷ the mean weekly total), bounded to [1/TREND_LIMIT, TREND_LIMIT] so that a short history cannot
   extrapolate to nonsense.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

RIYADH = ZoneInfo("Asia/Riyadh")
INTERVAL_MINUTES = 30
SLOTS_PER_DAY = 24 * 60 // INTERVAL_MINUTES
SLOTS_PER_WEEK = 7 * SLOTS_PER_DAY
DEFAULT_WEEKS = 8
TREND_LIMIT = 2.0


@dataclass(frozen=True)
class Peak:
    first_day: date
    last_day: date
    multiplier: float
    channel: str = ""  # "" = every channel

    def covers(self, day: date, channel: str) -> bool:
        return self.first_day <= day <= self.last_day and (not self.channel or self.channel == channel)


def peak_multiplier(peaks: Iterable[Peak], day: date, channel: str) -> float:
    """Overlapping peaks do not compound: the largest applies."""
    return max((p.multiplier for p in peaks if p.covers(day, channel)), default=1.0)


def slot_of(moment: datetime) -> int:
    """0 … 335: Monday 00:00–00:30 is 0 (Riyadh time)."""
    local = moment.astimezone(RIYADH)
    return local.weekday() * SLOTS_PER_DAY + local.hour * 2 + local.minute // INTERVAL_MINUTES


def interval_starts(day: date) -> list[datetime]:
    """The 48 interval starts of a Riyadh day (no DST in Riyadh: always 48)."""
    midnight = datetime(day.year, day.month, day.day, tzinfo=RIYADH)
    return [midnight + timedelta(minutes=INTERVAL_MINUTES * i) for i in range(SLOTS_PER_DAY)]


@dataclass(frozen=True)
class Profile:
    channel: str
    first_day: date  # the forecast's first day; history is the weeks before it
    weeks_used: int
    per_slot: tuple[float, ...]  # 336 de-peaked means
    weekly_totals: tuple[float, ...]  # oldest first, de-peaked
    slope_per_week: float

    @property
    def mean_weekly_total(self) -> float:
        return sum(self.weekly_totals) / len(self.weekly_totals) if self.weekly_totals else 0.0

    def trend_factor(self, day: date) -> float:
        """Projected weekly total around `day` ÷ the mean weekly total (1 without history)."""
        mean = self.mean_weekly_total
        if mean <= 0 or self.weeks_used < 2:
            return 1.0
        # x of the weeks: 0 … n−1, the mean at x̄ = (n−1)/2; `day` sits at n + its offset in weeks.
        n = self.weeks_used
        x = n + (day - self.first_day).days / 7
        projected = mean + self.slope_per_week * (x - (n - 1) / 2)
        return min(TREND_LIMIT, max(1 / TREND_LIMIT, projected / mean))


def build_profile(
    counts: Mapping[datetime, float],
    *,
    channel: str,
    first_day: date,
    weeks: int = DEFAULT_WEEKS,
    peaks: Sequence[Peak] = (),
    history_starts: date | None = None,
) -> Profile:
    """`counts`: contacts per interval start (aware datetimes) of this channel. Intervals outside the window are
    ignored. `history_starts`: the day of the first contact ever (None: assume the whole window is history)."""
    if weeks < 1:
        raise ValueError("at least one week of history is needed")
    window_start = first_day - timedelta(weeks=weeks)
    if history_starts is not None and history_starts > window_start:
        # Whole weeks with data only; a service younger than a week has no profile yet.
        usable = (first_day - history_starts).days // 7
        weeks = max(0, min(weeks, usable))
        window_start = first_day - timedelta(weeks=weeks)
    sums = [0.0] * SLOTS_PER_WEEK
    totals = [0.0] * weeks
    for moment, count in counts.items():
        local = moment.astimezone(RIYADH)
        day = local.date()
        if not window_start <= day < first_day or count <= 0:
            continue
        value = count / peak_multiplier(peaks, day, channel)
        sums[slot_of(local)] += value
        totals[(day - window_start).days // 7] += value
    per_slot = tuple(s / weeks for s in sums) if weeks else tuple(sums)
    return Profile(channel, first_day, weeks, per_slot, tuple(totals), _slope(totals))


def _slope(values: Sequence[float]) -> float:
    n = len(values)
    if n < 2:
        return 0.0
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    num = sum((i - mean_x) * (v - mean_y) for i, v in enumerate(values))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return num / den


@dataclass(frozen=True)
class IntervalForecast:
    start: datetime
    contacts: float
    peak_multiplier: float


def forecast_day(
    profile: Profile, day: date, peaks: Sequence[Peak] = (), volume_multiplier: float = 1.0
) -> list[IntervalForecast]:
    """48 intervals of `day`: profile × trend × the day's peak × the what-if multiplier."""
    if volume_multiplier < 0:
        raise ValueError("the volume multiplier must be >= 0")
    trend = profile.trend_factor(day)
    peak = peak_multiplier(peaks, day, profile.channel)
    return [
        IntervalForecast(start, profile.per_slot[slot_of(start)] * trend * peak * volume_multiplier, peak)
        for start in interval_starts(day)
    ]
