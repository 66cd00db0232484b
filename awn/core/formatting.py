"""One formatting layer for what people read: numbers, percentages, durations and dates (issue 13, defect 8).

Every template (the `awn_format` tags), email and export goes through these functions, so a figure reads the same
everywhere: Latin digits with "." as the decimal point and "," between thousands (Django's Arabic locale prints
0,67, which an Arabic reader takes for thousands), durations in words with Arabic plural forms, and Gregorian
dates with the Umm al-Qura date beside them in one format («1 شوال 1448هـ»), never only in a tooltip.

Digits follow the reader's preference: Latin (012) or Arabic-Indic (٠١٢). A staff member's is stored on their user,
a customer's in a cookie (`DIGITS_COOKIE`); without one, the default of the page's language
(settings.AWN_DEFAULT_DIGITS; Latin in both languages, DESIGN.md). `DigitsMiddleware` activates it per request,
`override_digits` for an email or an export. With Arabic-Indic digits the decimal point is «٫» and the thousands
separator «٬» (U+066B, U+066C), so no comma is ever read as a decimal point or the reverse.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _
from hijridate import Gregorian

DIGITS_COOKIE = "awn_digits"


class Digits(models.TextChoices):
    LATIN = "latin", gettext_lazy("Latin digits (0123)")
    ARABIC_INDIC = "arabic", gettext_lazy("Arabic-Indic digits (٠١٢٣)")


# Latin digit, ".", "," and "%" → their Arabic-Indic forms; everything else is left as it is.
_TO_ARABIC_INDIC = str.maketrans("0123456789.,%", "٠١٢٣٤٥٦٧٨٩٫٬٪")
_active_digits: ContextVar[str | None] = ContextVar("awn_digits", default=None)


def default_digits(language: str | None = None) -> str:
    """The digits of a language when the reader chose none (settings.AWN_DEFAULT_DIGITS, Latin if unlisted)."""
    code = (language or get_language() or "ar").split("-")[0]
    defaults: dict[str, str] = getattr(settings, "AWN_DEFAULT_DIGITS", {})
    return defaults.get(code, Digits.LATIN)


def active_digits() -> str:
    """The digits in force: the reader's choice for this request (or email, or export), else the language's."""
    chosen = _active_digits.get()
    return chosen if chosen in Digits.values else default_digits()


def activate_digits(choice: str | None) -> object:
    """Use `choice` ("latin", "arabic"; None or "" for the language's default) until `deactivate_digits(token)`."""
    return _active_digits.set(choice or None)


def deactivate_digits(token: object) -> None:
    _active_digits.reset(token)  # type: ignore[arg-type]


@contextmanager
def override_digits(choice: str | None) -> Iterator[None]:
    """`with override_digits(user.digits):` around an email or an export, like translation.override."""
    token = _active_digits.set(choice or None)
    try:
        yield
    finally:
        _active_digits.reset(token)


def digits(text: object) -> str:
    """A formatted figure in the reader's digits: "1,234.5" → "١٬٢٣٤٫٥" with Arabic-Indic digits."""
    text = str(text)
    return text.translate(_TO_ARABIC_INDIC) if active_digits() == Digits.ARABIC_INDIC else text


def number(value: float | int | None, decimals: int = 0) -> str:
    """1234.5 → "1,234.5" (decimals=1); None or NaN → "—"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return digits(f"{value:,.{decimals}f}")


def percent(share: float | None, decimals: int = 0) -> str:
    """A share of 1: 0.6667 → "67%"; None → "—" (no data is not 0%)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "—"
    return digits(f"{share * 100:,.{decimals}f}%")


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
        return digits(parts[0])
    return digits(_("%(first)s %(second)s") % {"first": parts[0], "second": parts[1]})


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
    return digits(
        _("%(day)s %(month)s %(year)s AH") % {"day": converted.day, "month": month, "year": converted.year}
    )


def gregorian(value: date | datetime | None, fmt: str = "Y-m-d H:i") -> str:
    """The Gregorian date (and time) in Riyadh time, in the reader's digits: "2027-03-09 09:00"."""
    if value is None:
        return ""
    local = timezone.localtime(value) if isinstance(value, datetime) and timezone.is_aware(value) else value
    if not isinstance(value, datetime):
        fmt = fmt.split(" ")[0]  # a date has no time of day
    return digits(date_format(local, fmt))


def moment(value: date | datetime | None, fmt: str = "Y-m-d H:i") -> str:
    """Plain text for emails and exports: "2027-03-09 09:00 · 1 شوال 1448هـ" (the Hijri date always beside)."""
    if value is None:
        return ""
    gregorian_text, hijri_text = gregorian(value, fmt), hijri(value)
    return f"{gregorian_text} · {hijri_text}" if hijri_text else gregorian_text
