"""Light or dark: the page follows the system's colour scheme, and the bar's switch overrides it and is remembered —
under the Content-Security-Policy (the switch is an external script). Screenshot: workspace-dark-ar.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import arabic_context, sign_in

pytestmark = pytest.mark.browser


def _background_lightness(page: Page) -> int:
    """The sum of the body's background red, green and blue (0 black … 765 white)."""
    colour = page.evaluate("getComputedStyle(document.body).backgroundColor")
    red, green, blue = (
        int(part) for part in colour[colour.index("(") + 1 : colour.index(")")].split(",")[:3]
    )
    return red + green + blue


def test_the_system_scheme_is_followed_and_the_switch_is_remembered(
    chromium: Browser, live_server: Any, world: Any, screenshot_dir: Path
) -> None:
    context = arabic_context(chromium, viewport={"width": 1280, "height": 800}, color_scheme="dark")
    page = context.new_page()
    sign_in(page, live_server.url, "agent")
    page.goto(f"{live_server.url}/workspace/")
    html = page.locator("html")
    expect(html).to_have_attribute("data-bs-theme", "dark")
    assert _background_lightness(page) < 200
    page.screenshot(path=str(screenshot_dir / "workspace-dark-ar.png"))
    page.get_by_test_id("theme-toggle").click()
    expect(html).to_have_attribute("data-bs-theme", "light")
    assert _background_lightness(page) > 600
    page.reload()
    expect(html).to_have_attribute("data-bs-theme", "light")  # the choice outlives the page
    context.close()


def test_a_light_system_gets_the_light_page(chromium: Browser, live_server: Any) -> None:
    context = arabic_context(chromium, color_scheme="light")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "light")
    assert _background_lightness(page) > 600
    context.close()
