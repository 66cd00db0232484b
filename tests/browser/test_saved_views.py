"""Saved views in Chromium: an agent filters the queue, saves it under a name from the bar, and comes back to it
with the keyboard alone ("v" to reach the bar, "1" to open the first view)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, expect

from awn.queueviews import services
from awn.queueviews.models import SavedView
from awn.tickets.enums import Category
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_saves_the_filtered_queue_and_reopens_it_from_the_keyboard(
    chromium: Browser, live_server: Any, world: Any, screenshot_dir: Path
) -> None:
    base = live_server.url
    world.ticket(subject="نقل طالب", category=Category.REGISTRATION)
    world.ticket(subject="تسجيل جديد", category=Category.REGISTRATION)
    world.ticket(subject="لا أستطيع الدخول", category=Category.ACCOUNT_ACCESS)
    page = arabic_context(chromium, viewport={"width": 1366, "height": 900}).new_page()
    sign_in(page, base, "agent")
    page.goto(f"{base}/workspace/?queue=all&category=registration")
    expect(page.get_by_test_id("queue-row")).to_have_count(2)
    expect(page.get_by_test_id("saved-views-empty")).to_be_visible()

    page.get_by_test_id("save-view-toggle").click()
    page.fill("#save-view-name", "التسجيل")
    page.get_by_test_id("save-view-submit").click()
    expect(page.locator(".alert-success")).to_be_visible()
    view = SavedView.objects.get(owner=world.agent)
    assert view.filters == {"category": "registration"}
    chip = page.get_by_test_id("saved-view")
    expect(chip).to_contain_text("التسجيل")
    expect(chip.get_by_test_id("saved-view-count")).to_have_text("2")
    expect(chip).to_have_attribute("aria-current", "page")
    page.screenshot(path=str(screenshot_dir / "queue-saved-views-ar.png"))

    page.goto(f"{base}/workspace/?queue=all")
    expect(page.get_by_test_id("queue-row")).to_have_count(3)
    expect(page.get_by_test_id("saved-view")).to_have_count(1)
    page.keyboard.press("v")
    expect(page.get_by_test_id("saved-view")).to_be_focused()
    page.keyboard.press("1")
    expect(page).to_have_url(f"{base}/workspace/?queue=all&sort=newest&category=registration&view={view.pk}")
    expect(page.get_by_test_id("queue-row")).to_have_count(2)

    # On a phone, with a long name (the longest allowed), the bar wraps: nothing scrolls sideways.
    services.saved_view_create(
        actor=world.agent,
        name="طلبات نقل الطلاب بين المدارس في منتصف الفصل الدراسي الثاني"[:60],
        queue="all",
        sort="newest",
        filters={"category": "transfer"},
    )
    cache.clear()  # made outside the agent's session: their cached bar would show it within 5 s
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{base}/workspace/?queue=all")
    expect(page.get_by_test_id("saved-view")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.screenshot(path=str(screenshot_dir / "queue-saved-views-phone-ar.png"), full_page=True)
    page.context.close()
