"""Fixtures of the SLA tests."""

from __future__ import annotations

import pytest

from awn.sla import clocks
from awn.sla.models import SlaPolicy
from awn.sla.tests.helpers import NORMAL, URGENT, Now


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> Now:
    current = Now()
    monkeypatch.setattr(clocks, "current_time", current)
    return current


@pytest.fixture
def policies(db: None) -> SlaPolicy:
    """The default policy with the tests' targets (normal, high and low alike; urgent shorter)."""
    default = SlaPolicy.objects.get(is_default=True)
    default.targets = {"normal": NORMAL, "urgent": URGENT, "high": NORMAL, "low": NORMAL}
    default.save()
    return default
