"""Business-time arithmetic on a Saudi working calendar: one pure module (no models, no database).

A calendar is a weekly pattern of working intervals (several a day: split shifts), date-range overrides that
replace the pattern on the days they cover (Ramadan hours, an exam period, an emergency Saturday) and holidays
(date ranges without work). Everything is computed in Asia/Riyadh, which is UTC+3 all year (no daylight saving),
whatever the server's TIME_ZONE or TZ say: aware datetimes in, aware datetimes out, to the second (a fraction of
a second in an input is dropped).

Time model. Let F(t) be the business seconds from a fixed origin up to t: continuous, non-decreasing, slope 1
inside working intervals and 0 outside. Then
  business_seconds_between(a, b) = max(0, F(b) - F(a))
  add_business_seconds(t, s)     = the earliest instant x >= t with F(x) - F(t) >= s
so a start outside working hours counts from the next business second, a target reached exactly at the end of an
interval is due at that end (17:00, not the next morning), add(t, 0) == t, and add(add(t, a), b) == add(t, a + b).

Cost. The weekly pattern is reduced to per-week prefix sums; the days where an override or a holiday changes the
pattern ("exception days") are kept in one sorted array with running corrections. F and its inverse are then a
binary search over exception days plus at most seven steps inside a week, whatever the span: a target of 60
business days costs the same as one of 60 seconds.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from itertools import pairwise

from django.utils.translation import gettext_lazy as _

from awn.core.errors import ValidationError, lazy_format

# Asia/Riyadh has been UTC+3 without daylight saving since 1947; a fixed offset keeps the arithmetic exact and
# independent of the host's tz database and of TIME_ZONE/TZ.
RIYADH = timezone(timedelta(hours=3), "+03")
RIYADH_OFFSET_SECONDS = 3 * 3600
DAY_SECONDS = 86400
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_EPOCH_WEEKDAY = date(1970, 1, 1).weekday()  # Thursday (3): weekdays are Python's, Monday = 0 … Sunday = 6

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)
WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The Saudi week as people read it: Sunday first.
WEEK_ORDER = (SUNDAY, MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY)
DEFAULT_WORKDAYS = (SUNDAY, MONDAY, TUESDAY, WEDNESDAY, THURSDAY)
WEEKDAY_NAMES = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)
# An override or a holiday longer than this is a typo (a wrong year), not a calendar.
MAX_RANGE_DAYS = 366

Interval = tuple[int, int]  # seconds from local midnight: 0 <= start < end <= 86400
DayHours = tuple[Interval, ...]
WeeklyHours = Mapping[int, Sequence[Interval]]


class CalendarError(ValidationError):
    """An invalid calendar, with a bilingual message and a stable `reason` for tests and API clients."""

    def __init__(self, message: object, *, reason: str, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.reason = reason


@dataclass(frozen=True)
class Override:
    """Working hours that replace the weekly pattern on every day from `first` to `last` (inclusive).

    `hours` is keyed by weekday (Monday = 0); a weekday without intervals is closed during the override.
    """

    first: date
    last: date
    hours: WeeklyHours = field(default_factory=dict)
    name: str = ""


@dataclass(frozen=True)
class Holiday:
    """No work from `first` to `last` (inclusive). Holidays win over overrides; overlapping holidays merge."""

    first: date
    last: date
    name: str = ""


# --- reading and writing times of day -----------------------------------------------------------------------

_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_INTERVAL_SPLIT_RE = re.compile(r"[,،;\n]+")
_DASH_RE = re.compile(r"\s*[-–—]\s*")


def format_time_of_day(seconds: int) -> str:
    """30600 → "08:30"; 86400 → "24:00"; seconds are shown only when there are some."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def format_interval(interval: Interval) -> str:
    return f"{format_time_of_day(interval[0])}–{format_time_of_day(interval[1])}"


def format_day_hours(hours: Sequence[Interval]) -> str:
    return ", ".join(format_interval(i) for i in hours)


def parse_time_of_day(text: str) -> int:
    """ "08:30" / "8:30:15" / "٠٨:٣٠" / "24:00" → seconds from midnight."""
    match = _TIME_RE.match(text.strip().translate(_ARABIC_DIGITS))
    if match is None:
        raise CalendarError(
            lazy_format(_("“%(text)s” is not a time of day (write it like 08:30)."), text=text),
            reason="time_format",
        )
    hours, minutes, secs = int(match[1]), int(match[2]), int(match[3] or 0)
    total = hours * 3600 + minutes * 60 + secs
    if minutes > 59 or secs > 59 or total > DAY_SECONDS:
        raise CalendarError(
            lazy_format(_("“%(text)s” is not a time of day between 00:00 and 24:00."), text=text),
            reason="time_range",
        )
    return total


