"""Small presentation helpers for workspace templates: dates (Gregorian + Hijri), badge colours."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

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


@register.filter
def hijri(value: date | datetime | None) -> str:
    """The Umm al-Qura date (yyyy-mm-dd), or "" outside the calendar's range."""
    if not value:
        return ""
    try:
        from hijridate import Gregorian

        if isinstance(value, datetime):
            value = timezone.localtime(value) if timezone.is_aware(value) else value
        return str(Gregorian(value.year, value.month, value.day).to_hijri().isoformat())
    except Exception:  # a display nicety must never break a page
        return ""


@register.simple_tag
def when(value: datetime | None, fmt: str = "Y-m-d H:i") -> SafeString | str:
    """A date in Gregorian, isolated left-to-right, with the Hijri date as its title."""
    if not value:
        return ""
    from django.utils.dateformat import format as date_format

    local = timezone.localtime(value) if timezone.is_aware(value) else value
    hijri_date = hijri(value)
    return format_html(
        '<time datetime="{}" title="{}"><bdi dir="ltr">{}</bdi></time>',
        value.isoformat(),
        _("Hijri: %(date)s") % {"date": hijri_date} if hijri_date else "",
        date_format(local, fmt),
    )


@register.filter
def event_label(event_type: str) -> str:
    """The translated name of an education-system event type, or the type itself, isolated LTR."""
    from awn.crm.enums import EXTERNAL_EVENT_LABELS

    label = EXTERNAL_EVENT_LABELS.get(event_type)
    return str(label) if label else format_html('<bdi dir="ltr">{}</bdi>', event_type)
