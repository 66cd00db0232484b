"""Accessibility in Chromium: axe-core (the npm package, vendored into tests/browser/vendor by bin/awn; nothing is
served to users nor loaded from outside) runs on the queue, a ticket, the live chats panel, top problems and the
portal's pages, in Arabic at 1366 px, in the light and the dark scheme. Any serious or critical violation fails the test, named with its nodes."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from awn.tickets.models import Ticket
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
AXE = ("tests/browser/vendor/axe.min.js", "node_modules/axe-core/axe.min.js")
BLOCKING = ("serious", "critical")
DESKTOP = {"width": 1366, "height": 900}


@cache
def _axe_source() -> str:
    for relative in AXE:
        path = ROOT / relative
        if path.is_file():
            return path.read_text(encoding="utf-8")
    pytest.fail("axe-core is not installed (node_modules/axe-core): run `bin/awn setup`")


def _violations(page: Page) -> list[str]:
    """axe's serious and critical violations on the page as it is now, one line per rule with its first nodes."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Through the DevTools protocol: the page's CSP (script-src 'self') governs the page's scripts, not this.
        page.evaluate(_axe_source() + "\n;undefined")
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, { resultTypes: ["violations"] });
            return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + (n.any[0] && n.any[0].data && n.any[0].data.fgColor
                    ? ` [${n.any[0].data.fgColor} on ${n.any[0].data.bgColor}: ${n.any[0].data.contrastRatio}]` : "")) }));
        }"""
    )
    return [
        f"{v['impact']} {v['id']} ({v['help']}): {', '.join(v['nodes'])}"
        for v in result
        if v["impact"] in BLOCKING
    ]


def _check(page: Page, url: str) -> list[str]:
    page.goto(url)
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.wait_for_load_state("networkidle")  # the fragments loaded after the page (htmx)
    return [f"{url}: {line}" for line in _violations(page)]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violation_on_the_workspace_pages(
    chromium: Browser, live_server: Any, world: Any, kb: None, scheme: str
) -> None:
    base = live_server.url
    ticket = world.ticket(subject="لا أستطيع الدخول إلى حساب ولي الأمر")
    page = arabic_context(chromium, viewport=DESKTOP, color_scheme=scheme).new_page()
    sign_in(page, base, "supervisor")
    found: list[str] = []
    for path in (
        "/workspace/",
        f"/workspace/tickets/{ticket.pk}/",
        "/workspace/chats/",
        "/workspace/top-problems/",
    ):
        found += _check(page, f"{base}{path}")
    page.context.close()
    assert found == [], "\n".join(found)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_violation_on_the_portal_pages(
    chromium: Browser, live_server: Any, world: Any, kb: None, scheme: str
) -> None:
    base = live_server.url
    world.ticket(subject="نتيجة ابني لا تظهر")
    ticket = Ticket.objects.get()
    page = arabic_context(chromium, viewport=DESKTOP, color_scheme=scheme).new_page()
    found = _check(page, f"{base}/portal/kb/")
    article = page.locator('a[href^="/portal/kb/"]').filter(has_not_text="").nth(1).get_attribute("href")
    found += _check(page, f"{base}/portal/kb/search?q=كلمة المرور")
    if article:
        found += _check(page, f"{base}{article}")
    sign_in(page, base, "parent")
    for path in ("/portal/", "/portal/tickets/new/", f"/portal/tickets/{ticket.pk}/"):
        found += _check(page, f"{base}{path}")
    page.context.close()
    assert found == [], "\n".join(found)