def parse_day_hours(text: str) -> list[Interval]:
    """ "08:00-12:00, 16:00-20:00" → [(28800, 43200), (57600, 72000)]. Empty text means closed.

    Only the format is checked here; order, overlaps and midnight are checked by `normalize_day_hours`.
    """
    intervals: list[Interval] = []
    for part in _INTERVAL_SPLIT_RE.split(text.strip()):
        if not part.strip():
            continue
        bounds = _DASH_RE.split(part.strip())
        if len(bounds) != 2:
            raise CalendarError(
                lazy_format(
                    _("“%(text)s” is not an interval (write it like 08:00-12:00)."), text=part.strip()
                ),
                reason="interval_format",
            )
        intervals.append((parse_time_of_day(bounds[0]), parse_time_of_day(bounds[1])))
    return intervals


# --- validation ------------------------------------------------------------------------------------------


def normalize_day_hours(intervals: Iterable[Sequence[int]], *, where: object = "") -> DayHours:
    """Check one day's intervals and return them sorted, with touching intervals merged.

    Refused: a bound outside 00:00–24:00, an empty interval, an end before its start (an interval that runs
    past midnight is written as two: 22:00–24:00 on one day and 00:00–02:00 on the next), overlapping intervals.
    """
    checked: list[Interval] = []
    for raw in intervals:
        start, end = int(raw[0]), int(raw[1])
        interval = (start, end)
        shown = format_interval(interval) if min(interval) >= 0 else f"{start}–{end}"
        if not (0 <= start <= DAY_SECONDS and 0 <= end <= DAY_SECONDS):
            raise CalendarError(
                lazy_format(
                    _("%(where)s: the interval %(interval)s is not within 00:00–24:00."),
                    where=where,
                    interval=shown,
                ),
                reason="interval_out_of_day",
            )
        if end == start:
            raise CalendarError(
                lazy_format(
                    _("%(where)s: the interval %(interval)s is empty (it ends when it starts)."),
                    where=where,
                    interval=shown,
                ),
                reason="interval_empty",
            )
        if end < start:
            raise CalendarError(
                lazy_format(
                    _(
                        "%(where)s: the interval %(interval)s ends before it starts. An interval that runs "
                        "past midnight must be written as two intervals: %(before)s, and %(after)s on the "
                        "next day."
                    ),
                    where=where,
                    interval=shown,
                    before=format_interval((start, DAY_SECONDS)),
                    after=format_interval((0, end)),
                ),
                reason="interval_crosses_midnight",
            )
        checked.append(interval)
    checked.sort()
    merged: list[Interval] = []
    for start, end in checked:
        if merged and start < merged[-1][1]:
            raise CalendarError(
                lazy_format(
                    _("%(where)s: the intervals %(first)s and %(second)s overlap."),
                    where=where,
                    first=format_interval(merged[-1]),
                    second=format_interval((start, end)),
                ),
                reason="intervals_overlap",
            )
        if merged and start == merged[-1][1]:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def normalize_week(hours: WeeklyHours, *, where: object = "") -> tuple[DayHours, ...]:
    """Seven normalized days, Monday first. Keys are weekdays (0–6); a missing weekday is closed."""
    unknown = [k for k in hours if k not in range(7)]
    if unknown:
        raise CalendarError(
            lazy_format(_("%(where)s: %(key)s is not a weekday."), where=where, key=unknown[0]),
            reason="weekday_unknown",
        )
    return tuple(
        normalize_day_hours(
            hours.get(weekday, ()),
            where=lazy_format(_("%(where)s, %(day)s"), where=where, day=WEEKDAY_NAMES[weekday])
            if where
            else WEEKDAY_NAMES[weekday],
        )
        for weekday in range(7)
    )


def check_date_range(first: date, last: date, *, where: object) -> None:
    if last < first:
        raise CalendarError(
            lazy_format(
                _("%(where)s: the last day (%(last)s) is before the first day (%(first)s)."),
                where=where,
                first=first.isoformat(),
                last=last.isoformat(),
            ),
            reason="range_end_before_start",
        )
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise CalendarError(
            lazy_format(
                _("%(where)s: a date range may cover at most %(days)s days."),
                where=where,
                days=MAX_RANGE_DAYS,
            ),
            reason="range_too_long",
        )


def _range_label(kind: object, name: str) -> object:
    return lazy_format(_("%(kind)s “%(name)s”"), kind=kind, name=name) if name else kind


