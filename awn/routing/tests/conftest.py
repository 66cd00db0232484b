from __future__ import annotations

from collections.abc import Iterator

import pytest

from awn.routing.services import roster_forget


@pytest.fixture(autouse=True)
def _fresh_roster() -> Iterator[None]:
    # The routing roster is a per-process snapshot of a few seconds: each test starts from its own rows.
    roster_forget()
    yield
    roster_forget()
