"""The calendar pages through HTTP, as a supervisor's browser uses them: Arabic, RTL, CSRF, supervisors and admins
only, every write through the services (an invalid calendar saves nothing and says why, in Arabic)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from awn.sla.models import BusinessCalendar, CalendarOverride, Holiday
from awn.sla.selectors import calendar_for, calendar_row_for_team
from awn.sla.services import default_calendar_ensure, holidays_seed_year

pytestmark = pytest.mark.django_db
INDEX = "/workspace/calendars/"
HOUR = 3600


def hours_form(**days: str) -> dict[str, str]:
    form = {f"hours_{day}": "" for day in ("sun", "mon", "tue", "wed", "thu", "fri", "sat")}
    form.update({f"hours_{day}": text for day, text in days.items()})
    return form


def test_only_supervisors_and_admins_see_the_pages(world: Any) -> None:
    assert Client().get(INDEX).status_code == 302  # sign in first
    for user in (world.agent, world.vendor_agent, world.parent_user):
        assert world.client_for(user).get(INDEX).status_code == 404, user
        assert (
            world.client_for(user)
            .post(f"{INDEX}new/", {"name": "x", **hours_form(sun="08:00-16:00")})
            .status_code
            == 404
        )
    assert world.client_for(world.supervisor).get(INDEX).status_code == 200
    assert world.client_for(world.admin).get(INDEX).status_code == 200
    assert BusinessCalendar.objects.count() == 1


def test_the_index_shows_weekly_hours_and_holidays_with_hijri_dates_in_arabic_rtl(world: Any) -> None:
    holidays_seed_year(2027)
    page = world.client_for(world.supervisor).get(INDEX, {"year": 2027}).content.decode()
    assert 'dir="rtl"' in page and 'lang="ar"' in page
    assert "تقويمات العمل" in page
    assert "08:00–16:00" in page and "مغلق" in page  # Sunday open, Friday closed
    # Eid al-Fitr 1448: Gregorian and Hijri side by side, estimated until confirmed.
    assert "2027-03-09 – 2027-03-11" in page
    assert "1 شوال 1448هـ – 3 شوال 1448هـ" in page
    assert "تقديري" in page
    assert "3 أيام" in page  # plural form for three


def test_creating_a_split_shift_calendar_for_a_team(world: Any) -> None:
    client = world.client_for(world.supervisor)
    response = client.post(
        f"{INDEX}new/",
        {
            "name": "المناوبة المسائية",
            "teams": [world.vendor.pk],
            **hours_form(sun="08:00-12:00، 16:00-20:00", mon="08:00-12:00, 16:00-20:00"),
        },
    )
    assert response.status_code == 302
    calendar = BusinessCalendar.objects.get(name="المناوبة المسائية")
    assert calendar.weekly_hours == {
        "mon": [[8 * HOUR, 12 * HOUR], [16 * HOUR, 20 * HOUR]],
        "sun": [[8 * HOUR, 12 * HOUR], [16 * HOUR, 20 * HOUR]],
    }
    assert calendar_row_for_team(world.vendor.pk) == calendar
    assert calendar_row_for_team(world.in_house.pk).is_default  # type: ignore[union-attr]
    edit = client.get(f"{INDEX}{calendar.pk}/").content.decode()
    assert 'value="08:00–12:00, 16:00–20:00"' in edit


def test_an_invalid_calendar_shows_the_error_under_its_day_and_saves_nothing(world: Any) -> None:
    client = world.client_for(world.supervisor)
    response = client.post(
        f"{INDEX}new/", {"name": "خطأ", **hours_form(sun="08:00-12:00, 11:00-14:00", thu="22:00-02:00")}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "الأحد: الفترتان 08:00–12:00 و11:00–14:00 متداخلتان." in page
    assert "تنتهي قبل أن تبدأ" in page and "22:00–24:00" in page
    empty = client.post(f"{INDEX}new/", {"name": "فارغ", **hours_form()})
    assert "ساعات العمل الأسبوعية فارغة" in empty.content.decode()
    assert not BusinessCalendar.objects.filter(name__in=["خطأ", "فارغ"]).exists()


def test_the_pages_refuse_a_post_without_csrf(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.supervisor)
    response = client.post(f"{INDEX}new/", {"name": "بلا رمز", **hours_form(sun="08:00-16:00")})
    assert response.status_code == 403
    assert not BusinessCalendar.objects.filter(name="بلا رمز").exists()


def test_a_ramadan_override_through_the_page(world: Any) -> None:
    client = world.client_for(world.supervisor)
    default = default_calendar_ensure()
    url = f"{INDEX}{default.pk}/overrides/new/"
    ramadan = {"name": "رمضان 1448", "first_day": "2027-02-08", "last_day": "2027-03-08"}
    workdays = {day: "10:00-15:00" for day in ("sun", "mon", "tue", "wed", "thu")}
    assert client.post(url, {**ramadan, **hours_form(**workdays)}).status_code == 302
    override = CalendarOverride.objects.get(calendar=default)
    default.refresh_from_db()
    assert calendar_for(default).business_seconds_on(date(2027, 2, 15)) == 5 * HOUR
    # A second override over the same days is refused, and nothing is saved.
    clash = client.post(
        url,
        {
            "name": "اختبارات",
            "first_day": "2027-03-01",
            "last_day": "2027-03-10",
            **hours_form(sun="07:00-13:00"),
        },
    )
    assert "يشملان الأيام نفسها" in clash.content.decode()
    assert CalendarOverride.objects.count() == 1
    page = client.get(INDEX).content.decode()
    assert "رمضان 1448" in page and "1 رمضان 1448هـ" in page
    assert client.post(f"{INDEX}{default.pk}/overrides/{override.pk}/delete/").status_code == 302
    assert not CalendarOverride.objects.exists()


def test_adding_confirming_and_seeding_holidays_through_the_page(world: Any) -> None:
    client = world.client_for(world.admin)
    response = client.post(
        f"{INDEX}holidays/new/",
        {
            "name_ar": "إجازة منتصف الفصل",
            "name_en": "Mid-term break",
            "kind": "academic_break",
            "first_day": "2027-04-04",
            "last_day": "2027-04-08",
            "calendar": "",
            "estimated": "",
        },
    )
    assert response.status_code == 302
    assert Holiday.objects.get(kind="academic_break").calendar is None
    backwards = client.post(
        f"{INDEX}holidays/new/",
        {"name_ar": "خطأ", "kind": "other", "first_day": "2027-04-08", "last_day": "2027-04-04"},
    )
    assert "يسبق اليوم الأول" in backwards.content.decode()
    assert client.post(f"{INDEX}holidays/seed/", {"year": "2027"}).status_code == 302
    eid = Holiday.objects.get(seed_key="eid_al_fitr:1448")
    assert eid.estimated
    assert client.post(f"{INDEX}holidays/{eid.pk}/confirm/").status_code == 302
    eid.refresh_from_db()
    assert not eid.estimated and eid.reviewed_at is not None
    assert client.get(f"{INDEX}holidays/{eid.pk}/confirm/").status_code == 405


def test_the_default_calendar_cannot_be_deleted_from_the_page(world: Any) -> None:
    client = world.client_for(world.supervisor)
    default = default_calendar_ensure()
    response = client.post(f"{INDEX}{default.pk}/delete/", follow=True)
    assert "لا يمكن حذف التقويم الافتراضي" in response.content.decode()
    assert BusinessCalendar.objects.filter(pk=default.pk).exists()


def test_the_index_reads_a_fixed_number_of_queries(world: Any, django_assert_max_num_queries: Any) -> None:
    holidays_seed_year(2027)
    client = world.client_for(world.supervisor)
    client.get(INDEX)  # warm the session and the nav cache
    with django_assert_max_num_queries(8):
        client.get(INDEX, {"year": 2027})