def _check_overrides_apart(overrides: Sequence[Override]) -> None:
    ordered = sorted(overrides, key=lambda o: (o.first, o.last))
    for before, after in pairwise(ordered):
        if after.first <= before.last:
            raise CalendarError(
                lazy_format(
                    _(
                        "The overrides “%(first)s” and “%(second)s” cover the same days (from %(day)s): "
                        "a day can follow only one override."
                    ),
                    first=before.name or before.first.isoformat(),
                    second=after.name or after.first.isoformat(),
                    day=after.first.isoformat(),
                ),
                reason="overrides_overlap",
            )


# --- the calendar ----------------------------------------------------------------------------------------


def _day_index(day: date) -> int:
    return day.toordinal() - _EPOCH_ORDINAL


def _day_of(index: int) -> date:
    return date.fromordinal(index + _EPOCH_ORDINAL)


def _weekday(index: int) -> int:
    return (index + _EPOCH_WEEKDAY) % 7


def _total(hours: DayHours) -> int:
    return sum(end - start for start, end in hours)


def _seconds_into(hours: DayHours, offset: int) -> int:
    """Business seconds of one day before `offset` seconds after its midnight."""
    elapsed = 0
    for start, end in hours:
        if offset <= start:
            break
        elapsed += (end if offset > end else offset) - start
    return elapsed


def _offset_after(hours: DayHours, business: int) -> int:
    """The offset in the day at which `business` (0 < business <= day total) seconds have been worked."""
    for start, end in hours:
        length = end - start
        if business <= length:
            return start + business
        business -= length
    raise AssertionError("business seconds beyond the day's total")  # pragma: no cover


class Calendar:
    """A validated working calendar. Build it with `build_calendar`; it never changes afterwards."""

    __slots__ = (
        "_ex_cum_end",
        "_ex_cum_start",
        "_ex_days",
        "_ex_delta",
        "_ex_hours",
        "_week_prefix",
        "_week_total",
        "holidays",
        "overrides",
        "weekly",
    )

    def __init__(
        self, weekly: tuple[DayHours, ...], overrides: tuple[Override, ...], holidays: tuple[Holiday, ...]
    ) -> None:
        self.weekly = weekly
        self.overrides = overrides
        self.holidays = holidays
        # Business seconds of days 0..r-1 of any block of seven days that starts on a multiple of 7 (day 0 =
        # 1970-01-01): P(d) = (d // 7) * week_total + week_prefix[d % 7] counts the pattern from day 0 to day d.
        prefix = [0]
        for r in range(7):
            prefix.append(prefix[-1] + _total(weekly[_weekday(r)]))
        self._week_prefix = tuple(prefix)
        self._week_total = prefix[7]
        exceptions = self._exception_days()
        self._ex_days = [d for d, _ in exceptions]
        self._ex_hours = [h for _, h in exceptions]
        # delta[j]: business seconds the exception days before the j-th one add to (or take from) the pattern;
        # C(d) = P(d) + delta[bisect_left(ex_days, d)] is the business time from day 0 to day d.
        self._ex_delta = [0]
        self._ex_cum_start = []
        self._ex_cum_end = []
        for d, hours in exceptions:
            start = self._pattern_before(d) + self._ex_delta[-1]
            self._ex_cum_start.append(start)
            self._ex_cum_end.append(start + _total(hours))
            self._ex_delta.append(self._ex_delta[-1] + _total(hours) - _total(weekly[_weekday(d)]))

    def _exception_days(self) -> list[tuple[int, DayHours]]:
        days: dict[int, DayHours] = {}
        for override in self.overrides:
            week = normalize_week(override.hours)
            for d in range(_day_index(override.first), _day_index(override.last) + 1):
                days[d] = week[_weekday(d)]
        for holiday in self.holidays:
            for d in range(_day_index(holiday.first), _day_index(holiday.last) + 1):
                days[d] = ()
        return sorted((d, h) for d, h in days.items() if h != self.weekly[_weekday(d)])

    def _pattern_before(self, day: int) -> int:
        weeks, rest = divmod(day, 7)
        return weeks * self._week_total + self._week_prefix[rest]

    def _day(self, day: int) -> tuple[int, DayHours]:
        """(business seconds from day 0 to this day's midnight, this day's intervals)."""
        j = bisect_left(self._ex_days, day)
        if j < len(self._ex_days) and self._ex_days[j] == day:
            return self._ex_cum_start[j], self._ex_hours[j]
        return self._pattern_before(day) + self._ex_delta[j], self.weekly[_weekday(day)]

    def position(self, local_second: int) -> int:
        """F: business seconds from the origin up to a local instant (seconds since 1970-01-01 00:00 Riyadh)."""
        day, offset = divmod(local_second, DAY_SECONDS)
        before, hours = self._day(day)
        return before + _seconds_into(hours, offset)

    def instant_at(self, business: int) -> int:
        """The inverse of F: the earliest local instant x with F(x) >= business."""
        j = bisect_left(self._ex_cum_end, business)
        target = business - self._ex_delta[j]
        # Smallest m with P(m) >= target: P(7q) < target <= P(7q + 7), then at most seven steps.
        weeks = (target - 1) // self._week_total
        base = weeks * self._week_total
        rest = 1
        while base + self._week_prefix[rest] < target:
            rest += 1
        day = weeks * 7 + rest - 1
        if j < len(self._ex_days) and day >= self._ex_days[j]:
            day = self._ex_days[j]
        before, hours = self._day(day)
        return day * DAY_SECONDS + _offset_after(hours, business - before)

    def hours_on(self, day: date) -> DayHours:
        """The working intervals of one calendar day, overrides and holidays applied."""
        return self._day(_day_index(day))[1]

    def business_seconds_on(self, day: date) -> int:
        return _total(self.hours_on(day))

    @property
    def week_total(self) -> int:
        return self._week_total


