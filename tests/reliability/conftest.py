"""The long fault tests (`@pytest.mark.reliability_long`) run only when asked for:
`pytest -m reliability_long tests/reliability` (or AWN_RELIABILITY_LONG=true); the rest run with the suite.

The multi-process tests (`@pytest.mark.reliability`) make their own PostgreSQL databases, so they run in the
PostgreSQL pass only: the test command runs the SQLite and PostgreSQL passes at the same time, and two copies
would drop each other's databases."""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    asked = (
        "reliability_long" in (config.getoption("markexpr", "") or "")
        or os.environ.get("AWN_RELIABILITY_LONG") == "true"
    )
    postgres_pass = os.environ.get("DATABASE_URL", "").startswith("postgres")
    other_pass = pytest.mark.skip(reason="multi-process test: runs in the PostgreSQL pass of the suite")
    long_test = pytest.mark.skip(reason="long fault test: run with -m reliability_long (README)")
    for item in items:
        if item.get_closest_marker("reliability") and not postgres_pass:
            item.add_marker(other_pass)
        elif item.get_closest_marker("reliability_long") and not asked:
            item.add_marker(long_test)
