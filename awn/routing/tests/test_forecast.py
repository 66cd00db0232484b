"""The forecast model (pure): profile, trend, peaks, a young service, Riyadh half-hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from awn.routing.forecast import (
    RIYADH,
    SLOTS_PER_DAY,
    Peak,
    build_profile,
    forecast_day,
    interval_starts,
    slot_of,
)

# Sunday 2027-03-07 (a school day in Saudi Arabia): the forecast day; history is the 8 weeks before it.
DAY = date(2027, 3, 7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=RIYADH)


def weekly(counts_per_week: list[float], hour: int = 10, minute: int = 0) -> dict[datetime, float]:
    """One count per week at the same weekday and half-hour as DAY, oldest week first."""
    n = len(counts_per_week)
    return {at(DAY - timedelta(weeks=n - i), hour, minute): c for i, c in enumerate(counts_per_week)}


def test_riyadh_half_hours() -> None:
    # Monday 00:00 in Riyadh is Sunday 21:00 UTC: slot 0 of the week.
    assert slot_of(datetime(2027, 3, 7, 21, 0, tzinfo=UTC)) == 0
    assert slot_of(at(DAY, 10, 45)) == 6 * SLOTS_PER_DAY + 21  # Sunday is weekday 6
    starts = interval_starts(DAY)
    assert len(starts) == 48 and starts[0] == at(DAY, 0) and starts[-1] == at(DAY, 23, 30)


def test_flat_history_is_repeated() -> None:
    profile = build_profile(weekly([100] * 8), channel="chat", first_day=DAY)
    rows = forecast_day(profile, DAY)
    assert rows[20].contacts == pytest.approx(100)  # 10:00
    assert sum(r.contacts for r in rows) == pytest.approx(100)
    assert profile.slope_per_week == 0


def test_trend_extrapolates_the_weekly_totals() -> None:
    # 10, 20, … 80 a week: least squares gives +10 a week, next week 90. Mean 45 → factor 2 (the bound).
    profile = build_profile(weekly([10, 20, 30, 40, 50, 60, 70, 80]), channel="chat", first_day=DAY)
    assert profile.slope_per_week == pytest.approx(10)
    assert forecast_day(profile, DAY)[20].contacts == pytest.approx(90)
    # A gentler trend: 90, 95, … 125 → slope 5, mean 107.5, next week 130.
    gentle = build_profile(weekly([90 + 5 * i for i in range(8)]), channel="chat", first_day=DAY)
    assert forecast_day(gentle, DAY)[20].contacts == pytest.approx(130)
    # The trend factor is bounded: a collapse cannot forecast below half the mean.
    falling = build_profile(weekly([80, 70, 60, 50, 40, 30, 20, 10]), channel="chat", first_day=DAY)
    assert forecast_day(falling, DAY + timedelta(weeks=10))[20].contacts == pytest.approx(45 / 2)


def test_past_peaks_are_divided_out_and_future_peaks_multiply() -> None:
    history = weekly([100] * 8)
    peak_day = DAY - timedelta(weeks=3)
    history[at(peak_day, 10)] = 300  # results day last month: ×3
    peaks = [Peak(peak_day, peak_day, 3.0), Peak(DAY, DAY + timedelta(days=2), 2.5, "chat")]
    profile = build_profile(history, channel="chat", first_day=DAY, peaks=peaks)
    assert profile.per_slot[slot_of(at(DAY, 10))] == pytest.approx(100)
    rows = forecast_day(profile, DAY, peaks)
    assert rows[20].contacts == pytest.approx(250) and rows[20].peak_multiplier == 2.5
    # A peak of another channel does not touch this one; overlapping peaks do not compound.
    email = build_profile(history, channel="email", first_day=DAY, peaks=peaks)
    assert forecast_day(email, DAY, peaks)[20].peak_multiplier == 1.0
    both = [Peak(DAY, DAY, 2.0), Peak(DAY, DAY, 3.0)]
    assert forecast_day(profile, DAY, both)[20].peak_multiplier == 3.0


def test_a_young_service_averages_over_the_weeks_it_has() -> None:
    history = weekly([60, 60])  # two weeks of data only
    profile = build_profile(history, channel="chat", first_day=DAY, history_starts=DAY - timedelta(weeks=2))
    assert profile.weeks_used == 2
    assert forecast_day(profile, DAY)[20].contacts == pytest.approx(60)
    # Less than a week: no profile, every half-hour at zero.
    baby = build_profile({}, channel="chat", first_day=DAY, history_starts=DAY - timedelta(days=3))
    assert baby.weeks_used == 0 and all(r.contacts == 0 for r in forecast_day(baby, DAY))


def test_what_if_multiplier_and_bad_input() -> None:
    profile = build_profile(weekly([100] * 8), channel="chat", first_day=DAY)
    assert forecast_day(profile, DAY, volume_multiplier=2)[20].contacts == pytest.approx(200)
    with pytest.raises(ValueError):
        forecast_day(profile, DAY, volume_multiplier=-1)
    with pytest.raises(ValueError):
        build_profile({}, channel="chat", first_day=DAY, weeks=0)


def test_history_outside_the_window_is_ignored() -> None:
    history = weekly([100] * 8)
    history[at(DAY, 10)] = 1000  # the forecast day itself (partly elapsed): not history
    history[at(DAY - timedelta(weeks=9), 10)] = 1000  # before the window
    profile = build_profile(history, channel="chat", first_day=DAY)
    assert forecast_day(profile, DAY)[20].contacts == pytest.approx(100)
