"""Small display helpers for the portal: status badge colours and Umm al-Qura (Hijri) dates."""

from __future__ import annotations

from django import template
from django.forms import BoundField

from awn.core import formatting
from awn.tickets.enums import Status

register = template.Library()

_BADGES: dict[str, str] = {
    Status.NEW: "text-bg-primary",
    Status.OPEN: "text-bg-info",
    Status.PENDING: "text-bg-warning",
    Status.ON_HOLD: "text-bg-secondary",
    Status.RESOLVED: "text-bg-success",
    Status.CLOSED: "text-bg-dark",
}


@register.filter
def status_badge(status: str) -> str:
    return _BADGES.get(status, "text-bg-secondary")


register.filter("hijri", formatting.hijri)  # one format everywhere: «1 شوال 1448هـ»


@register.filter
def widget(field: BoundField) -> str:
    """Render a form field's widget, marked invalid (Bootstrap + ARIA) when it has errors."""
    if not field.errors:
        return field.as_widget()
    css = " ".join(c for c in (field.field.widget.attrs.get("class", ""), "is-invalid") if c)
    describedby = f"{field.auto_id}_errors"
    return field.as_widget(attrs={"class": css, "aria-invalid": "true", "aria-describedby": describedby})
