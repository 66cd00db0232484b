"""A supervisor opens the reports in Chromium, in Arabic: KPI tiles, the trend, the heatmap and the breakdown, then
drills from the CSAT figure down to the ticket behind it (issue 17). Screenshots go to artifacts/screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from awn.sla.services import default_calendar_ensure
from awn.tickets.enums import Status
from awn.tickets.services import ticket_add_message, ticket_rate, ticket_update
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_supervisor_reads_the_reports_and_drills_down(
    chromium: Browser, live_server: Any, world: Any, screenshot_dir: Path
) -> None:
    default_calendar_ensure()  # a transactional test starts from a flushed database
    tickets = [world.ticket(subject=f"تعذر الدخول إلى نور {i}") for i in range(4)]
    for i, ticket in enumerate(tickets[:3]):
        team = world.vendor if i % 2 else world.in_house
        ticket_update(ticket=ticket, actor=world.supervisor, changes={"team_id": team.pk})
        ticket_add_message(ticket=ticket, body="تم الحل", actor=world.agent, status_after=Status.RESOLVED)
    ticket_rate(ticket=tickets[0], contact=world.parent, score=5)

    context = arabic_context(chromium, timeout_ms=60_000, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "supervisor")
    page.get_by_test_id("nav-group-performance").click()
    page.get_by_test_id("nav-reports").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_test_id("value-volume")).to_have_text("4")
    expect(page.get_by_test_id("tile-csat")).to_contain_text("100.0%")
    expect(page.get_by_test_id("period-hijri")).to_contain_text("14")
    expect(page.get_by_test_id("breakdown-row")).to_have_count(3)  # in-house, vendor, no team
    page.screenshot(path=str(screenshot_dir / "analytics-reports-ar.png"), full_page=True)

    page.get_by_test_id("value-csat").click()
    expect(page.get_by_test_id("drill-row")).to_have_count(1)
    expect(page.get_by_test_id("drill-row")).to_contain_text("تعذر الدخول إلى نور 0")
    page.screenshot(path=str(screenshot_dir / "analytics-drill-ar.png"), full_page=True)

    page.goto(f"{live_server.url}/workspace/analytics/?start=2020-01-01&end=2020-01-31")
    expect(page.get_by_test_id("empty-state")).to_be_visible()
    context.close()
