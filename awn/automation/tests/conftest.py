"""Fixtures of the automation tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from awn.automation.services import rules_cache_clear


@pytest.fixture(autouse=True)
def _fresh_rules_cache() -> Iterator[None]:
    # Each test's rules live in its own rolled-back transaction: no test may see another's cached list.
    rules_cache_clear()
    yield
    rules_cache_clear()
