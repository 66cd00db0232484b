"""The pages of issue 13's proof on a phone (360 px) and a tablet (768 px), in Arabic: the queue, a ticket, the live
chats panel, top problems and the portal's pages. On each: the document is exactly as wide as the window (nothing
scrolls sideways), the navigation and sign-out are on the screen and usable, axe-core finds no serious or critical
violation, and a screenshot is saved under artifacts/screenshots. The 1366 px checks are in test_accessibility and
test_layout_widths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from awn.tickets.models import Ticket
from tests.browser.pages import arabic_context, sign_in
from tests.browser.test_accessibility import _violations
from tests.browser.test_layout_widths import _widest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = (360, 768)


def _document_fits(page: Page) -> list[str]:
    """[] when the document is exactly the window's width, else what sticks out."""
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if widths[0] == widths[1]:
        return []
    return [f"document {widths[0]} px wide in a {widths[1]} px window: {_widest(page)}"]


def _on_screen(page: Page, testid: str) -> list[str]:
    """[] when the element is visible and wholly inside the window's width (reachable without scrolling sideways)."""
    element = page.get_by_test_id(testid).first
    if not element.is_visible():
        return [f"{testid} is not visible"]
    box = element.bounding_box()
    width = page.evaluate("window.innerWidth")
    if box is None or box["x"] < 0 or box["x"] + box["width"] > width + 0.5:
        return [f"{testid} is outside the window: {box}"]
    return []


def _visit(page: Page, url: str, name: str, width: int, shots: Path, reachable: tuple[str, ...]) -> list[str]:
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.wait_for_load_state("networkidle")  # the fragments loaded after the page (htmx)
    found = _document_fits(page)
    for testid in reachable:
        found += _on_screen(page, testid)
    found += _violations(page)
    page.screenshot(path=str(shots / f"narrow-{width}-{name}-ar.png"), full_page=True)
    return [f"{width} px {name}: {line}" for line in found]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_workspace_pages_fit_a_phone_and_a_tablet(
    chromium: Browser, live_server: Any, world: Any, kb: None, screenshot_dir: Path, width: int
) -> None:
    base = live_server.url
    ticket = world.ticket(
        subject="لا أستطيع الدخول إلى حساب ولي الأمر في نظام نور منذ أمس وتظهر رسالة خطأ طويلة"
    )
    page = arabic_context(chromium, viewport={"width": width, "height": 800}).new_page()
    sign_in(page, base, "supervisor")
    found: list[str] = []
    nav = ("nav-queue", "nav-group-performance", "logout", "digits-toggle")
    for name, path in (
        ("queue", "/workspace/"),
        ("ticket", f"/workspace/tickets/{ticket.pk}/"),
        ("chats", "/workspace/chats/"),
        ("top-problems", "/workspace/top-problems/"),
    ):
        found += _visit(page, f"{base}{path}", name, width, screenshot_dir, nav)
    # The grouped pages are reachable from their menu on this screen.
    page.goto(f"{base}/workspace/")
    page.get_by_test_id("nav-group-performance").click()
    found += [f"{width} px menu: {line}" for line in _on_screen(page, "nav-top-problems")]
    page.get_by_test_id("nav-top-problems").click()
    expect(page).to_have_url(f"{base}/workspace/top-problems/", timeout=10_000)
    page.context.close()
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_portal_pages_fit_a_phone_and_a_tablet(
    chromium: Browser, live_server: Any, world: Any, kb: None, screenshot_dir: Path, width: int
) -> None:
    base = live_server.url
    world.ticket(subject="نتيجة ابني لا تظهر في النظام منذ بداية الفصل الدراسي الثاني")
    ticket = Ticket.objects.get()
    page = arabic_context(chromium, viewport={"width": width, "height": 800}).new_page()
    found = _visit(page, f"{base}/portal/kb/", "kb", width, screenshot_dir, ("digits-toggle",))
    article = page.locator('a[href^="/portal/kb/"]').filter(has_not_text="").nth(1).get_attribute("href")
    found += _visit(page, f"{base}/portal/kb/search?q=كلمة المرور", "kb-search", width, screenshot_dir, ())
    if article:
        found += _visit(page, f"{base}{article}", "kb-article", width, screenshot_dir, ())
    sign_in(page, base, "parent")
    for name, path in (
        ("portal-home", "/portal/"),
        ("portal-new", "/portal/tickets/new/"),
        ("portal-ticket", f"/portal/tickets/{ticket.pk}/"),
    ):
        found += _visit(page, f"{base}{path}", name, width, screenshot_dir, ("logout",))
    page.context.close()
    assert found == [], "\n".join(found)


def test_arabic_indic_digits_chosen_on_a_phone_stay_on_every_page(
    chromium: Browser, live_server: Any, world: Any, screenshot_dir: Path
) -> None:
    """The digits toggle in the top bar: the queue's dates switch to ٠١٢ and back, and the page still fits."""
    base = live_server.url
    world.ticket(subject="رمز التحقق لا يصل")
    page = arabic_context(chromium, viewport={"width": 360, "height": 800}).new_page()
    sign_in(page, base, "agent")
    page.goto(f"{base}/workspace/?view=all")
    page.get_by_test_id("digits-toggle").click()
    expect(page.locator('[data-testid="queue-row"] time').first).to_contain_text("٢٠")
    assert _document_fits(page) == []
    page.screenshot(path=str(screenshot_dir / "narrow-360-queue-arabic-digits-ar.png"), full_page=True)
    page.get_by_test_id("digits-toggle").click()
    expect(page.locator('[data-testid="queue-row"] time').first).to_contain_text("20")
    page.context.close()
