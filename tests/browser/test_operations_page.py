"""The operations page in Chromium: a supervisor opens it from the workspace nav and reads the health at a glance,
in Arabic, right to left. Screenshot: artifacts/screenshots/workspace-operations-ar.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.pages import arabic_context, sign_in

pytestmark = pytest.mark.browser


def test_supervisor_reads_the_operations_page(
    chromium: Browser, live_server: Any, world: Any, screenshot_dir: Path, settings: Any, tmp_path: Path
) -> None:
    settings.AWN_BACKUP_DIR = str(tmp_path / "backups")
    world.ticket(channel="whatsapp")
    world.ticket(channel="email")
    context = arabic_context(chromium, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "supervisor")
    page.goto(f"{live_server.url}/workspace/")
    page.click('[data-testid="nav-group-oversight"]')
    page.click('[data-testid="nav-operations"]')
    expect(page.locator("h1")).to_have_text("العمليات")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator('[data-testid="overall-status"]')).to_have_text("جاهز")
    expect(page.locator('[data-testid="check-database"]')).to_contain_text("سليم")
    expect(page.locator('[data-testid="waiting-row"]', has_text="واتساب")).to_contain_text("1")
    expect(page.locator('[data-testid="no-backups"]')).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "workspace-operations-ar.png"), full_page=True)
    context.close()
