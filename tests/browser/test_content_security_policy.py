"""With the Content-Security-Policy on, the main pages run with no violation in Chromium: no script, style, font,
image or connection of theirs is refused (a refusal would mean a broken page, or a policy that had to be loosened)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage

from tests.browser.pages import arabic_context, sign_in

pytestmark = pytest.mark.browser

STAFF_PAGES = (
    "/workspace/",
    "/workspace/contacts/",
    "/workspace/analytics/",
    "/workspace/top-problems/",
    "/workspace/kb/",
    "/workspace/chats/",
    "/api/docs",
)


def test_main_pages_raise_no_policy_violation(chromium: Browser, live_server: Any, world: Any) -> None:
    ticket = world.ticket(subject="نسيت كلمة المرور")
    refused: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(f"{message.page.url if message.page else ''}: {message.text}")

    context = arabic_context(chromium, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", watch)
    sign_in(page, live_server.url, "supervisor")
    for path in (*STAFF_PAGES, f"/workspace/tickets/{ticket.pk}/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status < 400, path
        assert "script-src 'self'" in (response.header_value("content-security-policy") or ""), path
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/workspace/")
    page.get_by_test_id("nav-group-performance").click()  # Bootstrap's menus run under the policy
    page.get_by_test_id("nav-reports").click()
    page.wait_for_load_state("networkidle")
    context.close()
    assert refused == []
