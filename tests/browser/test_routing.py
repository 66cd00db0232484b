"""Presence and staffing in Chromium: an agent signs in (online) and sets away; the supervisor sees it on the
board, plans tomorrow on the what-if page (the published 14-agent example, then a doubled volume), gets a bad
input explained in Arabic, and adds a known peak."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from awn.routing.forecast import RIYADH
from awn.routing.models import AgentStatus, IntervalVolume, PeakEvent
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DAY = date(2027, 3, 7)


def test_presence_and_what_if_staffing(
    chromium: Browser, live_server: Any, world: Any, screenshot_dir: Path
) -> None:
    IntervalVolume.objects.bulk_create(
        IntervalVolume(
            channel="chat",
            start=datetime(DAY.year, DAY.month, DAY.day, 10, tzinfo=RIYADH) - timedelta(weeks=w),
            contacts=100,
        )
        for w in range(1, 9)
    )
    agent_context = arabic_context(chromium, timeout_ms=30_000)
    agent_page = agent_context.new_page()
    sign_in(agent_page, live_server.url, "agent")
    assert AgentStatus.objects.get(user=world.agent).state == "online"
    agent_page.get_by_test_id("nav-my-status").click()
    agent_page.click('[data-testid="state-form"] button[value="away"]')
    expect(agent_page.get_by_test_id("my-state")).to_contain_text("بعيد")

    context = arabic_context(chromium, timeout_ms=30_000, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "supervisor")
    page.get_by_test_id("nav-group-staffing").click()
    page.get_by_test_id("nav-agents").click()
    row = page.locator(f'[data-testid="agent-row"][data-user="{world.agent.pk}"]')
    expect(row.get_by_test_id("state")).to_have_text("بعيد")

    page.get_by_test_id("nav-group-staffing").click()
    page.get_by_test_id("nav-staffing").click()
    form = page.get_by_test_id("what-if")
    form.locator('input[name="day"]').fill(DAY.isoformat())
    form.locator('select[name="channel"]').select_option("chat")
    form.locator('button[type="submit"]').click()
    ten = page.get_by_test_id("interval").nth(20)
    expect(ten).to_contain_text("10:00")
    expect(ten.get_by_test_id("agents")).to_have_text("14")
    expect(page.get_by_test_id("peak-scheduled")).to_have_text("20")
    page.screenshot(path=str(screenshot_dir / "routing-staffing-ar.png"), full_page=True)

    form.locator('input[name="volume_multiplier"]').fill("2")
    form.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("interval").nth(20).get_by_test_id("agents")).not_to_have_text("14")

    page.get_by_test_id("what-if").locator('input[name="shrinkage_percent"]').fill("95")
    page.get_by_test_id("what-if").locator('button[type="submit"]').click()
    expect(page.get_by_test_id("error").first).to_be_visible()
    expect(page.get_by_test_id("interval")).to_have_count(0)

    peak = page.get_by_test_id("peak-form")
    peak.locator('input[name="name"]').fill("إعلان النتائج")
    peak.locator('input[name="first_day"]').fill("2027-06-20")
    peak.locator('input[name="last_day"]').fill("2027-06-22")
    peak.locator('input[name="multiplier"]').fill("3")
    peak.locator('button[type="submit"]').click()
    expect(page.get_by_test_id("peak-row").filter(has_text="إعلان النتائج")).to_be_visible()
    assert PeakEvent.objects.get().multiplier == 3
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    context.close()
    agent_context.close()
