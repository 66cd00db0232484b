"""Minors' data in Chromium: an agent must give a reason to see a student's national id in full (an empty reason
is refused in Arabic), sees it once, and a supervisor finds both the read and the unmasking in the access audit,
then revokes the guardian's link to the child (issue 15, item 4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from awn.crm.models import Relation
from awn.privacy.models import AccessRecord
from tests.browser.pages import arabic_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_unmask_with_a_reason_then_the_supervisor_audits_it(
    chromium: Browser, live_server: Any, world: Any, screenshot_dir: Path
) -> None:
    child = world.child
    context = arabic_context(chromium, timeout_ms=30_000, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "agent")
    page.goto(f"{live_server.url}/workspace/contacts/{child.pk}/")
    expect(page.get_by_test_id("national-id")).to_contain_text(child.national_id_masked)
    page.get_by_test_id("unmask-link").first.click()
    page.click('[data-testid="unmask-form"] button[type="submit"]')
    expect(page.get_by_test_id("unmask-error")).to_contain_text("اذكر السبب")
    page.fill("#unmask-reason", "ولي الأمر على الهاتف ويطلب التحقق من الهوية")
    page.click('[data-testid="unmask-form"] button[type="submit"]')
    expect(page.get_by_test_id("national-id-full")).to_have_text(child.national_id)
    page.screenshot(path=str(screenshot_dir / "privacy-unmask-ar.png"), full_page=True)
    assert list(AccessRecord.objects.order_by("id").values_list("action", flat=True)) == ["view", "unmask"]
    context.close()

    context = arabic_context(chromium, timeout_ms=30_000, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "supervisor")
    page.get_by_test_id("nav-group-oversight").click()
    page.get_by_test_id("nav-access-audit").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.fill('input[name="person"]', str(child.pk))
    page.select_option('select[name="action"]', "unmask")
    page.click('[data-testid="audit-filter"] button[type="submit"]')
    rows = page.get_by_test_id("audit-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("ولي الأمر على الهاتف")
    expect(rows.first).to_contain_text("agent")
    page.screenshot(path=str(screenshot_dir / "privacy-audit-ar.png"), full_page=True)

    page.goto(f"{live_server.url}/workspace/contacts/{child.pk}/")
    page.get_by_test_id("guardian-link-revoke").first.click()
    expect(page.get_by_test_id("link-inactive").first).to_be_visible()
    assert Relation.objects.get(other_contact=child, kind="parent_of").revoked_at is not None
    context.close()
