from __future__ import annotations

from typing import Any

import pytest

from awn.identity import sms


@pytest.fixture(autouse=True)
def _sms_in_memory(settings: Any) -> None:
    """Text messages go to awn.identity.sms.outbox, emptied before each test (never to var/)."""
    settings.AWN_SMS_BACKEND = "awn.identity.sms.MemorySmsBackend"
    sms.outbox.clear()
