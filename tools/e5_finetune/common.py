"""Texts shared by the checks (read-only use of the eval files: never training data)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def bank_texts(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [row[1] for row in list(csv.reader(fh))[1:]]
