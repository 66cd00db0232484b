"""Hijri (Umm al-Qura) dates beside Gregorian ones, in the reader's language: awn.core.formatting.hijri."""

from __future__ import annotations

<<<<<<< HEAD
=======
from datetime import date
from typing import Any

>>>>>>> sla
from django import template

from awn.core.formatting import hijri

from awn.sla.enums import ClockState

register = template.Library()
<<<<<<< HEAD
register.filter("hijri_long", hijri)
=======


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


@register.inclusion_tag("sla/partials/ticket_clocks.html")
def sla_clocks(ticket: Any) -> dict[str, Any]:
    """The ticket's SLA clocks with their due badges (one query)."""
    from awn.sla.badges import badge_html, badge_text, ticket_clock_lines

    lines = ticket_clock_lines(ticket.pk, ticket.team_id)
    return {
        "lines": [
            {
                "metric": line.metric,
                "label": line.label,
                "state": line.state,
                "state_label": ClockState(line.state).label,
                "badge": badge_html(line.badge) if line.badge else "",
                "text": badge_text(line.badge) if line.badge else "",
            }
            for line in lines
        ]
    }
>>>>>>> sla
