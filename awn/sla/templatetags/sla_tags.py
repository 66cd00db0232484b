"""Hijri (Umm al-Qura) dates beside Gregorian ones, in the reader's language."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from hijridate import Gregorian

register = template.Library()


@register.filter
def hijri_long(value: date | None) -> str:
    """date(2027, 3, 9) → "1 شوال 1448هـ" in Arabic, "1 Shawwal 1448 AH" in English; "" out of the tables."""
    if value is None:
        return ""
    try:
        hijri = Gregorian(value.year, value.month, value.day).to_hijri()
    except (OverflowError, ValueError):
        return ""
    arabic = (get_language() or "ar").startswith("ar")
    month = hijri.month_name("ar" if arabic else "en")
    return _("%(day)s %(month)s %(year)s AH") % {"day": hijri.day, "month": month, "year": hijri.year}
