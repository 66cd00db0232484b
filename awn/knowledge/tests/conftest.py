from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from awn.knowledge.services import kb_import, parse_kb_lines

KB_PATH = Path(settings.BASE_DIR).parent / "shared/eval/kb.jsonl"


@pytest.fixture
def kb_path() -> Path:
    if not KB_PATH.exists():
        pytest.skip(f"the shared evaluation file {KB_PATH} is not present in this checkout")
    return KB_PATH


@pytest.fixture
def kb(db: None, kb_path: Path) -> Path:
    """The 40 real articles of eval/kb.jsonl, imported."""
    with kb_path.open(encoding="utf-8") as handle:
        kb_import(parse_kb_lines(handle))
    return kb_path
