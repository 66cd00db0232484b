"""Properties of the business-time arithmetic on random calendars (hypothesis).

The reference is written here, independently of awn/sla/business_time.py: each calendar day's intervals are
looked up from the raw specification (holiday, else override, else the weekly pattern), every minute of a window
is marked working or not, and business time is counted minute by minute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awn.sla.business_time import (
    Calendar,
    Holiday,
    Override,
    add_business_seconds,
    build_calendar,
    business_seconds_between,
    is_business_instant,
    next_business_instant,
)

UTC_PLUS_3 = timezone(timedelta(hours=3))
WINDOW_DAYS = 14
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass
class Spec:
    weekly: dict[int, list[tuple[int, int]]]
    overrides: list[Override]
    holidays: list[Holiday]
    first_day: date

    def calendar(self) -> Calendar:
        return build_calendar(self.weekly, self.overrides, self.holidays)


@st.composite
def day_intervals(draw: st.DrawFn, unit: int = 60) -> list[tuple[int, int]]:
    """Up to three intervals in one day, in `unit` steps: touching ones, 00:00 starts and 24:00 ends included."""
    intervals: list[tuple[int, int]] = []
    cursor = 0
    last = 86400 // unit
    for _ in range(draw(st.integers(0, 3))):
        gap = draw(st.integers(0, 10 * 60))
        length = draw(st.integers(1, 10 * 60))
        start, end = cursor + gap, cursor + gap + length
        if end > last:
            break
        intervals.append((start * unit, end * unit))
        cursor = end
    return intervals


@st.composite
def specs(draw: st.DrawFn, window_days: int = WINDOW_DAYS, unit: int = 60) -> Spec:
    weekly = {day: draw(day_intervals(unit)) for day in range(7)}
    if not any(weekly.values()):
        weekly[draw(st.integers(0, 6))] = [(8 * 3600, 16 * 3600)]
    first_day = date(2020, 1, 1) + timedelta(days=draw(st.integers(0, 15 * 365)))
    # Overrides: disjoint date ranges, each with its own weekly hours (a weekday left out is closed).
    overrides: list[Override] = []
    cursor = -3
    for _ in range(draw(st.integers(0, 2))):
        start = cursor + draw(st.integers(0, window_days // 2))
        length = draw(st.integers(1, 6))
        hours = {day: draw(day_intervals(unit)) for day in draw(st.sets(st.integers(0, 6), max_size=7))}
        overrides.append(
            Override(
                first=first_day + timedelta(days=start),
                last=first_day + timedelta(days=start + length - 1),
                hours=hours,
            )
        )
        cursor = start + length
    holidays = []
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(-3, window_days))
        length = draw(st.integers(1, 4))
        holidays.append(
            Holiday(
                first=first_day + timedelta(days=start), last=first_day + timedelta(days=start + length - 1)
            )
        )
    return Spec(weekly, overrides, holidays, first_day)


# --- the independent reference ---------------------------------------------------------------------------


def reference_day_intervals(spec: Spec, day: date) -> list[tuple[int, int]]:
    if any(h.first <= day <= h.last for h in spec.holidays):
        return []
    for override in spec.overrides:
        if override.first <= day <= override.last:
            return list(override.hours.get(day.weekday(), []))
    return list(spec.weekly.get(day.weekday(), []))


def reference_minutes(spec: Spec, days: int = WINDOW_DAYS) -> list[bool]:
    """Whether each minute of the window (from first_day 00:00 Riyadh) is worked."""
    flags: list[bool] = []
    for offset in range(days):
        intervals = reference_day_intervals(spec, spec.first_day + timedelta(days=offset))
        flags.extend(any(s <= minute * 60 < e for s, e in intervals) for minute in range(1440))
    return flags


def window_instant(spec: Spec, minute: int) -> datetime:
    midnight = datetime(spec.first_day.year, spec.first_day.month, spec.first_day.day, tzinfo=UTC_PLUS_3)
    return midnight + timedelta(minutes=minute)


# --- agreement with the reference ------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(spec=specs(), data=st.data())
def test_between_matches_minute_counting(spec: Spec, data: st.DataObject) -> None:
    flags = reference_minutes(spec)
    a = data.draw(st.integers(0, len(flags)))
    b = data.draw(st.integers(0, len(flags)))
    expected = sum(flags[a:b]) * 60 if b > a else 0
    calendar = spec.calendar()
    assert business_seconds_between(calendar, window_instant(spec, a), window_instant(spec, b)) == expected


@PROPERTY_SETTINGS
@given(spec=specs(), data=st.data())
def test_add_matches_minute_counting(spec: Spec, data: st.DataObject) -> None:
    flags = reference_minutes(spec)
    start = data.draw(st.integers(0, len(flags) - 1))
    available = sum(flags[start:])
    minutes = data.draw(st.integers(0, available))
    # Walk minute by minute until `minutes` worked minutes have gone by; due at the end of the last one.
    due, worked = start, 0
    while worked < minutes:
        worked += flags[due]
        due += 1
    calendar = spec.calendar()
    assert add_business_seconds(calendar, window_instant(spec, start), minutes * 60) == window_instant(
        spec, due
    )


@PROPERTY_SETTINGS
@given(spec=specs(), data=st.data())
def test_next_business_instant_matches_the_first_worked_minute(spec: Spec, data: st.DataObject) -> None:
    flags = reference_minutes(spec)
    start = data.draw(st.integers(0, len(flags) - 1))
    later = [i for i in range(start, len(flags)) if flags[i]]
    if not later:
        return
    calendar = spec.calendar()
    assert next_business_instant(calendar, window_instant(spec, start)) == window_instant(spec, later[0])


@settings(max_examples=60, deadline=None)
@given(spec=specs(window_days=120), data=st.data())
def test_long_spans_match_day_by_day_totals(spec: Spec, data: st.DataObject) -> None:
    """Over months, business time between two midnights is the sum of each day's hours, looked up one by one."""
    a = data.draw(st.integers(-10, 120))
    b = data.draw(st.integers(a, 130))
    expected = sum(
        sum(e - s for s, e in reference_day_intervals(spec, spec.first_day + timedelta(days=d)))
        for d in range(a, b)
    )
    calendar = spec.calendar()
    assert (
        business_seconds_between(calendar, window_instant(spec, a * 1440), window_instant(spec, b * 1440))
        == expected
    )


