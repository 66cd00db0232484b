"""What every browser journey does: an Arabic (Riyadh) browser context, and signing in through the login page."""

from __future__ import annotations

from playwright.sync_api import Browser, BrowserContext, Page, expect

from conftest import PASSWORD


def arabic_context(browser: Browser, *, timeout_ms: int = 10_000, **kw: object) -> BrowserContext:
    context = browser.new_context(locale="ar-SA", timezone_id="Asia/Riyadh", **kw)  # type: ignore[arg-type]
    context.set_default_timeout(timeout_ms)
    return context


def sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    expect(page.locator('[data-testid="logout"]')).to_be_visible()
