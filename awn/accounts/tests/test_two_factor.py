"""Two-factor sign-in for staff: enrolment after the password, a second step at every sign-in, recovery codes,
wrong and reused codes refused with a clear message, throttled; customers are not asked."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from awn.accounts import mfa, totp
from awn.accounts.enums import Role
from awn.accounts.models import RecoveryCode, TotpDevice, User
from awn.accounts.services import invitation_create
from conftest import PASSWORD


class Clock:
    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    fake = Clock()
    monkeypatch.setattr(totp, "time", fake)
    return fake


@pytest.fixture(autouse=True)
def _two_factor_on(settings: Any) -> None:
    settings.AWN_STAFF_2FA = True


def _password(client: Client, username: str, next_url: str = "") -> Any:
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/accounts/login/", data)


def _enrolled(user: User, clock: Clock) -> str:
    device = mfa.enrolment_start(user)
    mfa.enrolment_confirm(user, totp.totp(mfa.device_secret(device), clock.now))
    clock.now += 30  # the enrolment code is used up; the next step's code is fresh
    return mfa.device_secret(device)


def test_an_unenrolled_agent_enrols_after_the_password(world, clock):
    client = Client()
    response = _password(client, "agent")
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/setup/"
    assert client.get("/workspace/").status_code == 302  # not signed in yet
    page = client.get("/accounts/2fa/setup/")
    html = page.content.decode()
    assert page.status_code == 200 and 'dir="rtl"' in html
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")  # type: ignore[union-attr]
    assert f"otpauth://totp/Awn:agent?secret={secret}" in html.replace("%3A", ":")

    wrong = client.post("/accounts/2fa/setup/", {"code": "000000"})
    assert wrong.status_code == 400 and "هذا الرمز غير صحيح" in wrong.content.decode()
    assert client.get("/workspace/").status_code == 302
    assert TotpDevice.objects.get(user=world.agent).confirmed_at is None

    done = client.post("/accounts/2fa/setup/", {"code": totp.totp(secret, clock.now)})
    assert done.status_code == 200 and "no-store" in done["Cache-Control"]
    codes = re.findall(r'<bdi dir="ltr">([a-z2-9]{5}-[a-z2-9]{5})</bdi>', done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    assert RecoveryCode.objects.filter(user=world.agent).count() == 10
    assert not RecoveryCode.objects.filter(code_hash__in=codes).exists()  # stored hashed
    assert client.get("/workspace/").status_code == 200


def test_an_enrolled_agent_gives_a_code_after_the_password_and_gets_a_new_session_id(world, clock):
    secret = _enrolled(world.agent, clock)
    client = Client()
    client.get("/accounts/login/")
    _password(client, "agent", next_url="/workspace/contacts/")
    pending_key = client.cookies["sessionid"].value
    assert client.get("/workspace/").status_code == 302
    page = client.get("/accounts/2fa/")
    assert page.status_code == 200 and "تطبيق" in page.content.decode()
    wrong = client.post("/accounts/2fa/", {"code": "123456"})
    assert wrong.status_code == 400 and 'data-testid="mfa-error"' in wrong.content.decode()
    ok = client.post("/accounts/2fa/", {"code": totp.totp(secret, clock.now)})
    assert ok.status_code == 302 and ok["Location"] == "/workspace/contacts/"
    assert client.cookies["sessionid"].value != pending_key  # rotated on sign-in
    assert client.get("/workspace/").status_code == 200


def test_a_code_is_accepted_once(world, clock):
    secret = _enrolled(world.agent, clock)
    code = totp.totp(secret, clock.now)
    first = Client()
    _password(first, "agent")
    assert first.post("/accounts/2fa/", {"code": code}).status_code == 302
    second = Client()
    _password(second, "agent")
    reused = second.post("/accounts/2fa/", {"code": code})
    assert reused.status_code == 400 and "استُخدم" in reused.content.decode()
    assert second.get("/workspace/").status_code == 302
    clock.now += 30
    assert second.post("/accounts/2fa/", {"code": totp.totp(secret, clock.now)}).status_code == 302


def test_a_recovery_code_works_once(world, clock):
    device = mfa.enrolment_start(world.agent)
    codes = mfa.enrolment_confirm(world.agent, totp.totp(mfa.device_secret(device), clock.now))
    client = Client()
    _password(client, "agent")
    response = client.post("/accounts/2fa/", {"code": codes[0].upper()}, follow=True)
    assert response.status_code == 200 and "9" in response.content.decode()  # nine left, said in the message
    again = Client()
    _password(again, "agent")
    refused = again.post("/accounts/2fa/", {"code": codes[0]})
    assert refused.status_code == 400 and again.get("/workspace/").status_code == 302
    assert RecoveryCode.objects.filter(user=world.agent, used_at__isnull=True).count() == 9


def test_wrong_codes_are_throttled(world, clock):
    secret = _enrolled(world.agent, clock)
    client = Client()
    _password(client, "agent")
    for _ in range(mfa.ATTEMPTS):
        assert client.post("/accounts/2fa/", {"code": "000000"}).status_code == 400
    blocked = client.post("/accounts/2fa/", {"code": totp.totp(secret, clock.now)})
    assert blocked.status_code == 400 and "خمس دقائق" in blocked.content.decode()
    assert client.get("/workspace/").status_code == 302


def test_a_pending_sign_in_expires_and_cannot_replace_the_app(world, clock, monkeypatch):
    secret = _enrolled(world.agent, clock)
    client = Client()
    _password(client, "agent")
    # Someone who knows only the password cannot enrol a phone of their own.
    assert client.get("/accounts/2fa/setup/")["Location"] == "/accounts/2fa/"
    assert TotpDevice.objects.filter(user=world.agent).count() == 1
    from awn.accounts import session_keys

    real = session_keys.now
    monkeypatch.setattr(session_keys, "now", lambda: real() + 301)
    response = client.post("/accounts/2fa/", {"code": totp.totp(secret, clock.now)})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_customers_sign_in_with_a_password_alone(world):
    client = Client()
    response = _password(client, "parent")
    assert response.status_code == 302 and "/accounts/2fa" not in response["Location"]
    assert client.get("/portal/").status_code == 200


def test_a_staff_session_without_the_second_step_is_signed_out(world):
    client = world.client_for(world.supervisor)  # a session made without the second step
    response = client.get("/workspace/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/workspace/").status_code == 302


def test_an_invited_agent_goes_on_to_enrolment(world, clock):
    _inv, token = invitation_create(actor=world.admin, email="hala@example.sa", role=Role.AGENT)
    client = Client()
    good = "Tamr-wa-Qahwa-2026!"
    response = client.post(f"/accounts/invitation/{token}/", {"password1": good, "password2": good})
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/setup/"
    assert client.get("/workspace/").status_code == 302
    html = client.get("/accounts/2fa/setup/").content.decode()
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")  # type: ignore[union-attr]
    assert client.post("/accounts/2fa/setup/", {"code": totp.totp(secret, clock.now)}).status_code == 200
    assert client.get("/workspace/").status_code == 200


def test_the_setup_page_refuses_strangers(world):
    assert Client().get("/accounts/2fa/setup/")["Location"] == "/accounts/login/"
    assert Client().get("/accounts/2fa/")["Location"] == "/accounts/login/"


def test_an_admin_resets_a_lost_phone(world, clock):
    from awn.accounts.enums import AdminAction
    from awn.accounts.models import AdminAuditEntry

    _enrolled(world.agent, clock)
    admin_session = Client()
    _password(admin_session, "admin")  # the admin enrols too (2FA is on here)
    html = admin_session.get("/accounts/2fa/setup/").content.decode()
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")  # type: ignore[union-attr]
    admin_session.post("/accounts/2fa/setup/", {"code": totp.totp(secret, clock.now)})
    page = admin_session.get(f"/workspace/admin/users/{world.agent.pk}/").content.decode()
    assert 'data-testid="reset-2fa"' in page
    assert admin_session.post(f"/workspace/admin/users/{world.agent.pk}/two-factor-reset/").status_code == 302
    assert not TotpDevice.objects.filter(user=world.agent).exists()
    assert not RecoveryCode.objects.filter(user=world.agent).exists()
    assert AdminAuditEntry.objects.filter(
        action=AdminAction.TWO_FACTOR_RESET, target_id=world.agent.pk
    ).exists()
    client = Client()
    assert _password(client, "agent")["Location"] == "/accounts/2fa/setup/"


def test_secrets_are_sealed_at_rest(world, clock):
    device = mfa.enrolment_start(world.agent)
    secret = mfa.device_secret(device)
    stored = TotpDevice.objects.get(pk=device.pk).secret
    assert len(secret) == 32 and secret not in stored and stored.startswith("gAAAA")
    # A row from before sealing still works.
    TotpDevice.objects.filter(pk=device.pk).update(secret=secret)
    assert mfa.enrolment_confirm(world.agent, totp.totp(secret, clock.now))
