"""Ids as users and integrations send them: digits, positive, and within a bigint primary key.

A value past 2^63 - 1 used to reach the database and come back as a 500 (PostgreSQL: out of range for bigint;
SQLite: Python int too large). Every id in a URL, a query string or a form goes through here first.
"""

from __future__ import annotations

MAX_ID = 2**63 - 1  # the largest bigint: every primary key of Awn fits


def parse_id(value: object) -> int | None:
    """The id `value` names (ASCII digits, 1 ≤ id ≤ MAX_ID), else None."""
    text = str(value).strip() if value is not None else ""
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def is_id(value: object) -> bool:
    return parse_id(value) is not None


class IdConverter:
    """The `<id:pk>` path converter: a path naming an impossible id does not match (a 404), never a 500."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(value)  # Django tries the next pattern, then answers 404
        return number

    def to_url(self, value: object) -> str:
        return str(int(str(value)))
