"""Session rules: a new session id on sign-in and after a privilege change; signing out and changing the
password end the other sessions; staff sessions end after 30 idle minutes and 12 hours at most (a moved clock)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from awn.accounts import session_keys
from awn.accounts.enums import Role
from awn.accounts.models import SignedInSession, User
from conftest import PASSWORD

NEW_PASSWORD = "Qahwa-wa-Tamr-2026!"
MINUTE = 60.0
HOUR = 3600.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    fake = Clock()
    monkeypatch.setattr(session_keys, "now", fake)
    return fake


def _signed_in(username: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def test_signing_in_gives_a_new_session_id(world):
    client = Client()
    session = client.session
    session["note"] = "before"
    session.save()
    before = client.cookies["sessionid"].value
    client.post("/accounts/login/", {"username": "agent", "password": PASSWORD})
    assert client.cookies["sessionid"].value != before
    assert client.get("/workspace/").status_code == 200


def test_a_privilege_change_ends_the_sessions_and_the_new_one_has_a_new_id(world):
    client = _signed_in("agent")
    old = client.cookies["sessionid"].value
    world.client_for(world.admin).post(
        f"/workspace/admin/users/{world.agent.pk}/", {"role": Role.SUPERVISOR, "team": ""}
    )
    assert client.get("/workspace/").status_code == 302
    client.post("/accounts/login/", {"username": "agent", "password": PASSWORD})
    assert client.cookies["sessionid"].value != old
    assert client.get("/workspace/top-problems/").status_code == 200  # a supervisor's page


def test_signing_out_ends_every_session_of_the_user(world):
    laptop, phone = _signed_in("agent"), _signed_in("agent")
    other_user = _signed_in("supervisor")
    assert SignedInSession.objects.filter(user=world.agent).count() == 2
    assert laptop.post("/accounts/logout/").status_code == 302
    assert laptop.get("/workspace/").status_code == 302
    assert phone.get("/workspace/").status_code == 302
    assert other_user.get("/workspace/").status_code == 200
    assert not SignedInSession.objects.filter(user=world.agent).exists()


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(world):
    laptop, phone = _signed_in("agent"), _signed_in("agent")
    bad = laptop.post(
        "/accounts/password/", {"old_password": "wrong", "new_password1": "123", "new_password2": "123"}
    )
    assert bad.status_code == 200 and "is-invalid" in bad.content.decode()
    assert User.objects.get(pk=world.agent.pk).check_password(PASSWORD)
    assert phone.get("/workspace/").status_code == 200
    response = laptop.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert laptop.get("/workspace/").status_code == 200
    assert phone.get("/workspace/").status_code == 302
    assert SignedInSession.objects.filter(user=world.agent).count() == 1
    assert User.objects.get(pk=world.agent.pk).check_password(NEW_PASSWORD)


def test_a_password_reset_ends_every_session(world):
    laptop = _signed_in("agent")
    uid = urlsafe_base64_encode(force_bytes(world.agent.pk))
    token = default_token_generator.make_token(User.objects.get(pk=world.agent.pk))
    stranger = Client()
    form = stranger.get(f"/accounts/reset/{uid}/{token}/", follow=True)
    assert form.status_code == 200
    done = stranger.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert laptop.get("/workspace/").status_code == 302
    assert not SignedInSession.objects.filter(user=world.agent).exists()


def test_a_staff_session_ends_after_thirty_idle_minutes(world, clock):
    client = _signed_in("agent")
    clock.now += 29 * MINUTE
    assert client.get("/workspace/").status_code == 200
    clock.now += 29 * MINUTE  # active again within the limit
    assert client.get("/workspace/").status_code == 200
    clock.now += 30 * MINUTE + 1
    response = client.get("/workspace/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert "دون نشاط" in response.content.decode()
    assert client.get("/workspace/").status_code == 302


def test_a_staff_session_ends_twelve_hours_after_signing_in_however_active(world, clock):
    client = _signed_in("supervisor")
    for _ in range(35):  # every 20 minutes for 11 h 40 min
        clock.now += 20 * MINUTE
        assert client.get("/workspace/").status_code == 200
    clock.now = clock.now + (12 * HOUR - 35 * 20 * MINUTE) + 1
    response = client.get("/workspace/", follow=True)
    assert "مدتها القصوى" in response.content.decode()
    assert client.get("/workspace/").status_code == 302


def test_longer_settings_are_capped(world, clock, settings):
    settings.AWN_STAFF_IDLE_MINUTES = 240
    settings.AWN_STAFF_MAX_HOURS = 48
    client = _signed_in("agent")
    clock.now += 31 * MINUTE
    assert client.get("/workspace/").status_code == 302


def test_a_shorter_idle_setting_applies(world, clock, settings):
    settings.AWN_STAFF_IDLE_MINUTES = 10
    client = _signed_in("agent")
    clock.now += 11 * MINUTE
    assert client.get("/workspace/").status_code == 302


def test_customers_keep_their_sessions(world, clock):
    client = _signed_in("parent")
    clock.now += 13 * HOUR
    assert client.get("/portal/").status_code == 200


def test_the_idle_time_is_written_at_most_once_a_minute(world, clock, django_assert_max_num_queries):
    client = _signed_in("agent")
    clock.now += 5
    key = client.cookies["sessionid"].value
    from django.contrib.sessions.models import Session

    before = Session.objects.get(session_key=key).expire_date
    client.get("/accounts/password/")
    assert Session.objects.get(session_key=key).expire_date == before  # not saved again within the minute


def test_the_registry_forgets_sessions_past_their_age(world, settings):
    from datetime import timedelta

    from django.utils import timezone

    from awn.accounts.tasks import prune_signed_in_sessions

    _signed_in("agent")
    _signed_in("supervisor")
    old = SignedInSession.objects.get(user=world.agent)
    SignedInSession.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)
    )
    assert prune_signed_in_sessions() == 1
    assert list(SignedInSession.objects.values_list("user__username", flat=True)) == ["supervisor"]


def test_a_staff_session_from_before_the_rules_is_signed_out_and_a_customer_one_is_not(world):
    staff, customer = world.client_for(world.agent), world.client_for(world.parent_user)
    for client in (staff, customer):
        session = client.session
        session.pop(session_keys.AUTH_AT)
        session.pop(session_keys.SEEN_AT)
        session.save()
    assert staff.get("/workspace/").status_code == 302
    assert customer.get("/portal/").status_code == 200