def build_calendar(
    weekly: WeeklyHours, overrides: Iterable[Override] = (), holidays: Iterable[Holiday] = ()
) -> Calendar:
    """Validate and build a calendar; raises CalendarError (bilingual) on the first problem found."""
    week = normalize_week(weekly)
    if not any(week):
        raise CalendarError(
            _("The weekly hours are empty: at least one day needs a working interval."), reason="week_empty"
        )
    override_list = tuple(overrides)
    for override in override_list:
        label = _range_label(_("Override"), override.name)
        check_date_range(override.first, override.last, where=label)
        normalize_week(override.hours, where=label)
    _check_overrides_apart(override_list)
    holiday_list = tuple(holidays)
    for holiday in holiday_list:
        check_date_range(holiday.first, holiday.last, where=_range_label(_("Holiday"), holiday.name))
    return Calendar(week, override_list, holiday_list)


def default_weekly_hours() -> dict[int, list[Interval]]:
    """Sunday to Thursday, 08:00–16:00: the default for a new calendar."""
    return {day: [(8 * 3600, 16 * 3600)] for day in DEFAULT_WORKDAYS}


def weekly_from_json(data: Mapping[str, Sequence[Sequence[int]]]) -> dict[int, list[Interval]]:
    """{"sun": [[28800, 57600]], …} (the stored form) → {6: [(28800, 57600)], …}."""
    weekly: dict[int, list[Interval]] = {}
    for key, intervals in data.items():
        if key not in WEEKDAY_KEYS:
            raise CalendarError(
                lazy_format(_("%(key)s is not a weekday."), key=key), reason="weekday_unknown"
            )
        weekly[WEEKDAY_KEYS.index(key)] = [(int(i[0]), int(i[1])) for i in intervals]
    return weekly


def weekly_to_json(weekly: WeeklyHours) -> dict[str, list[list[int]]]:
    return {
        WEEKDAY_KEYS[day]: [[s, e] for s, e in intervals]
        for day, intervals in sorted(weekly.items())
        if intervals
    }


# --- the arithmetic --------------------------------------------------------------------------------------


def to_local_second(moment: datetime) -> int:
    """Seconds since 1970-01-01 00:00 in Riyadh (fractions dropped). Naive datetimes are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business time needs an aware datetime")
    return math.floor(moment.timestamp()) + RIYADH_OFFSET_SECONDS


def from_local_second(local_second: int) -> datetime:
    return datetime.fromtimestamp(local_second - RIYADH_OFFSET_SECONDS, RIYADH)


def add_business_seconds(calendar: Calendar, start: datetime, seconds: int) -> datetime:
    """The instant at which `seconds` of business time have elapsed after `start` (in Asia/Riyadh)."""
    if seconds < 0:
        raise ValueError("business seconds to add must not be negative")
    local = to_local_second(start)
    if seconds == 0:
        return from_local_second(local)
    return from_local_second(calendar.instant_at(calendar.position(local) + int(seconds)))


def business_seconds_between(calendar: Calendar, start: datetime, end: datetime) -> int:
    """Business seconds from `start` to `end`; 0 when `end` is not after `start`."""
    a, b = to_local_second(start), to_local_second(end)
    if b <= a:
        return 0
    return calendar.position(b) - calendar.position(a)


def next_business_instant(calendar: Calendar, moment: datetime) -> datetime:
    """`moment` itself during working hours, otherwise the start of the next working interval."""
    local = to_local_second(moment)
    return from_local_second(calendar.instant_at(calendar.position(local) + 1) - 1)


def is_business_instant(calendar: Calendar, moment: datetime) -> bool:
    local = to_local_second(moment)
    return calendar.position(local + 1) > calendar.position(local)
