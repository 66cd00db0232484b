"""The token check keeps token → user per process for TOKEN_CACHE_SECONDS (5 s): no query while kept; a token
revoked (or its user deactivated) here is refused at once; a change made by another process is seen once the
seconds are over; an expiry passing while kept is refused at once; each caller gets its own user object."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from awn.accounts import services
from awn.accounts.enums import TokenScope
from awn.accounts.models import ApiToken
from awn.accounts.services import (
    api_token_authenticate,
    api_token_create,
    api_token_revoke,
    user_deactivate,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(services, "_clock", fake)
    return fake


def _queries(key: str) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as captured:
        user = api_token_authenticate(key)
    return user, len(captured.captured_queries)


def test_a_kept_token_costs_no_query_until_its_seconds_are_over(world, clock):
    assert services.TOKEN_CACHE_SECONDS == 5.0
    _token, key = api_token_create(user=world.agent, name="t", scope=TokenScope.READ)
    first, first_queries = _queries(key)
    assert first == world.agent and first_queries == 1
    clock.now += 4.9
    again, again_queries = _queries(key)
    assert again == world.agent and again_queries == 0
    assert again.api_token_scope == TokenScope.READ
    clock.now += 0.2  # 5.1 s after the lookup: looked up again
    _user, later_queries = _queries(key)
    assert later_queries == 1


def test_each_caller_gets_its_own_user_object(world, clock):
    _token, key = api_token_create(user=world.agent, name="t")
    one, two = api_token_authenticate(key), api_token_authenticate(key)
    assert one is not None and two is not None and one is not two
    one.first_name = "changed by one request"
    assert two.first_name != "changed by one request"


def test_a_token_revoked_here_is_refused_at_once(world, clock):
    token, key = api_token_create(user=world.agent, name="t")
    assert api_token_authenticate(key) == world.agent
    api_token_revoke(actor=world.admin, token=token)
    assert api_token_authenticate(key) is None  # no time has passed


def test_a_user_deactivated_here_is_refused_at_once(world, clock):
    _token, key = api_token_create(user=world.agent, name="t")
    assert api_token_authenticate(key) == world.agent
    user_deactivate(actor=world.admin, user=world.agent)
    assert api_token_authenticate(key) is None


def test_a_token_revoked_by_another_process_is_refused_within_the_seconds(world, clock):
    _token, key = api_token_create(user=world.agent, name="t")
    assert api_token_authenticate(key) == world.agent
    ApiToken.objects.update(revoked=True)  # another process's revocation: this one's entry is not dropped
    clock.now += 4.9
    assert api_token_authenticate(key) == world.agent  # still kept: the documented window
    clock.now += 0.2
    assert api_token_authenticate(key) is None


def test_an_expiry_passing_while_kept_is_refused_at_once(world, clock, monkeypatch):
    expires = timezone.now() + timedelta(seconds=2)
    _token, key = api_token_create(user=world.agent, name="t", expires_at=expires)
    assert api_token_authenticate(key) == world.agent
    monkeypatch.setattr(services.timezone, "now", lambda: expires + timedelta(microseconds=1))
    assert api_token_authenticate(key) is None


def test_unknown_keys_are_never_kept(world, clock):
    for _ in range(2):
        user, queries = _queries("awn_not-a-token")
        assert user is None and queries == 1
    assert not services._tokens
