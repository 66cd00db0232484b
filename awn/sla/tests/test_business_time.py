"""Business time on worked examples: the issue's regression cases, split shifts, seconds, and every bad input.

Every expected instant below is counted by hand on the calendar of the test (weekdays checked against a printed
calendar: 2027-03-04 is a Thursday; 1 Ramadan 1448 = 2027-02-08 and 1 Shawwal 1448 = 2027-03-09 by the Umm al-Qura
tables).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.utils import translation

from awn.sla.business_time import (
    FRIDAY,
    MONDAY,
    SATURDAY,
    SUNDAY,
    THURSDAY,
    TUESDAY,
    WEDNESDAY,
    CalendarError,
    Holiday,
    Override,
    add_business_seconds,
    build_calendar,
    business_seconds_between,
    default_weekly_hours,
    format_day_hours,
    is_business_instant,
    next_business_instant,
    parse_day_hours,
    parse_time_of_day,
    weekly_from_json,
    weekly_to_json,
)

RIYADH = timezone(timedelta(hours=3))
HOUR = 3600
SUN_TO_THU = (SUNDAY, MONDAY, TUESDAY, WEDNESDAY, THURSDAY)


def riyadh(*args: int) -> datetime:
    return datetime(*args, tzinfo=RIYADH)  # type: ignore[arg-type, misc]


def eight_to_four() -> dict[int, list[tuple[int, int]]]:
    return {day: [(8 * HOUR, 16 * HOUR)] for day in SUN_TO_THU}


def split_shifts() -> dict[int, list[tuple[int, int]]]:
    return {day: [(8 * HOUR, 12 * HOUR), (16 * HOUR, 20 * HOUR)] for day in SUN_TO_THU}


# --- the regression cases ------------------------------------------------------------------------


def test_ticket_created_at_23_00_thursday_counts_from_the_first_business_minute_on_sunday() -> None:
    calendar = build_calendar(eight_to_four())
    created = riyadh(2027, 3, 4, 23, 0)  # Thursday night
    assert next_business_instant(calendar, created) == riyadh(2027, 3, 7, 8, 0)
    assert add_business_seconds(calendar, created, HOUR) == riyadh(2027, 3, 7, 9, 0)
    assert add_business_seconds(calendar, created, 60) == riyadh(2027, 3, 7, 8, 1)
    assert business_seconds_between(calendar, created, riyadh(2027, 3, 7, 8, 30)) == 30 * 60
    assert business_seconds_between(calendar, created, riyadh(2027, 3, 7, 7, 59)) == 0


def test_a_holiday_inside_a_weekend() -> None:
    plain = build_calendar(eight_to_four())
    # A holiday on Friday and Saturday takes nothing: nobody works then anyway.
    weekend_holiday = build_calendar(eight_to_four(), holidays=[Holiday(date(2027, 3, 5), date(2027, 3, 6))])
    start = riyadh(2027, 3, 4, 15, 0)  # Thursday 15:00, one hour before closing
    for calendar in (plain, weekend_holiday):
        assert add_business_seconds(calendar, start, 2 * HOUR) == riyadh(2027, 3, 7, 9, 0)
        assert business_seconds_between(calendar, start, riyadh(2027, 3, 8, 8, 0)) == 9 * HOUR
    # A holiday from Thursday over the weekend to Sunday takes Thursday and Sunday only.
    long_weekend = build_calendar(eight_to_four(), holidays=[Holiday(date(2027, 3, 4), date(2027, 3, 7))])
    assert add_business_seconds(long_weekend, riyadh(2027, 3, 3, 15, 0), 2 * HOUR) == riyadh(2027, 3, 8, 9, 0)
    assert (
        business_seconds_between(long_weekend, riyadh(2027, 3, 3, 0, 0), riyadh(2027, 3, 9, 0, 0))
        == 16 * HOUR
    )


def test_a_ramadan_override() -> None:
    ramadan = Override(
        first=date(2027, 2, 8),
        last=date(2027, 3, 8),
        hours={day: [(10 * HOUR, 15 * HOUR)] for day in SUN_TO_THU},
        name="رمضان 1448",
    )
    eid = Holiday(date(2027, 3, 9), date(2027, 3, 11), name="عيد الفطر")
    calendar = build_calendar(eight_to_four(), [ramadan], [eid])
    # Monday 15 Feb 14:00 in Ramadan: one hour left that day, then Tuesday from 10:00.
    assert add_business_seconds(calendar, riyadh(2027, 2, 15, 14, 0), 3 * HOUR) == riyadh(2027, 2, 16, 12, 0)
    # Ramadan hours start at 10:00, not 08:00.
    assert next_business_instant(calendar, riyadh(2027, 2, 15, 8, 0)) == riyadh(2027, 2, 15, 10, 0)
    # The day before Ramadan keeps the usual hours.
    assert business_seconds_between(calendar, riyadh(2027, 2, 7, 0, 0), riyadh(2027, 2, 8, 0, 0)) == 8 * HOUR
    # Across the end of Ramadan and Eid (Tue–Thu): Monday 8 March 14:00 + 2 h = 1 h on Monday, then the weekend,
    # then Sunday 14 March at the usual 08:00 for the second hour.
    assert add_business_seconds(calendar, riyadh(2027, 3, 8, 14, 0), 2 * HOUR) == riyadh(2027, 3, 14, 9, 0)


@pytest.fixture()
def far_away_server(settings: object) -> Iterator[None]:
    """A server whose TIME_ZONE and TZ both say something else than Riyadh."""
    settings.TIME_ZONE = "America/Los_Angeles"  # type: ignore[attr-defined]
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "Pacific/Kiritimati"  # UTC+14
    time.tzset()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = previous
        time.tzset()


def test_time_zone_is_asia_riyadh_whatever_the_servers_zone(far_away_server: None) -> None:
    utc_midnight = datetime(2027, 1, 1, tzinfo=UTC).timestamp()
    assert time.localtime(utc_midnight).tm_hour == 14  # the process really runs in UTC+14
    calendar = build_calendar(eight_to_four())
    created_utc = datetime(2027, 3, 4, 20, 0, tzinfo=UTC)  # Thursday 23:00 in Riyadh
    due = add_business_seconds(calendar, created_utc, HOUR)
    assert due == datetime(2027, 3, 7, 6, 0, tzinfo=UTC)  # Sunday 09:00 in Riyadh
    assert due.utcoffset() == timedelta(hours=3)
    assert (due.hour, due.minute) == (9, 0)
    # The same instant written in another zone gives the same answer.
    new_york = timezone(timedelta(hours=-5))
    assert add_business_seconds(calendar, created_utc.astimezone(new_york), HOUR) == due
    # Sunday 07:30 UTC is 10:30 in Riyadh: two and a half business hours into Sunday.
    sunday = datetime(2027, 3, 7, 7, 30, tzinfo=UTC)
    assert business_seconds_between(calendar, created_utc, sunday) == int(2.5 * HOUR)


# --- shapes of calendars ---------------------------------------------------------------------------------


def test_split_shifts_skip_the_break() -> None:
    calendar = build_calendar(split_shifts())
    assert add_business_seconds(calendar, riyadh(2027, 3, 7, 11, 0), 2 * HOUR) == riyadh(2027, 3, 7, 17, 0)
    assert (
        business_seconds_between(calendar, riyadh(2027, 3, 7, 10, 0), riyadh(2027, 3, 7, 18, 0)) == 4 * HOUR
    )
    assert next_business_instant(calendar, riyadh(2027, 3, 7, 13, 0)) == riyadh(2027, 3, 7, 16, 0)
    assert not is_business_instant(calendar, riyadh(2027, 3, 7, 12, 0))
    assert is_business_instant(calendar, riyadh(2027, 3, 7, 11, 59, 59))


def test_an_emergency_saturday() -> None:
    saturday = Override(date(2027, 3, 6), date(2027, 3, 6), {SATURDAY: [(9 * HOUR, 13 * HOUR)]}, "طوارئ")
    calendar = build_calendar(eight_to_four(), [saturday])
    assert add_business_seconds(calendar, riyadh(2027, 3, 4, 23, 0), HOUR) == riyadh(2027, 3, 6, 10, 0)
    assert calendar.business_seconds_on(date(2027, 3, 6)) == 4 * HOUR
    assert calendar.business_seconds_on(date(2027, 3, 13)) == 0  # the next Saturday is off again


def test_a_target_met_at_closing_time_is_due_at_closing_time() -> None:
    calendar = build_calendar(eight_to_four())
    assert add_business_seconds(calendar, riyadh(2027, 3, 7, 8, 0), 8 * HOUR) == riyadh(2027, 3, 7, 16, 0)
    assert add_business_seconds(calendar, riyadh(2027, 3, 7, 8, 0), 8 * HOUR + 1) == riyadh(
        2027, 3, 8, 8, 0, 1
    )


def test_hours_till_midnight_run_on_into_hours_from_midnight() -> None:
    night = {SUNDAY: [(20 * HOUR, 24 * HOUR)], MONDAY: [(0, 4 * HOUR)]}
    calendar = build_calendar(night)
    assert add_business_seconds(calendar, riyadh(2027, 3, 7, 23, 0), 2 * HOUR) == riyadh(2027, 3, 8, 1, 0)
    assert business_seconds_between(calendar, riyadh(2027, 3, 7, 0, 0), riyadh(2027, 3, 14, 0, 0)) == 8 * HOUR


def test_touching_intervals_merge() -> None:
    calendar = build_calendar({SUNDAY: [(12 * HOUR, 14 * HOUR), (8 * HOUR, 12 * HOUR)]})
    assert calendar.weekly[SUNDAY] == ((8 * HOUR, 14 * HOUR),)


def test_sixty_business_days_land_on_the_day_counted_by_hand() -> None:
    # 60 days of 8 hours from Sunday 3 January 2027 08:00, Sunday–Thursday: twelve full weeks, so the 60th day
    # ends on Thursday 25 March 2027 at 16:00; with the three Eid days (9–11 March) the end moves to Tuesday 30 March.
    plain = build_calendar(eight_to_four())
    assert add_business_seconds(plain, riyadh(2027, 1, 3, 8, 0), 60 * 8 * HOUR) == riyadh(2027, 3, 25, 16, 0)
    with_eid = build_calendar(eight_to_four(), holidays=[Holiday(date(2027, 3, 9), date(2027, 3, 11))])
    assert add_business_seconds(with_eid, riyadh(2027, 1, 3, 8, 0), 60 * 8 * HOUR) == riyadh(
        2027, 3, 30, 16, 0
    )


def test_a_holiday_wins_over_an_override_on_the_same_day() -> None:
    override = Override(
        date(2027, 3, 1), date(2027, 3, 31), {day: [(10 * HOUR, 15 * HOUR)] for day in SUN_TO_THU}
    )
    calendar = build_calendar(eight_to_four(), [override], [Holiday(date(2027, 3, 9), date(2027, 3, 9))])
    assert calendar.business_seconds_on(date(2027, 3, 9)) == 0
    assert calendar.business_seconds_on(date(2027, 3, 10)) == 5 * HOUR


# --- seconds and inputs ----------------------------------------------------------------------------------


def test_second_precision_and_fractions_dropped() -> None:
    calendar = build_calendar(eight_to_four())
    start = riyadh(2027, 3, 7, 8, 0, 0) + timedelta(microseconds=999_999)
    assert add_business_seconds(calendar, start, 1) == riyadh(2027, 3, 7, 8, 0, 1)
    assert business_seconds_between(calendar, start, riyadh(2027, 3, 7, 8, 0, 1)) == 1
    assert add_business_seconds(calendar, riyadh(2027, 3, 7, 15, 59, 59), 2) == riyadh(2027, 3, 8, 8, 0, 1)


def test_adding_nothing_returns_the_start_even_outside_hours() -> None:
    calendar = build_calendar(eight_to_four())
    assert add_business_seconds(calendar, riyadh(2027, 3, 5, 12, 0), 0) == riyadh(2027, 3, 5, 12, 0)


def test_naive_datetimes_and_negative_seconds_are_refused() -> None:
    calendar = build_calendar(eight_to_four())
    with pytest.raises(ValueError, match="aware"):
        add_business_seconds(calendar, datetime(2027, 3, 7, 8, 0), 60)
    with pytest.raises(ValueError, match="aware"):
        business_seconds_between(calendar, datetime(2027, 3, 7, 8, 0), riyadh(2027, 3, 7, 9, 0))
    with pytest.raises(ValueError, match="negative"):
        add_business_seconds(calendar, riyadh(2027, 3, 7, 8, 0), -1)


def test_between_is_zero_when_the_end_is_not_after_the_start() -> None:
    calendar = build_calendar(eight_to_four())
    assert business_seconds_between(calendar, riyadh(2027, 3, 7, 12, 0), riyadh(2027, 3, 7, 9, 0)) == 0
    assert business_seconds_between(calendar, riyadh(2027, 3, 7, 12, 0), riyadh(2027, 3, 7, 12, 0)) == 0


def test_default_week_is_sunday_to_thursday() -> None:
    calendar = build_calendar(default_weekly_hours())
    worked = [calendar.business_seconds_on(date(2027, 3, 7) + timedelta(days=i)) > 0 for i in range(7)]
    assert worked == [True, True, True, True, True, False, False]  # Sun … Sat
    assert calendar.week_total == 5 * 8 * HOUR


def test_parse_and_format_day_hours() -> None:
    assert parse_day_hours("08:00-12:00, 16:00–20:30") == [
        (8 * HOUR, 12 * HOUR),
        (16 * HOUR, 20 * HOUR + 1800),
    ]
    assert parse_day_hours("٠٨:٠٠-١٢:٠٠،١٣:٠٠-24:00") == [(8 * HOUR, 12 * HOUR), (13 * HOUR, 24 * HOUR)]
    assert parse_day_hours("  ") == []
    assert parse_time_of_day("7:05:09") == 7 * HOUR + 5 * 60 + 9
    assert format_day_hours([(8 * HOUR, 12 * HOUR), (13 * HOUR, 24 * HOUR)]) == "08:00–12:00, 13:00–24:00"


def test_weekly_hours_round_trip_through_json() -> None:
    weekly = split_shifts()
    stored = weekly_to_json(weekly)
    assert stored["sun"] == [[8 * HOUR, 12 * HOUR], [16 * HOUR, 20 * HOUR]]
    assert "fri" not in stored
    assert weekly_from_json(stored) == weekly


# --- bad input: a clear error in Arabic and English ------------------------------------------------------


def reason_of(
    weekly: dict[int, list[tuple[int, int]]],
    overrides: Sequence[Override] = (),
    holidays: Sequence[Holiday] = (),
) -> CalendarError:
    with pytest.raises(CalendarError) as caught:
        build_calendar(weekly, overrides, holidays)
    return caught.value


def test_overlapping_intervals_are_refused_in_both_languages() -> None:
    error = reason_of({SUNDAY: [(8 * HOUR, 12 * HOUR), (11 * HOUR, 14 * HOUR)]})
    assert error.reason == "intervals_overlap"
    with translation.override("en"):
        assert str(error.message) == "Sunday: the intervals 08:00–12:00 and 11:00–14:00 overlap."
    with translation.override("ar"):
        assert str(error.message) == "الأحد: الفترتان 08:00–12:00 و11:00–14:00 متداخلتان."


def test_an_interval_ending_before_it_starts_is_refused_with_the_midnight_split_shown() -> None:
    error = reason_of({THURSDAY: [(22 * HOUR, 2 * HOUR)]})
    assert error.reason == "interval_crosses_midnight"
    with translation.override("en"):
        message = str(error.message)
    assert message.startswith("Thursday: the interval 22:00–02:00 ends before it starts.")
    assert "22:00–24:00" in message and "00:00–02:00" in message
    with translation.override("ar"):
        assert "تنتهي قبل أن تبدأ" in str(error.message)


def test_empty_and_out_of_day_intervals_are_refused() -> None:
    assert reason_of({SUNDAY: [(8 * HOUR, 8 * HOUR)]}).reason == "interval_empty"
    assert reason_of({SUNDAY: [(8 * HOUR, 25 * HOUR)]}).reason == "interval_out_of_day"
    assert reason_of({SUNDAY: [(-60, 8 * HOUR)]}).reason == "interval_out_of_day"


def test_an_empty_week_is_refused() -> None:
    error = reason_of({})
    assert error.reason == "week_empty"
    with translation.override("ar"):
        assert "فارغة" in str(error.message)
    # Friday alone is a valid (if odd) week.
    assert build_calendar({FRIDAY: [(8 * HOUR, 9 * HOUR)]}).week_total == HOUR


def test_bad_overrides_and_holidays_are_refused() -> None:
    backwards = Holiday(date(2027, 3, 11), date(2027, 3, 9), name="عيد الفطر")
    error = reason_of(eight_to_four(), holidays=[backwards])
    assert error.reason == "range_end_before_start"
    with translation.override("en"):
        assert "2027-03-09" in str(error.message) and "عيد الفطر" in str(error.message)
    too_long = Holiday(date(2027, 1, 1), date(2029, 1, 1))
    assert reason_of(eight_to_four(), holidays=[too_long]).reason == "range_too_long"
    bad_hours = Override(date(2027, 2, 8), date(2027, 3, 8), {SUNDAY: [(15 * HOUR, 10 * HOUR)]}, "رمضان")
    assert reason_of(eight_to_four(), [bad_hours]).reason == "interval_crosses_midnight"
    first = Override(date(2027, 2, 8), date(2027, 3, 8), {SUNDAY: [(10 * HOUR, 15 * HOUR)]}, "رمضان")
    second = Override(date(2027, 3, 8), date(2027, 3, 20), {SUNDAY: [(9 * HOUR, 12 * HOUR)]}, "اختبارات")
    error = reason_of(eight_to_four(), [second, first])
    assert error.reason == "overrides_overlap"
    with translation.override("ar"):
        assert "رمضان" in str(error.message) and "اختبارات" in str(error.message)


def test_badly_written_hours_are_refused() -> None:
    for text, reason in [
        ("8-12", "time_format"),
        ("08:00", "interval_format"),
        ("08:00-25:00", "time_range"),
        ("08:61-09:00", "time_range"),
    ]:
        with pytest.raises(CalendarError) as caught:
            parse_day_hours(text)
        assert caught.value.reason == reason, text
