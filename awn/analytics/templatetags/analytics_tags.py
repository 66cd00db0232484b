"""Formatting of KPI figures on the reports pages."""

from __future__ import annotations

from django import template

from ..reports import duration_text, share_text

register = template.Library()


@register.filter
def duration(seconds: float | None) -> str:
    return duration_text(seconds)


@register.filter
def share(value: float | None) -> str:
    return share_text(value)


@register.filter
def choice_label(value: str) -> str:
    """A channel, category or status slug in the reader's language."""
    from awn.tickets.enums import Category, Channel, Status

    for choices in (Channel, Category, Status):
        if value in choices.values:
            return str(choices(value).label)
    return value


@register.filter
def clock(seconds: int | None) -> str:
    """A wait as a wall clock shows it: 4:05 (minutes:seconds), 1:02:03 past an hour."""
    total = max(0, int(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
