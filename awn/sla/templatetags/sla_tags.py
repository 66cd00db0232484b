"""Hijri (Umm al-Qura) dates beside Gregorian ones (awn.core.formatting.hijri) and a ticket's SLA clocks."""

from __future__ import annotations

from typing import Any

from django import template

from awn.core.formatting import hijri
from awn.sla.enums import ClockState

register = template.Library()
register.filter("hijri_long", hijri)


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
