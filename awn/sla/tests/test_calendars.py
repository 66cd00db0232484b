"""Calendars, overrides and holidays as rows: services validate through the pure module and save nothing on
error; selectors build the pure calendar in two queries and cache it per version."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from django.utils import translation

from awn.accounts.enums import TeamKind
from awn.accounts.services import team_create
from awn.core.errors import Conflict, ValidationError
from awn.core.events import capture_events
from awn.sla.business_time import (
    MONDAY,
    SUNDAY,
    THURSDAY,
    TUESDAY,
    WEDNESDAY,
    CalendarError,
    add_business_seconds,
    business_seconds_between,
)
from awn.sla.events import BusinessCalendarChanged
from awn.sla.models import BusinessCalendar, CalendarOverride, Holiday
from awn.sla.selectors import calendar_for, calendar_for_team, calendar_list, calendar_row_for_team
from awn.sla.services import (
    calendar_create,
    calendar_delete,
    calendar_make_default,
    calendar_update,
    default_calendar_ensure,
    holiday_confirm,
    holiday_delete,
    holiday_save,
    override_save,
    team_calendar_set,
)

pytestmark = pytest.mark.django_db
RIYADH = timezone(timedelta(hours=3))
HOUR = 3600
SUN_TO_THU = (SUNDAY, MONDAY, TUESDAY, WEDNESDAY, THURSDAY)


def riyadh(*args: int) -> datetime:
    return datetime(*args, tzinfo=RIYADH)  # type: ignore[arg-type, misc]


def hours(start: int, end: int, days: tuple[int, ...] = SUN_TO_THU) -> dict[int, list[tuple[int, int]]]:
    return {day: [(start * HOUR, end * HOUR)] for day in days}


def test_the_default_calendar_exists_after_migrate_sunday_to_thursday() -> None:
    default = BusinessCalendar.objects.get(is_default=True)
    assert default.weekly_hours == {
        day: [[8 * HOUR, 16 * HOUR]] for day in ("sun", "mon", "tue", "wed", "thu")
    }
    assert default_calendar_ensure() == default
    built = calendar_for(default)
    # Thursday 23:00 → the first business minute on Sunday.
    assert add_business_seconds(built, riyadh(2027, 3, 4, 23, 0), 60) == riyadh(2027, 3, 7, 8, 1)


def test_default_calendar_ensure_creates_one_on_an_empty_database() -> None:
    BusinessCalendar.objects.all().delete()
    created = default_calendar_ensure()
    assert created.is_default
    assert calendar_for(created).week_total == 5 * 8 * HOUR


def test_an_invalid_calendar_is_refused_and_nothing_is_saved() -> None:
    before = BusinessCalendar.objects.count()
    with pytest.raises(CalendarError) as caught:
        calendar_create(
            name="مركز الاتصال", weekly_hours={SUNDAY: [(8 * HOUR, 12 * HOUR), (11 * HOUR, 13 * HOUR)]}
        )
    assert caught.value.reason == "intervals_overlap"
    with pytest.raises(CalendarError):
        calendar_create(name="مركز الاتصال", weekly_hours={})
    assert BusinessCalendar.objects.count() == before


def test_an_invalid_edit_leaves_the_calendar_as_it_was() -> None:
    calendar = calendar_create(name="الدعم الفني", weekly_hours=hours(8, 16))
    stored, version = dict(calendar.weekly_hours), calendar.version
    with pytest.raises(CalendarError) as caught:
        calendar_update(calendar=calendar, name="اسم آخر", weekly_hours={THURSDAY: [(22 * HOUR, 2 * HOUR)]})
    assert caught.value.reason == "interval_crosses_midnight"
    calendar.refresh_from_db()
    assert (calendar.name, calendar.weekly_hours, calendar.version) == ("الدعم الفني", stored, version)


def test_names_are_required_and_unique() -> None:
    calendar_create(name="الدعم الفني", weekly_hours=hours(8, 16))
    with pytest.raises(ValidationError) as caught:
        calendar_create(name=" الدعم الفني ", weekly_hours=hours(8, 16))
    assert caught.value.field == "name"
    with pytest.raises(ValidationError):
        calendar_create(name="  ", weekly_hours=hours(8, 16))
    with translation.override("ar"):
        assert str(caught.value.message) == "يوجد تقويم بهذا الاسم."


def test_split_shifts_are_stored_merged_and_sorted() -> None:
    calendar = calendar_create(
        name="فترتان",
        weekly_hours={SUNDAY: [(16 * HOUR, 20 * HOUR), (8 * HOUR, 12 * HOUR), (12 * HOUR, 13 * HOUR)]},
    )
    assert calendar.weekly_hours == {"sun": [[8 * HOUR, 13 * HOUR], [16 * HOUR, 20 * HOUR]]}


def test_an_override_that_overlaps_another_or_is_invalid_is_refused() -> None:
    calendar = calendar_create(name="الدعم الفني", weekly_hours=hours(8, 16))
    ramadan = override_save(
        calendar=calendar,
        name="رمضان",
        first_day=date(2027, 2, 8),
        last_day=date(2027, 3, 8),
        weekly_hours=hours(10, 15),
    )
    with pytest.raises(CalendarError) as caught:
        override_save(
            calendar=calendar,
            name="الاختبارات",
            first_day=date(2027, 3, 1),
            last_day=date(2027, 3, 20),
            weekly_hours=hours(7, 14),
        )
    assert caught.value.reason == "overrides_overlap"
    with pytest.raises(CalendarError) as caught:
        override_save(
            calendar=calendar,
            name="الاختبارات",
            first_day=date(2027, 4, 20),
            last_day=date(2027, 4, 1),
            weekly_hours=hours(7, 14),
        )
    assert caught.value.reason == "range_end_before_start"
    assert list(CalendarOverride.objects.filter(calendar=calendar)) == [ramadan]
    # Moving Ramadan itself does not collide with its own old dates.
    override_save(
        calendar=calendar,
        override=ramadan,
        name="رمضان",
        first_day=date(2027, 2, 9),
        last_day=date(2027, 3, 8),
        weekly_hours=hours(10, 15),
    )
    ramadan.refresh_from_db()
    assert ramadan.first_day == date(2027, 2, 9)


def test_editing_a_calendar_changes_the_arithmetic_at_once() -> None:
    calendar = calendar_create(name="الدعم الفني", weekly_hours=hours(8, 16))
    monday_14 = riyadh(2027, 2, 15, 14, 0)
    assert add_business_seconds(calendar_for(calendar), monday_14, 3 * HOUR) == riyadh(2027, 2, 16, 9, 0)
    override_save(
        calendar=calendar,
        name="رمضان",
        first_day=date(2027, 2, 8),
        last_day=date(2027, 3, 8),
        weekly_hours=hours(10, 15),
    )
    calendar.refresh_from_db()
    assert add_business_seconds(calendar_for(calendar), monday_14, 3 * HOUR) == riyadh(2027, 2, 16, 12, 0)
    calendar_update(calendar=calendar, name="الدعم الفني", weekly_hours=hours(7, 15))
    before_ramadan = riyadh(2027, 2, 7, 14, 0)  # Sunday before Ramadan: now open until 15:00
    assert add_business_seconds(calendar_for(calendar), before_ramadan, HOUR) == riyadh(2027, 2, 7, 15, 0)


def test_a_national_holiday_changes_every_calendar_and_a_calendar_holiday_only_its_own() -> None:
    default = BusinessCalendar.objects.get(is_default=True)
    support = calendar_create(name="الدعم الفني", weekly_hours=hours(8, 16))
    versions = {c.pk: c.version for c in BusinessCalendar.objects.all()}
    with capture_events() as events:
        eid = holiday_save(
            name_ar="عيد الفطر", name_en="Eid al-Fitr", first_day=date(2027, 3, 9), last_day=date(2027, 3, 11)
        )
    assert [e.calendar_ids for e in events if isinstance(e, BusinessCalendarChanged)] == [
        tuple(sorted(versions))
    ]
    for calendar in BusinessCalendar.objects.all():
        assert calendar.version == versions[calendar.pk] + 1
        assert calendar_for(calendar).business_seconds_on(date(2027, 3, 10)) == 0
    school_break = holiday_save(
        name_ar="إجازة منتصف الفصل", first_day=date(2027, 4, 4), last_day=date(2027, 4, 8), calendar=support
    )
    default.refresh_from_db()
    support.refresh_from_db()
    assert calendar_for(default).business_seconds_on(date(2027, 4, 5)) == 8 * HOUR
    assert calendar_for(support).business_seconds_on(date(2027, 4, 5)) == 0
    holiday_delete(holiday=school_break)
    holiday_delete(holiday=eid)
    support.refresh_from_db()
    assert calendar_for(support).business_seconds_on(date(2027, 3, 10)) == 8 * HOUR


def test_a_bad_holiday_is_refused_and_nothing_is_saved() -> None:
    with pytest.raises(CalendarError) as caught:
        holiday_save(name_ar="عيد الفطر", first_day=date(2027, 3, 11), last_day=date(2027, 3, 9))
    assert caught.value.reason == "range_end_before_start"
    with pytest.raises(ValidationError):
        holiday_save(name_ar="", first_day=date(2027, 3, 9), last_day=date(2027, 3, 9))
    assert not Holiday.objects.exists()


def test_confirming_a_holiday_clears_estimated_and_can_move_it() -> None:
    eid = holiday_save(
        name_ar="عيد الفطر",
        first_day=date(2027, 3, 9),
        last_day=date(2027, 3, 11),
        estimated=True,
        hijri=(1448, 10, 1),
    )
    holiday_confirm(holiday=eid, first_day=date(2027, 3, 10), last_day=date(2027, 3, 12))
    eid.refresh_from_db()
    assert (eid.estimated, eid.first_day, eid.last_day) == (False, date(2027, 3, 10), date(2027, 3, 12))
    assert (eid.hijri_year, eid.hijri_month, eid.hijri_day) == (1448, 10, 1)
    assert eid.reviewed_at is not None
    default = BusinessCalendar.objects.get(is_default=True)
    assert calendar_for(default).business_seconds_on(date(2027, 3, 9)) == 8 * HOUR


def test_selector_builds_in_two_queries_and_caches_per_version(django_assert_num_queries: Any) -> None:
    calendar = calendar_create(name="الدعم الفني", weekly_hours=hours(8, 16))
    with django_assert_num_queries(2):
        first = calendar_for(calendar)
    with django_assert_num_queries(0):
        assert calendar_for(calendar) is first
    team = team_create(name="فريق الدعم", kind=TeamKind.IN_HOUSE)
    team_calendar_set(team=team, calendar=calendar)
    with django_assert_num_queries(1):
        assert calendar_for_team(team.pk) is first
    holiday_save(name_ar="اليوم الوطني", first_day=date(2027, 9, 23), last_day=date(2027, 9, 23))
    with django_assert_num_queries(3):
        rebuilt = calendar_for_team(team.pk)
    assert rebuilt is not first
    assert rebuilt is not None and rebuilt.business_seconds_on(date(2027, 9, 23)) == 0


def test_a_team_works_on_its_calendar_or_else_the_default() -> None:
    default = BusinessCalendar.objects.get(is_default=True)
    night = calendar_create(name="المناوبة الليلية", weekly_hours=hours(16, 24, tuple(range(7))))
    vendor = team_create(name="المورد", kind=TeamKind.OUTSOURCED)
    in_house = team_create(name="الفريق الداخلي", kind=TeamKind.IN_HOUSE)
    team_calendar_set(team=vendor, calendar=night)
    assert calendar_row_for_team(vendor.pk) == night
    assert calendar_row_for_team(in_house.pk) == default
    assert calendar_row_for_team(None) == default
    friday_17 = riyadh(2027, 3, 5, 17, 0)
    night_built = calendar_for_team(vendor.pk)
    assert night_built is not None
    assert business_seconds_between(night_built, friday_17, riyadh(2027, 3, 5, 18, 0)) == HOUR
    rows = {row.calendar.name: [t.name for t in row.teams] for row in calendar_list()}
    assert rows["المناوبة الليلية"] == ["المورد"]
    team_calendar_set(team=vendor, calendar=None)
    assert calendar_row_for_team(vendor.pk) == default


def test_the_default_calendar_cannot_be_deleted_and_teams_fall_back_to_it() -> None:
    default = BusinessCalendar.objects.get(is_default=True)
    with pytest.raises(Conflict):
        calendar_delete(calendar=default)
    night = calendar_create(name="المناوبة الليلية", weekly_hours=hours(16, 24))
    vendor = team_create(name="المورد", kind=TeamKind.OUTSOURCED)
    team_calendar_set(team=vendor, calendar=night)
    calendar_delete(calendar=night)
    assert calendar_row_for_team(vendor.pk) == default


def test_making_another_calendar_the_default() -> None:
    old = BusinessCalendar.objects.get(is_default=True)
    new = calendar_create(name="ساعات ممتدة", weekly_hours=hours(8, 20))
    calendar_make_default(calendar=new)
    old.refresh_from_db()
    assert not old.is_default
    assert list(BusinessCalendar.objects.filter(is_default=True)) == [new]
    assert calendar_row_for_team(None) == new
