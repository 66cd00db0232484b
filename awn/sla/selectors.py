"""Reads: business calendars as rows (for pages) and as built business_time.Calendar objects (for arithmetic).

A built calendar is cached in the process per (calendar id, version, updated_at); every service that changes hours bumps the
version, so a hit is always current. Building takes two queries (overrides, holidays); a hit takes none when the
caller already holds the calendar row, one when it starts from a team.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from awn.accounts.models import Team

from .business_time import Calendar, Override, build_calendar, weekly_from_json
from .business_time import Holiday as HolidaySpan
from .models import BusinessCalendar, CalendarOverride, Holiday, SlaPolicy, TeamCalendar

# id → ((version, updated_at), built): updated_at joins the version so a row deleted and created again with the
# same id (SQLite reuses ids) or a rolled-back database is never mistaken for the cached one.
_built: dict[int, tuple[tuple[int, object], Calendar]] = {}
_lock = threading.Lock()


def _build(calendar: BusinessCalendar) -> Calendar:
    overrides = [
        Override(o.first_day, o.last_day, weekly_from_json(o.weekly_hours), o.name)
        for o in CalendarOverride.objects.filter(calendar=calendar)
    ]
    holidays = [
        HolidaySpan(first, last, name)
        for first, last, name in Holiday.objects.filter(
            Q(calendar__isnull=True) | Q(calendar=calendar)
        ).values_list("first_day", "last_day", "name_ar")
    ]
    return build_calendar(weekly_from_json(calendar.weekly_hours), overrides, holidays)


def calendar_for(calendar: BusinessCalendar) -> Calendar:
    """The built calendar for this row (its hours, overrides, its own and the national holidays)."""
    stamp = (calendar.version, calendar.updated_at)
    cached = _built.get(calendar.pk)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    built = _build(calendar)
    with _lock:
        _built[calendar.pk] = (stamp, built)
    return built


def team_calendar_rows() -> QuerySet[BusinessCalendar]:
    """The calendar of the ticket's team, else the default one, first: for a subquery on `team_id`."""
    return BusinessCalendar.objects.filter(
        Q(team_links__team_id=OuterRef("team_id")) | Q(is_default=True)
    ).order_by("is_default")


def calendar_for_stamp(calendar_id: int | None, stamp: tuple[int, object]) -> Calendar | None:
    """The built calendar when the caller read the row's id, version and updated_at with another row (the
    ticket, sla.clocks.load): no query on a hit; the row and the build on a miss."""
    if calendar_id is None:
        return None
    cached = _built.get(calendar_id)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    row = BusinessCalendar.objects.filter(pk=calendar_id).first()
    return calendar_for(row) if row is not None else None


def calendar_row_for_team(team_id: int | None) -> BusinessCalendar | None:
    """The team's calendar, else the default one (one query); None when there is no calendar at all."""
    rows = BusinessCalendar.objects.filter(is_default=True)
    if team_id is not None:
        rows = BusinessCalendar.objects.filter(Q(team_links__team_id=team_id) | Q(is_default=True))
    return rows.order_by("is_default").first()


def calendar_for_team(team_id: int | None) -> Calendar | None:
    row = calendar_row_for_team(team_id)
    return calendar_for(row) if row is not None else None


def default_calendar() -> BusinessCalendar | None:
    return BusinessCalendar.objects.filter(is_default=True).first()


@dataclass(frozen=True)
class CalendarRow:
    calendar: BusinessCalendar
    teams: list[Team]
    overrides: list[CalendarOverride]


def calendar_list() -> list[CalendarRow]:
    """Every calendar with the teams on it and its overrides (three queries)."""
    calendars = BusinessCalendar.objects.prefetch_related(
        Prefetch("team_links", queryset=TeamCalendar.objects.select_related("team").order_by("team__name")),
        Prefetch("overrides", queryset=CalendarOverride.objects.order_by("first_day")),
    )
    return [
        CalendarRow(c, [link.team for link in c.team_links.all()], list(c.overrides.all())) for c in calendars
    ]


def holiday_list(*, year: int | None = None, calendar: BusinessCalendar | None = None) -> QuerySet[Holiday]:
    """Holidays by first day; national ones and, given a calendar, its own."""
    rows = Holiday.objects.select_related("calendar")
    if year is not None:
        rows = rows.filter(first_day__year=year)
    if calendar is not None:
        rows = rows.filter(Q(calendar__isnull=True) | Q(calendar=calendar))
    return rows.order_by("first_day", "pk")


def teams_without_calendar() -> QuerySet[Team]:
    return Team.objects.exclude(pk__in=TeamCalendar.objects.values("team_id")).order_by("name")


def policy_conditions(policy: SlaPolicy) -> list[tuple[str, str]]:
    """(condition, its values) for the policies list; an empty list matches any ticket."""
    from awn.crm.enums import ContactType
    from awn.crm.models import Organization
    from awn.tickets.enums import Category, Channel, Priority

    def labels(values: list[str], choices: Any) -> str:
        names = dict(choices.choices)
        return "، ".join(str(names.get(v, v)) for v in values)

    rows: list[tuple[str, str]] = []
    if policy.categories:
        rows.append((str(_("categories")), labels(policy.categories, Category)))
    if policy.priorities:
        rows.append((str(_("priorities")), labels(policy.priorities, Priority)))
    if policy.channels:
        rows.append((str(_("channels")), labels(policy.channels, Channel)))
    if policy.contact_types:
        rows.append((str(_("contact types")), labels(policy.contact_types, ContactType)))
    if policy.team_ids:
        names = Team.objects.filter(pk__in=policy.team_ids).order_by("name").values_list("name", flat=True)
        rows.append((str(_("teams")), "، ".join(names)))
    if policy.organization_ids:
        schools = Organization.objects.filter(pk__in=policy.organization_ids).order_by("name")
        rows.append(
            (str(_("schools / education offices")), "، ".join(schools.values_list("name", flat=True)))
        )
    return rows


def policy_target_summary(policy: SlaPolicy) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per priority: (metric, "8 h (business)") for the policies list."""
    from awn.tickets.enums import Priority

    from .enums import Metric

    summary = []
    for priority in Priority.values:
        by_metric = policy.targets.get(priority) or {}
        cells = []
        for metric in Metric.values:
            spec = by_metric.get(metric)
            if spec:
                hours = int(spec["minutes"]) / 60
                text = f"{hours:g}"
                kind = _("business hours") if spec.get("business", True) else _("calendar hours")
                cells.append((str(Metric(metric).label), f"{text} {kind}"))
        if cells:
            summary.append((str(Priority(priority).label), cells))
    return summary
