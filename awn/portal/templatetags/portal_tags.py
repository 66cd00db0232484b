"""Small display helpers for the portal: status badge colours and Umm al-Qura (Hijri) dates."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.forms import BoundField
from django.utils import timezone
from django.utils.translation import gettext as _
from hijridate import Gregorian

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


@register.filter
def hijri(value: datetime | None) -> str:
    """`13/08/1447 AH` (Umm al-Qura) for a datetime, in the current time zone; empty when out of range."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    try:
        date = Gregorian(local.year, local.month, local.day).to_hijri()
    except (OverflowError, ValueError):
        return ""
    return _("%(date)s AH") % {"date": date.dmyformat()}


@register.filter
def widget(field: BoundField) -> str:
    """Render a form field's widget, marked invalid (Bootstrap + ARIA) when it has errors."""
    if not field.errors:
        return field.as_widget()
    css = " ".join(c for c in (field.field.widget.attrs.get("class", ""), "is-invalid") if c)
    describedby = f"{field.auto_id}_errors"
    return field.as_widget(attrs={"class": css, "aria-invalid": "true", "aria-describedby": describedby})
