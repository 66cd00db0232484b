from __future__ import annotations

from collections.abc import Iterator

import pytest

from awn.incidents import services
from awn.incidents.selectors import forget_active_incidents


@pytest.fixture(autouse=True)
def _fresh_incidents() -> Iterator[None]:
    forget_active_incidents()
    services.after_reply_hook = None
    yield
    services.after_reply_hook = None
    forget_active_incidents()
