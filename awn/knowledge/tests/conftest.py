from __future__ import annotations

from pathlib import Path

import pytest

from awn.knowledge.services import kb_import, parse_kb_lines

# A snapshot of ../shared/eval/kb.jsonl (40 synthetic articles): the tests run wherever the checkout is cloned.
KB_PATH = Path(__file__).parent / "fixtures" / "eval_kb.jsonl"


@pytest.fixture
def kb_path() -> Path:
    return KB_PATH


@pytest.fixture
def kb(db: None, kb_path: Path) -> Path:
    """The 40 real articles of eval/kb.jsonl, imported."""
    with kb_path.open(encoding="utf-8") as handle:
        kb_import(parse_kb_lines(handle))
    return kb_path
