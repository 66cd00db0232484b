"""Due badges: what an agent sees of a ticket's running SLA clocks (remaining business time, coloured by state).

ok (green), warning (amber: the policy's warning share of the target is used) and breached (red: past the due
time, whether or not the scan has reported it yet). The remaining time is never negative before a breach: a
clock whose due time passed reads "overdue", never "-5 min". Reads only: one query for a page of tickets, the
calendars from a short in-process cache (a badge may lag a calendar edit by CALENDAR_CACHE_SECONDS).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from awn.core.formatting import digits

from . import clocks
from .business_time import RIYADH, Calendar, business_seconds_between
from .enums import RUNNING_STATES, ClockState, Metric
from .models import BusinessCalendar, SlaClock, TeamCalendar
from .selectors import calendar_for

CALENDAR_CACHE_SECONDS = 30.0
BADGE_CLASSES = {"ok": "text-bg-success", "warning": "text-bg-warning", "breached": "text-bg-danger"}

_calendars: tuple[float, BusinessCalendar | None, dict[int, BusinessCalendar]] | None = None
_lock = threading.Lock()


def _calendar_rows() -> tuple[BusinessCalendar | None, dict[int, BusinessCalendar]]:
    """The default calendar and each team's (one query, at most every CALENDAR_CACHE_SECONDS)."""
    global _calendars
    cached = _calendars
    if cached is not None and time.monotonic() - cached[0] < CALENDAR_CACHE_SECONDS:
        return cached[1], cached[2]
    rows = {c.pk: c for c in BusinessCalendar.objects.all()}
    default = next((c for c in rows.values() if c.is_default), None)
    teams = {
        team_id: rows[calendar_id]
        for team_id, calendar_id in TeamCalendar.objects.values_list("team_id", "calendar_id")
        if calendar_id in rows
    }
    with _lock:
        _calendars = (time.monotonic(), default, teams)
    return default, teams


def forget_calendars() -> None:
    global _calendars
    with _lock:
        _calendars = None


def calendar_of_team(team_id: int | None) -> Calendar | None:
    default, teams = _calendar_rows()
    row = teams.get(team_id) if team_id is not None else None
    row = row or default
    return calendar_for(row) if row is not None else None


@dataclass(frozen=True)
class DueBadge:
    metric: str
    state: str  # ok, warning, breached
    due_at: datetime
    seconds: int  # remaining (ok, warning) or overdue (breached); never negative

    @property
    def css_class(self) -> str:
        return BADGE_CLASSES[self.state]


def badge_for(
    *,
    metric: str,
    clock_state: str,
    due_at: datetime,
    warn_at: datetime | None,
    warned: bool,
    business: bool,
    calendar: Calendar | None,
    now: datetime,
) -> DueBadge:
    if clock_state == ClockState.BREACHED or due_at <= now:
        return DueBadge(metric, "breached", due_at, max(0, int((now - due_at).total_seconds())))
    calendar_seconds = max(0, int((due_at - now).total_seconds()))
    remaining = calendar_seconds
    if business and calendar is not None:
        # Outside working hours the business time left may read 0 before the due time: show the clock's own.
        remaining = business_seconds_between(calendar, now, due_at) or calendar_seconds
    warning = warned or (warn_at is not None and warn_at <= now)
    return DueBadge(metric, "warning" if warning else "ok", due_at, remaining)


def due_badges(ticket_ids: Iterable[int], now: datetime | None = None) -> dict[int, DueBadge]:
    """The badge of each ticket's earliest-due running clock (one query for the page)."""
    ids = list(ticket_ids)
    if not ids:
        return {}
    now = now or clocks.current_time()
    rows = (
        SlaClock.objects.filter(ticket_id__in=ids, state__in=RUNNING_STATES, due_at__isnull=False)
        .order_by("ticket_id", "due_at")
        .values_list(
            "ticket_id", "ticket__team_id", "metric", "state", "due_at", "warn_at", "warned", "business"
        )
    )
    badges: dict[int, DueBadge] = {}
    for ticket_id, team_id, metric, state, due_at, warn_at, warned, business in rows:
        if ticket_id in badges or due_at is None:
            continue
        badges[ticket_id] = badge_for(
            metric=metric,
            clock_state=state,
            due_at=due_at,
            warn_at=warn_at,
            warned=warned,
            business=business,
            calendar=calendar_of_team(team_id) if business else None,
            now=now,
        )
    return badges


@dataclass(frozen=True)
class ClockLine:
    """One clock on the ticket page."""

    metric: str
    label: str
    state: str  # a ClockState
    badge: DueBadge | None


def ticket_clock_lines(ticket_id: int, team_id: int | None, now: datetime | None = None) -> list[ClockLine]:
    """Every clock of a ticket, in metric order, with a badge for the running ones (one query)."""
    now = now or clocks.current_time()
    order = {m: i for i, m in enumerate(Metric.values)}
    lines = []
    rows = sorted(SlaClock.objects.filter(ticket_id=ticket_id), key=lambda c: order.get(c.metric, 99))
    for clock in rows:
        badge = None
        if clock.state in RUNNING_STATES and clock.due_at is not None:
            badge = badge_for(
                metric=clock.metric,
                clock_state=clock.state,
                due_at=clock.due_at,
                warn_at=clock.warn_at,
                warned=clock.warned,
                business=clock.business,
                calendar=calendar_of_team(team_id) if clock.business else None,
                now=now,
            )
        lines.append(ClockLine(clock.metric, str(Metric(clock.metric).label), clock.state, badge))
    return lines


def duration_text(seconds: int) -> str:
    """ "2 h 05 min", "45 min" (translated)."""
    minutes = max(0, seconds) // 60
    hours, minutes = divmod(minutes, 60)
    if hours:
        return digits(_("%(hours)d h %(minutes)02d min") % {"hours": hours, "minutes": minutes})
    return digits(_("%(minutes)d min") % {"minutes": minutes})


def badge_text(badge: DueBadge) -> str:
    if badge.state == "breached":
        return _("Overdue %(time)s") % {"time": duration_text(badge.seconds)}
    return _("Due in %(time)s") % {"time": duration_text(badge.seconds)}


def badge_html(badge: DueBadge | None) -> SafeString:
    if badge is None:
        return mark_safe('<span class="text-secondary">—</span>')
    local = digits(badge.due_at.astimezone(RIYADH).strftime("%Y-%m-%d %H:%M"))
    title = escape(f"{Metric(badge.metric).label} · {local}")
    return mark_safe(  # noqa: S308 - every interpolated value is escaped or a constant
        f'<span class="badge {badge.css_class}" data-testid="due-badge" data-state="{badge.state}" '
        f'data-due="{escape(badge.due_at.isoformat())}" title="{title}">{escape(badge_text(badge))}</span>'
    )
