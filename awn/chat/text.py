"""Chat text is plain text: any HTML a visitor or agent types is stripped by nh3 (scripts with their content)."""

from __future__ import annotations

import html

import nh3


def clean_text(text: object) -> str:
    raw = text if isinstance(text, str) else ""
    cleaned = nh3.clean(raw, tags=set(), clean_content_tags={"script", "style"})
    return html.unescape(cleaned).replace("\x00", "").strip()
