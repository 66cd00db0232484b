"""A parent signs in through the education system's OpenID Connect provider (npm's oidc-provider on 127.0.0.1) and
sees their child's tickets; another signs in with a code sent by SMS. Screenshots: sso-portal-ar.png,
code-sign-in-ar.png."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from awn.crm.validators import national_id_from_seed
from awn.identity import sms
from awn.identity.models import VerifiedAddress
from tests.browser.pages import arabic_context
from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, running_provider

pytestmark = pytest.mark.browser


def test_a_parent_signs_in_through_the_education_system_and_sees_the_childs_tickets(
    chromium: Browser, live_server: Any, world: Any, settings: Any, tmp_path: Path, screenshot_dir: Path
) -> None:
    ticket = world.ticket(requester=world.other_parent, about_contact=world.child, subject="شهادة سارة")
    accounts = {
        "parent-sso": {
            "name": "نوال القحطاني",
            "national_id": national_id_from_seed(600),
            "children": [world.child.national_id],
        }
    }
    callback = f"{live_server.url}/portal/account/oidc/callback/"
    with running_provider(tmp_path, accounts, [callback]) as provider:
        settings.AWN_OIDC_ISSUER = provider.issuer
        settings.AWN_OIDC_CLIENT_ID = CLIENT_ID
        settings.AWN_OIDC_CLIENT_SECRET = CLIENT_SECRET
        context = arabic_context(chromium)
        page = context.new_page()
        page.goto(f"{live_server.url}/accounts/login/")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        page.get_by_test_id("oidc-sign-in").click()
        expect(page.locator("h1")).to_have_text("Education system")  # the provider's own page
        page.fill("#login", "parent-sso")
        page.click("#submit")
        expect(page).to_have_url(f"{live_server.url}/portal/")
        expect(page.get_by_test_id("logout")).to_be_visible()
        row = page.get_by_text("شهادة سارة")
        expect(row).to_be_visible()
        page.screenshot(path=str(screenshot_dir / "sso-portal-ar.png"), full_page=True)
        row.click()
        expect(page).to_have_url(re.compile(rf"/portal/tickets/{ticket.pk}/$"))
        expect(page.locator("body")).to_contain_text(ticket.reference)
        context.close()


def test_a_parent_signs_in_with_a_code_sent_by_sms(
    chromium: Browser, live_server: Any, world: Any, settings: Any, screenshot_dir: Path
) -> None:
    settings.AWN_SMS_BACKEND = "awn.identity.sms.MemorySmsBackend"
    sms.outbox.clear()
    VerifiedAddress.objects.create(user=world.parent_user, channel="sms", address="+966501234567")
    world.ticket(subject="لا تظهر الدرجات")
    context = arabic_context(chromium)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_test_id("code-sign-in").click()
    page.fill('input[name="address"]', "٠٥٠١٢٣٤٥٦٧")  # Arabic-Indic digits, as a phone keyboard may type them
    page.get_by_test_id("code-request").locator('button[type="submit"]').click()
    expect(page.get_by_test_id("code-sent")).to_contain_text("+966501234567")
    code = re.search(r"\d{6}", sms.outbox[-1]["text"]).group(0)  # type: ignore[union-attr]
    page.fill('input[name="code"]', code)
    page.screenshot(path=str(screenshot_dir / "code-sign-in-ar.png"))
    page.get_by_test_id("code-verify").locator('button[type="submit"]').click()
    expect(page).to_have_url(f"{live_server.url}/portal/")
    expect(page.get_by_text("لا تظهر الدرجات")).to_be_visible()
    context.close()
