"""The workspace fits a phone, a tablet and a laptop: at 360, 768 and 1366 px wide no page scrolls sideways, in
Arabic (right to left), for an agent and for a supervisor (whose extra pages sit in four menus)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import arabic_context, sign_in

pytestmark = pytest.mark.browser

WIDTHS = (360, 768, 1366)
PAGES = ("/workspace/", "/workspace/contacts/")


def _sideways_overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def _widest(page: Page) -> list[str]:
    """The innermost elements that stick out of the window, to name the culprit when the test fails."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('body *')].filter(e => {
                const r = e.getBoundingClientRect();
                return r.width > 0 && (r.right > window.innerWidth + 1 || r.left < -1) && !e.querySelector('*');
            }).slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + (e.dataset.testid || ''))"""
        )
    )


@pytest.mark.parametrize("role", ["agent", "supervisor"])
def test_no_page_scrolls_sideways_at_phone_tablet_and_laptop_widths(
    chromium: Browser, live_server: Any, world: Any, role: str
) -> None:
    world.ticket(subject="لا أستطيع الدخول إلى حساب ولي الأمر في نظام نور منذ أمس")
    context = arabic_context(chromium, viewport={"width": WIDTHS[-1], "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, role)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        for path in PAGES:
            page.goto(f"{live_server.url}{path}")
            expect(page.locator("html")).to_have_attribute("dir", "rtl")
            assert _sideways_overflow(page) <= 0, (role, width, path, _widest(page))
    context.close()


def test_a_supervisor_reaches_every_grouped_page_from_its_menu_on_a_phone(
    chromium: Browser, live_server: Any, world: Any, screenshot_dir: Path
) -> None:
    context = arabic_context(chromium, viewport={"width": 360, "height": 800})
    page = context.new_page()
    sign_in(page, live_server.url, "supervisor")
    page.goto(f"{live_server.url}/workspace/")
    page.get_by_test_id("nav-group-performance").click()
    expect(page.get_by_test_id("nav-reports")).to_be_visible()
    assert _sideways_overflow(page) <= 0
    page.screenshot(path=str(screenshot_dir / "workspace-phone-menu-ar.png"), full_page=True)
    page.get_by_test_id("nav-reports").click()
    expect(page).to_have_url(f"{live_server.url}/workspace/analytics/", timeout=10_000)
    context.close()
