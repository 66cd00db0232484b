"""Small presentation helpers for workspace templates: dates (Gregorian + Hijri), badge colours."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from awn.core import formatting
from awn.core.templatetags import awn_format

register = template.Library()

STATUS_CLASSES = {
    "new": "text-bg-primary",
    "open": "text-bg-info",
    "pending": "text-bg-warning",
    "on_hold": "text-bg-secondary",
    "resolved": "text-bg-success",
    "closed": "text-bg-dark",
}
PRIORITY_CLASSES = {
    "low": "text-bg-light border",
    "normal": "text-bg-secondary",
    "high": "text-bg-warning",
    "urgent": "text-bg-danger",
}


@register.filter
def status_class(value: str) -> str:
    return STATUS_CLASSES.get(str(value), "text-bg-secondary")


@register.filter
def priority_class(value: str) -> str:
    return PRIORITY_CLASSES.get(str(value), "text-bg-secondary")


register.filter("hijri", formatting.hijri)  # one format everywhere: «1 شوال 1448هـ»
register.simple_tag(awn_format.when, name="when")  # Gregorian with the Hijri date beside it


@register.filter
def event_label(event_type: str) -> str:
    """The translated name of an education-system event type, or the type itself, isolated LTR."""
    from awn.crm.enums import EXTERNAL_EVENT_LABELS

    label = EXTERNAL_EVENT_LABELS.get(event_type)
    return str(label) if label else format_html('<bdi dir="ltr">{}</bdi>', event_type)
