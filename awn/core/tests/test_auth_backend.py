"""awn.core.auth.ModelBackend loads the signed-in user as Django's does, in one prepared statement."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, authenticate, get_user, user_logged_in
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.signals import user_login_failed
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from awn.accounts.models import Team, User
from awn.core.auth import ModelBackend
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _fields(user: User) -> dict[str, Any]:
    return {field.attname: getattr(user, field.attname) for field in User._meta.concrete_fields}


def test_reads_the_same_user_as_the_orm_in_one_query(world) -> None:
    world.agent.refresh_from_db()
    with CaptureQueriesContext(connection) as queries:
        loaded = ModelBackend().get_user(world.agent.pk)
    assert len(queries.captured_queries) == 1
    assert _fields(loaded) == _fields(User.objects.get(pk=world.agent.pk))
    assert loaded._state.adding is False and loaded._state.db == "default"
    assert loaded.team == world.agent.team  # relations still load
    assert ModelBackend().get_user(world.agent.pk + 10_000) is None


def test_the_team_comes_in_the_same_query(world) -> None:
    with CaptureQueriesContext(connection) as queries:
        vendor = ModelBackend().get_user(world.vendor_agent.pk)
        team = vendor.team
        assert team.categories == ["account_access"] and team.is_restricted
    assert len(queries.captured_queries) == 1
    fresh = Team.objects.get(pk=world.vendor.pk)
    assert {f.attname: getattr(team, f.attname) for f in Team._meta.concrete_fields} == {
        f.attname: getattr(fresh, f.attname) for f in Team._meta.concrete_fields
    }
    with CaptureQueriesContext(connection) as queries:
        admin = ModelBackend().get_user(world.admin.pk)  # no team: nothing joined, nothing to load later
        assert admin.team is None
    assert len(queries.captured_queries) == 1


def test_an_outsourced_agents_queue_page_reads_no_team_row(world) -> None:
    world.ticket(subject="حساب")
    client = world.client_for(world.vendor_agent)
    client.get(reverse("workspace:queue"))  # counts and fragments cached
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("workspace:queue"))
    assert len(response.context["tickets"]) == 1
    assert not [q for q in queries.captured_queries if 'FROM "accounts_team"' in q["sql"]]


def test_inactive_users_are_not_loaded(world) -> None:
    User.objects.filter(pk=world.agent.pk).update(is_active=False)
    assert ModelBackend().get_user(world.agent.pk) is None
    assert DjangoModelBackend().get_user(world.agent.pk) is None


def test_sign_in_with_the_right_and_the_wrong_password(world, monkeypatch) -> None:
    assert authenticate(None, username="agent", password=PASSWORD) == world.agent
    failed: list[Any] = []
    user_login_failed.connect(lambda **kw: failed.append(kw), weak=False, dispatch_uid="t")
    hashes: list[str] = []
    check, set_password = User.check_password, User.set_password

    def counted_check(user: User, raw: str) -> bool:
        hashes.append("check")
        return check(user, raw)

    def counted_set(user: User, raw: str | None) -> None:
        hashes.append("set")
        set_password(user, raw)

    monkeypatch.setattr(User, "check_password", counted_check)
    monkeypatch.setattr(User, "set_password", counted_set)
    try:
        assert authenticate(None, username="agent", password="wrong-password-1") is None
        assert authenticate(None, username="nobody", password="wrong-password-1") is None
    finally:
        user_login_failed.disconnect(dispatch_uid="t")
    assert len(failed) == 2
    # One hash per attempt (the unknown user's is Django's timing-attack dummy): the second backend is not asked.
    assert hashes == ["check", "set"]


def test_pages_sign_in_through_it_and_old_sessions_still_resolve(world) -> None:
    client = Client()
    seen: list[str] = []
    user_logged_in.connect(lambda **kw: seen.append(kw["user"].backend), weak=False, dispatch_uid="t2")
    try:
        response = client.post(reverse("login"), {"username": "agent", "password": PASSWORD})
    finally:
        user_logged_in.disconnect(dispatch_uid="t2")
    assert response.status_code == 302 and seen == ["awn.core.auth.ModelBackend"]
    assert client.get(reverse("workspace:queue")).status_code == 200

    # A session signed in through Django's own backend (before this one existed) still names a valid user.
    old = Client()
    old.force_login(world.agent, backend="django.contrib.auth.backends.ModelBackend")
    response = old.get(reverse("workspace:queue"))
    assert response.status_code == 200
    assert response.wsgi_request.session[BACKEND_SESSION_KEY] == "django.contrib.auth.backends.ModelBackend"
    assert get_user(response.wsgi_request) == world.agent
