"""A supervisor opens the live wallboard in Chromium, in Arabic (right to left, big numbers), and sees a new contact
join the line without reloading (the board refreshes itself every 5 s). Screenshot: artifacts/screenshots."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from awn.sla.services import default_calendar_ensure
from awn.tickets.enums import Channel
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_wallboard_updates_by_itself(
    chromium: Browser, live_server: Any, world: Any, screenshot_dir: Path
) -> None:
    default_calendar_ensure()  # a transactional test starts from a flushed database
    world.ticket(channel=Channel.EMAIL, subject="تعذر الدخول إلى نور")
    world.ticket(channel=Channel.WHATSAPP, subject="نقل طالب")

    context = arabic_context(chromium, timeout_ms=30_000, viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    sign_in(page, live_server.url, "supervisor")
    page.goto(f"{live_server.url}/workspace/wallboard/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_test_id("wb-waiting")).to_have_text("2")
    expect(page.get_by_test_id("wb-lines").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("wb-lines")).to_contain_text("واتساب")
    # Readable across a room: the headline numbers are drawn large.
    size = page.get_by_test_id("wb-waiting").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 48
    page.screenshot(path=str(screenshot_dir / "wallboard-ar.png"), full_page=True)

    world.ticket(channel=Channel.TELEGRAM, subject="نسيت كلمة المرور")
    started = time.monotonic()
    expect(page.get_by_test_id("wb-waiting")).to_have_text("3", timeout=12_000)
    assert time.monotonic() - started <= 12
    expect(page.get_by_test_id("wb-lines").locator("tbody tr")).to_have_count(3)
    context.close()
