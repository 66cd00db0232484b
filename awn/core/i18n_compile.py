"""Compile every locale/*/LC_MESSAGES/django.po to .mo without GNU gettext (pure Python, via polib)."""

from __future__ import annotations

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[2]


def compile_all() -> int:
    count = 0
    for po_path in (ROOT / "locale").glob("*/LC_MESSAGES/*.po"):
        polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
        count += 1
    return count


if __name__ == "__main__":
    compile_all()
