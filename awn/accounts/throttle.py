"""Failed sign-ins: progressive delays per (account, address), never a lock a stranger can trigger.

- Per account and address: after FREE_FAILURES failures, the next try must wait 2, 4, 8… seconds (at most
  MAX_DELAY_SECONDS) after the last failure. A guesser slows to a crawl; the real user, from their own address,
  is untouched.
- Per address, across every user name: a much higher allowance (a school's shared address holds hundreds of
  users), then the same delays.
- Per account, across addresses (a spread-out attack): a high allowance, then delays of at most a few seconds:
  it slows a botnet without locking the owner out.
While a delay runs the password is never evaluated and the answer is the same whatever it was.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest

from awn.core.addresses import client_address

WINDOW_SECONDS = 15 * 60
MAX_DELAY_SECONDS = 300


@dataclass(frozen=True)
class Rule:
    scope: str
    free_failures: int
    max_delay_seconds: float


PAIR = Rule("pair", free_failures=5, max_delay_seconds=MAX_DELAY_SECONDS)
ADDRESS = Rule("address", free_failures=200, max_delay_seconds=60)
ACCOUNT = Rule("account", free_failures=50, max_delay_seconds=5)


def _user(username: str) -> str:
    return username.strip().casefold()[:150]


def _keys(request: HttpRequest, username: str) -> dict[Rule, str]:
    address, user = client_address(request), _user(username)
    return {
        PAIR: f"awn:login:pair:{user}:{address}",
        ADDRESS: f"awn:login:address:{address}",
        ACCOUNT: f"awn:login:account:{user}",
    }


def delay_after(rule: Rule, failures: int) -> float:
    """Seconds to wait after the last failure, once `failures` failures are counted under `rule`."""
    extra = failures - rule.free_failures
    if extra < 0:
        return 0.0
    return float(min(2 ** (extra + 1), rule.max_delay_seconds))


def seconds_to_wait(request: HttpRequest, username: str) -> float:
    """How long this (account, address) must still wait before a password is checked; 0 when it may try."""
    now = time.time()
    wait = 0.0
    for rule, key in _keys(request, username).items():
        failures, last = cache.get(key) or (0, 0.0)
        wait = max(wait, last + delay_after(rule, failures) - now)
    return max(wait, 0.0)


def login_failed(request: HttpRequest, username: str) -> None:
    now = time.time()
    for _rule, key in _keys(request, username).items():
        failures, _last = cache.get(key) or (0, 0.0)
        cache.set(key, (failures + 1, now), WINDOW_SECONDS)


def login_succeeded(request: HttpRequest, username: str) -> None:
    """The owner got in from here: their own slowdown here ends (the address and account counts stay)."""
    cache.delete(_keys(request, username)[PAIR])
