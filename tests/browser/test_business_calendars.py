"""A supervisor sets split shifts in Chromium: a bad interval is explained in Arabic under its day, the fixed
calendar is saved and listed with its hours; the national holidays show Hijri and Gregorian dates side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from awn.sla.models import BusinessCalendar
from awn.sla.services import default_calendar_ensure
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_sets_split_shifts_and_sees_the_holidays(
    chromium: Browser, live_server: Any, world: Any, screenshot_dir: Path
) -> None:
    default_calendar_ensure()  # a transactional test starts from a flushed database
    context = arabic_context(chromium, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "supervisor")
    page.get_by_test_id("nav-group-service").click()
    page.get_by_test_id("nav-calendars").click()
    page.get_by_test_id("new-calendar").click()
    page.fill('input[name="name"]', "المناوبتان")
    page.fill('input[name="hours_sun"]', "08:00-12:00، 11:00-14:00")
    page.click('[data-testid="calendar-form"] button[type="submit"]')
    expect(page.get_by_test_id("error-hours_sun")).to_contain_text("متداخلتان")
    assert not BusinessCalendar.objects.filter(name="المناوبتان").exists()

    page.fill('input[name="hours_sun"]', "08:00-12:00، 16:00-20:00")
    page.fill('input[name="hours_mon"]', "08:00-12:00، 16:00-20:00")
    page.click('[data-testid="calendar-form"] button[type="submit"]')
    row = page.get_by_test_id("calendar-row").filter(has_text="المناوبتان")
    expect(row).to_contain_text("08:00–12:00, 16:00–20:00")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")

    page.fill('[data-testid="seed-form"] input[name="year"]', "2027")
    page.click('[data-testid="seed-form"] button[type="submit"]')
    eid = page.get_by_test_id("holiday-row").filter(has_text="عيد الفطر")
    expect(eid.get_by_test_id("gregorian")).to_have_text("2027-03-09 – 2027-03-11")
    expect(eid.get_by_test_id("hijri")).to_have_text("1 شوال 1448هـ – 3 شوال 1448هـ")
    expect(eid.get_by_test_id("estimated")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "sla-calendars-ar.png"), full_page=True)
    eid.get_by_test_id("confirm").click()
    expect(
        page.get_by_test_id("holiday-row").filter(has_text="عيد الفطر").get_by_test_id("estimated")
    ).to_have_count(0)
    context.close()
