from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path) -> None:
    """Attachments written by these tests go to a scratch folder, never to var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
