"""The administration journey, in Arabic, with two-step sign-in on: an admin invites an agent; the agent opens
the one-time link, chooses a password, sets up their authenticator app (the code computed here from the key the
page shows, as the app would), keeps the recovery codes, opens a ticket; signs out and back in with a recovery
code. The invitation link refuses a second use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from awn.accounts import mfa, totp
from awn.accounts.models import TotpDevice, User
from tests.browser.pages import arabic_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD_NEW = "Tamr-wa-Qahwa-2026!"
DESKTOP = {"width": 1280, "height": 900}


def test_admin_invites_agent_who_sets_password_and_totp_and_opens_a_ticket(
    chromium: Browser, live_server, world, settings, screenshot_dir: Path
):
    settings.AWN_STAFF_2FA = True
    base = live_server.url
    ticket = world.ticket(subject="لا يظهر جدول الحصص")
    admin_secret = totp.new_secret()
    TotpDevice.objects.create(user=world.admin, secret=mfa.seal(admin_secret), confirmed_at=timezone.now())

    # 1. The admin signs in with a password and a code, and invites an agent into the in-house team.
    admin = arabic_context(chromium, timeout_ms=30_000, viewport=DESKTOP).new_page()
    admin.goto(f"{base}/accounts/login/")
    expect(admin.locator("html")).to_have_attribute("dir", "rtl")
    admin.fill('input[name="username"]', "admin")
    admin.fill('input[name="password"]', "correct-horse-battery-7")
    admin.click('button[type="submit"]')
    expect(admin).to_have_url(f"{base}/accounts/2fa/")
    admin.fill('input[name="code"]', totp.totp(admin_secret))
    admin.click('button[type="submit"]')
    expect(admin.get_by_test_id("logout")).to_be_visible()
    admin.get_by_test_id("nav-group-oversight").click()
    admin.get_by_test_id("nav-admin").click()
    expect(admin).to_have_url(f"{base}/workspace/admin/users/")
    admin.get_by_test_id("invite").click()
    admin.fill('input[name="email"]', "hind.new@example.sa")
    admin.select_option('select[name="role"]', "agent")
    admin.select_option('select[name="team"]', str(world.in_house.pk))
    admin.screenshot(path=str(screenshot_dir / "admin-invite-ar.png"), full_page=True)
    admin.click('button[type="submit"]')
    link = admin.get_by_test_id("invitation-link").inner_text().strip()
    assert re.match(rf"{re.escape(base)}/accounts/invitation/\S+/$", link)

    # 2. The agent opens the link, chooses a password and is sent to set up the app.
    agent = arabic_context(chromium, timeout_ms=30_000, viewport=DESKTOP).new_page()
    agent.goto(link)
    expect(agent.get_by_test_id("accept-form")).to_be_visible()
    agent.fill('input[name="first_name"]', "هند")
    agent.fill('input[name="password1"]', PASSWORD_NEW)
    agent.fill('input[name="password2"]', PASSWORD_NEW)
    agent.click('button[type="submit"]')
    expect(agent).to_have_url(f"{base}/accounts/2fa/setup/")
    secret = agent.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    agent.screenshot(path=str(screenshot_dir / "agent-2fa-setup-ar.png"), full_page=True)
    agent.fill('input[name="code"]', "000000")
    agent.click('button[type="submit"]')
    expect(agent.get_by_test_id("mfa-error")).to_be_visible()
    agent.fill('input[name="code"]', totp.totp(secret))
    agent.click('button[type="submit"]')
    codes = agent.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    agent.get_by_test_id("continue").click()

    # 3. Signed in: the agent opens the ticket.
    expect(agent.get_by_test_id("logout")).to_be_visible()
    agent.goto(f"{base}/workspace/tickets/{ticket.pk}/")
    expect(agent.get_by_text("لا يظهر جدول الحصص").first).to_be_visible()
    assert User.objects.get(email="hind.new@example.sa").team == world.in_house

    # 4. Signs out, and back in with the password and a recovery code.
    agent.get_by_test_id("logout").click()
    agent.goto(f"{base}/accounts/login/")
    agent.fill('input[name="username"]', "hind.new@example.sa")
    agent.fill('input[name="password"]', PASSWORD_NEW)
    agent.click('button[type="submit"]')
    expect(agent).to_have_url(f"{base}/accounts/2fa/")
    agent.fill('input[name="code"]', codes[0].strip())
    agent.click('button[type="submit"]')
    expect(agent.get_by_test_id("logout")).to_be_visible()

    # 5. The invitation link is used up.
    agent.goto(link)
    expect(agent.get_by_test_id("gone")).to_be_visible()
