"""Failed sign-ins (issue 13, defect 1): no password oracle, no lock a stranger can trigger, no address a client
can invent. Delays and thresholds are checked against values written here."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import backends
from django.test import Client

from awn.accounts import throttle
from awn.accounts.throttle import ACCOUNT, ADDRESS, PAIR, delay_after
from awn.core.addresses import client_address
from conftest import PASSWORD

WRONG = "not-the-password-1"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(throttle.time, "time", fake)
    return fake


def _sign_in(username: str, password: str, address: str = "10.1.1.1", **extra: Any) -> Any:
    client = Client(REMOTE_ADDR=address, **extra)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    response.signed_in = "_auth_user_id" in client.session  # type: ignore[attr-defined]
    return response


def _page(response: Any) -> str:
    """The page without what differs between any two responses (the CSRF token)."""
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", page)


def test_the_delays_double_from_two_seconds_and_are_capped() -> None:
    assert [delay_after(PAIR, n) for n in (0, 4, 5, 6, 7, 8)] == [0, 0, 2, 4, 8, 16]
    assert delay_after(PAIR, 13) == 300 and delay_after(PAIR, 40) == 300
    assert (ADDRESS.free_failures, ACCOUNT.free_failures) == (200, 50)
    assert delay_after(ACCOUNT, 60) == 5  # a spread-out attack slows the account, never locks it


def test_while_slowed_down_the_password_is_not_even_read(world: Any, clock: Clock, monkeypatch: Any) -> None:
    for _ in range(5):
        assert _sign_in("agent", WRONG).status_code == 200
    checked: list[str] = []
    original = backends.ModelBackend.authenticate

    def counting(self: Any, request: Any, username: Any = None, password: Any = None, **kw: Any) -> Any:
        checked.append(str(password))
        return original(self, request, username=username, password=password, **kw)

    monkeypatch.setattr(backends.ModelBackend, "authenticate", counting)
    right, wrong = _sign_in("agent", PASSWORD), _sign_in("agent", WRONG)
    assert right.status_code == wrong.status_code == 429
    assert _page(right) == _page(wrong)  # identical answers: guessing learns nothing
    assert not right.signed_in and checked == []
    clock.now += 2  # the delay after the 5th failure has run out
    assert _sign_in("agent", PASSWORD).signed_in


def test_a_guesser_elsewhere_does_not_lock_the_owner_out(world: Any, clock: Clock) -> None:
    for _ in range(30):
        _sign_in("agent", WRONG, address="203.0.113.9")
    assert _sign_in("agent", WRONG, address="203.0.113.9").status_code == 429
    assert _sign_in("agent", PASSWORD, address="10.20.30.40").signed_in  # the owner, at work


def test_failures_with_many_user_names_from_a_school_do_not_lock_the_school(world: Any, clock: Clock) -> None:
    for n in range(60):
        _sign_in(f"nobody{n}", WRONG, address="10.9.9.9")
    assert _sign_in("agent", PASSWORD, address="10.9.9.9").signed_in


def test_a_spread_out_attack_only_slows_the_account_by_seconds(world: Any, clock: Clock) -> None:
    for n in range(60):
        _sign_in("agent", WRONG, address=f"198.51.100.{n}")
    assert _sign_in("agent", PASSWORD, address="10.20.30.40").status_code == 429
    clock.now += 5
    assert _sign_in("agent", PASSWORD, address="10.20.30.40").signed_in


def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(world: Any, clock: Clock) -> None:
    unknown, wrong = _sign_in("no-such-user", WRONG), _sign_in("agent", WRONG)
    assert unknown.status_code == wrong.status_code == 200
    assert _page(unknown).replace("no-such-user", "agent") == _page(wrong)


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(rf: Any, settings: Any) -> None:
    settings.AWN_TRUSTED_PROXIES = ()
    spoofed = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(spoofed) == "127.0.0.1"
    settings.AWN_TRUSTED_PROXIES = ("127.0.0.1", "10.0.0.0/8")
    through = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7, 10.0.0.9")
    assert client_address(through) == "198.51.100.7"  # right-most address that is not a trusted proxy
    direct = rf.get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(direct) == "192.0.2.1"  # not through a trusted proxy: the header is ignored
    garbled = rf.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="not-an-address")
    assert client_address(garbled) == "10.0.0.5"


def test_a_claimed_address_does_not_escape_the_delay(world: Any, clock: Clock) -> None:
    for n in range(6):
        _sign_in("agent", WRONG, address="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert (
        _sign_in("agent", PASSWORD, address="203.0.113.9", HTTP_X_FORWARDED_FOR="192.0.2.99").status_code
        == 429
    )
