"""Passkeys in Chromium, with a virtual authenticator (DevTools' WebAuthn domain: CTAP2, built in, resident keys,
the user verified): an agent signs in with a password and a code, adds a passkey on the security page, signs out,
and signs in again with the password and the passkey instead of a code. Everything runs through Awn's static
script under the Content-Security-Policy (no inline script)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from awn.accounts import mfa, totp
from awn.accounts.enums import AdminAction
from awn.accounts.models import AdminAuditEntry, Passkey, TotpDevice
from conftest import PASSWORD
from tests.browser.pages import arabic_context
from tests.browser.test_accessibility import _violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


def _password(page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill('input[name="username"]', "agent")
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    expect(page).to_have_url(f"{base}/accounts/2fa/")


def test_an_agent_adds_a_passkey_and_signs_in_with_it(
    chromium: Browser, live_server, world, settings, screenshot_dir: Path
):
    base = live_server.url  # http://localhost:port: a host name, as WebAuthn wants (no bare IP address)
    assert "localhost" in base
    settings.AWN_STAFF_2FA = True
    settings.AWN_PUBLIC_URL = base
    secret = totp.new_secret()
    TotpDevice.objects.create(user=world.agent, secret=mfa.seal(secret), confirmed_at=timezone.now())

    context = arabic_context(chromium, timeout_ms=30_000, viewport=DESKTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )["authenticatorId"]

    # 1. Password and a code from the app; then the security page, from the password page's link.
    _password(page, base)
    expect(page.get_by_test_id("passkey-sign-in")).to_have_count(0)  # no passkey yet: codes only
    page.fill('input[name="code"]', totp.totp(secret))
    page.click('button[type="submit"]')
    expect(page.get_by_test_id("logout")).to_be_visible()
    page.goto(f"{base}/accounts/password/")
    page.get_by_test_id("security-link").click()
    expect(page).to_have_url(f"{base}/accounts/security/")
    expect(page.get_by_test_id("no-passkeys")).to_be_visible()

    # 2. A passkey named in Arabic, created by the virtual authenticator.
    page.fill('input[name="name"]', "حاسوب العمل")
    page.get_by_test_id("passkey-add").click()
    expect(page.get_by_test_id("passkey-row")).to_have_count(1)
    expect(page.get_by_test_id("passkey-list")).to_contain_text("حاسوب العمل")
    page.screenshot(path=str(screenshot_dir / "staff-passkeys-ar.png"), full_page=True)
    assert _violations(page) == []  # axe: no serious or critical accessibility violation
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert len(stored) == 1 and stored[0]["isResidentCredential"]
    passkey = Passkey.objects.get(user=world.agent)
    assert passkey.credential_id.rstrip("=") == stored[0]["credentialId"].replace("+", "-").replace(
        "/", "_"
    ).rstrip("=")

    # 3. Signed out, then back in: the password, then the passkey instead of a code.
    page.get_by_test_id("logout").click()
    _password(page, base)
    assert _violations(page) == []
    page.get_by_test_id("passkey-sign-in").click()
    expect(page.get_by_test_id("logout")).to_be_visible()
    page.goto(f"{base}/workspace/")
    expect(page.get_by_test_id("logout")).to_be_visible()
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None
    assert AdminAuditEntry.objects.filter(
        action=AdminAction.PASSKEY_SIGN_IN, target_id=world.agent.pk
    ).exists()

    # 4. The passkey removed on the security page: the next sign-in asks for a code again.
    page.goto(f"{base}/accounts/security/")
    page.get_by_test_id("passkey-delete").click()
    expect(page.get_by_test_id("no-passkeys")).to_be_visible()
    assert not Passkey.objects.exists()
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e]
    context.close()
