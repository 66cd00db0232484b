"""A supervisor opens the live wallboard in Chromium, in Arabic (right to left, TV-sized numbers), served by a real
uvicorn (HTTP and WebSockets): a new contact joins the line on screen without a reload, pushed over the agent
socket well before the board's own 5 s poll. Screenshot: artifacts/screenshots/wallboard-ar.png."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from awn.chat.tests.live import uvicorn_server
from awn.sla.services import default_calendar_ensure
from awn.tickets.enums import Channel
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def asgi_server() -> Iterator[str]:
    with uvicorn_server() as base:
        yield base


def test_the_wallboard_shows_a_new_contact_without_a_reload(
    chromium: Browser,
    asgi_server: str,
    world: Any,
    screenshot_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
) -> None:
    settings.AWN_ASSISTANT_FIRST_CHANNELS = ()  # no first-line answers: the line stays as built here
    # The board's own poll once a minute here: only the socket's push can show the new contact within seconds.
    monkeypatch.setattr("awn.analytics.wallboard_views.REFRESH_SECONDS", 60)
    default_calendar_ensure()  # a transactional test starts from a flushed database
    world.ticket(channel=Channel.EMAIL, subject="تعذر الدخول إلى نور")
    world.ticket(channel=Channel.WHATSAPP, subject="نقل طالب")

    context = arabic_context(chromium, timeout_ms=30_000, viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    sign_in(page, asgi_server, "supervisor")
    page.goto(f"{asgi_server}/workspace/wallboard/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("data-live", "on")
    expect(page.get_by_test_id("wb-waiting")).to_have_text("2")
    expect(page.get_by_test_id("wb-lines").locator("tbody tr")).to_have_count(2)
    expect(page.get_by_test_id("wb-lines")).to_contain_text("واتساب")
    # Readable across a room: the headline numbers are drawn large.
    size = page.get_by_test_id("wb-waiting").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 48
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    page.screenshot(path=str(screenshot_dir / "wallboard-ar.png"), full_page=True)

    started = time.monotonic()
    world.ticket(channel=Channel.TELEGRAM, subject="نسيت كلمة المرور")
    expect(page.get_by_test_id("wb-waiting")).to_have_text("3", timeout=4000)
    elapsed = time.monotonic() - started
    expect(page.get_by_test_id("wb-lines").locator("tbody tr")).to_have_count(3)
    assert page.evaluate("window.__sameDocument") is True
    print(f"wallboard updated {elapsed:.2f} s after the ticket was created")
    context.close()