# --- algebraic properties, to the second ------------------------------------------------------------------

instants = st.integers(0, 20 * 365 * 86400).map(
    lambda s: datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=s)
)
spans = st.integers(0, 60 * 8 * 3600)  # up to 60 business days of eight hours


@PROPERTY_SETTINGS
@given(spec=specs(unit=1), start=instants, a=spans, b=spans)
def test_more_seconds_are_never_earlier(spec: Spec, start: datetime, a: int, b: int) -> None:
    calendar = spec.calendar()
    low, high = sorted((a, b))
    assert start <= add_business_seconds(calendar, start, low) <= add_business_seconds(calendar, start, high)


@PROPERTY_SETTINGS
@given(spec=specs(unit=1), start=instants, a=spans, b=spans)
def test_adding_twice_is_adding_the_sum(spec: Spec, start: datetime, a: int, b: int) -> None:
    calendar = spec.calendar()
    once = add_business_seconds(calendar, start, a)
    assert add_business_seconds(calendar, once, b) == add_business_seconds(calendar, start, a + b)


@PROPERTY_SETTINGS
@given(spec=specs(unit=1), start=instants, seconds=spans)
def test_between_undoes_add(spec: Spec, start: datetime, seconds: int) -> None:
    calendar = spec.calendar()
    assert (
        business_seconds_between(calendar, start, add_business_seconds(calendar, start, seconds)) == seconds
    )


@PROPERTY_SETTINGS
@given(spec=specs(unit=1), a=instants, b=instants)
def test_between_is_never_negative(spec: Spec, a: datetime, b: datetime) -> None:
    calendar = spec.calendar()
    forward = business_seconds_between(calendar, a, b)
    backward = business_seconds_between(calendar, b, a)
    assert forward >= 0 and backward >= 0
    assert min(forward, backward) == 0
    assert max(forward, backward) <= abs((b - a).total_seconds())


@PROPERTY_SETTINGS
@given(spec=specs(unit=1), a=instants, b=instants, c=instants)
def test_between_adds_up_over_consecutive_stretches(
    spec: Spec, a: datetime, b: datetime, c: datetime
) -> None:
    calendar = spec.calendar()
    a, b, c = sorted((a, b, c))
    assert business_seconds_between(calendar, a, b) + business_seconds_between(
        calendar, b, c
    ) == business_seconds_between(calendar, a, c)


@PROPERTY_SETTINGS
@given(spec=specs(unit=1), start=instants)
def test_next_business_instant_is_working_time_with_none_before_it(spec: Spec, start: datetime) -> None:
    calendar = spec.calendar()
    found = next_business_instant(calendar, start)
    assert found >= start
    assert is_business_instant(calendar, found)
    assert business_seconds_between(calendar, start, found) == 0
