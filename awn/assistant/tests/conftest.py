from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from awn.assistant.triage.engine import reset_model_cache


@pytest.fixture(autouse=True)
def _own_triage_model(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Each test starts without a cached model, and trains into its own var/models/."""
    settings.VAR_DIR = tmp_path
    reset_model_cache()
    yield
    reset_model_cache()
