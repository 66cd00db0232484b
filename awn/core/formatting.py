"""One formatting layer for what people read: numbers, percentages, durations and dates (issue 13, defect 8).

Every template (the `awn_format` tags), email and export goes through these functions, so a figure reads the same
everywhere: Latin digits with "." as the decimal point and "," between thousands (Django's Arabic locale prints
0,67, which an Arabic reader takes for thousands), durations in words with Arabic plural forms, and Gregorian
dates with the Umm al-Qura date beside them in one format («1 شوال 1448هـ»), never only in a tooltip.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from hijridate import Gregorian


def number(value: float | int | None, decimals: int = 0) -> str:
    """1234.5 → "1,234.5" (decimals=1); None or NaN → "—"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.{decimals}f}"


def percent(share: float | None, decimals: int = 0) -> str:
    """A share of 1: 0.6667 → "67%"; None → "—" (no data is not 0%)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "—"
    return f"{share * 100:,.{decimals}f}%"


def duration(seconds: float | int | None) -> str:
    """3 700 s → "1 hour 1 minute", in the reader's language with its plural forms; under a minute: seconds."""
    if seconds is None:
        return "—"
    total = max(0, round(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if minutes and not days:
        parts.append(ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes})
    if not parts:
        parts.append(ngettext("%(n)d second", "%(n)d seconds", secs) % {"n": secs})
    if len(parts) == 1:
        return parts[0]
    return _("%(first)s %(second)s") % {"first": parts[0], "second": parts[1]}


def _local_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    return value


def hijri(value: date | datetime | None) -> str:
    """The Umm al-Qura date: «1 شوال 1448هـ» in Arabic, "1 Shawwal 1448 AH" in English; "" out of its tables."""
    if value is None:
        return ""
    day = _local_date(value)
    try:
        converted = Gregorian(day.year, day.month, day.day).to_hijri()
    except (OverflowError, ValueError):
        return ""
    month = converted.month_name("ar" if (get_language() or "ar").startswith("ar") else "en")
    return _("%(day)s %(month)s %(year)s AH") % {"day": converted.day, "month": month, "year": converted.year}
