"""The long fault tests (`@pytest.mark.reliability_long`) run only when asked for:
`pytest -m reliability_long tests/reliability` (or AWN_RELIABILITY_LONG=true); the rest run with the suite."""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    asked = (
        "reliability_long" in (config.getoption("markexpr", "") or "")
        or os.environ.get("AWN_RELIABILITY_LONG") == "true"
    )
    if asked:
        return
    skip = pytest.mark.skip(reason="long fault test: run with -m reliability_long (README)")
    for item in items:
        if item.get_closest_marker("reliability_long"):
            item.add_marker(skip)
