"""Reads of the analytics app: what the handlers need from the ticket tables (one row, by primary key) and the
facts the reports read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncHour

from awn.accounts.models import Team, User
from awn.crm.enums import OrganizationKind
from awn.crm.models import Contact, Organization
from awn.tickets.models import Ticket
from awn.tickets.policies import visible_tickets

from .models import DailyRollup, RollupDelta, TicketFact
from .rollup_schema import HOURS, NO_TEAM_ID, VALUE_COLUMNS
from .rollups import REPORT_TZ


def ticket_snapshot(ticket_id: int) -> tuple[datetime, dict[str, Any]] | None:
    """The dimensions of a new ticket (one query): channel, category, priority, team and its kind, school and
    education office."""
    row = (
        Ticket.objects.filter(pk=ticket_id)
        .values(
            "created_at",
            "channel",
            "category",
            "priority",
            "status",
            "requester_id",
            "team_id",
            "team__kind",
            "assignee_id",
            "organization_id",
            "organization__kind",
            "organization__parent_id",
        )
        .first()
    )
    if row is None:
        return None
    school_id = office_id = None
    if row["organization_id"] is not None:
        if row["organization__kind"] == OrganizationKind.EDUCATION_OFFICE:
            office_id = row["organization_id"]
        else:
            school_id, office_id = row["organization_id"], row["organization__parent_id"]
    payload = {
        "channel": row["channel"],
        "category": row["category"],
        "priority": row["priority"],
        "status": row["status"],
        "requester_id": row["requester_id"],
        "team_id": row["team_id"],
        "team_kind": row["team__kind"] or "",
        "assignee_id": row["assignee_id"],
        "school_id": school_id,
        "education_office_id": office_id,
    }
    return row["created_at"], payload


def ticket_fields(ticket_id: int, fields: Iterable[str]) -> dict[str, Any]:
    return Ticket.objects.filter(pk=ticket_id).values(*fields).first() or {}


def team_kind(team_id: int | None) -> str:
    if team_id is None:
        return ""
    return Team.objects.filter(pk=team_id).values_list("kind", flat=True).first() or ""


# --- the reports: facts filtered by period and dimensions ------------------------------------------------------

NO_TEAM = "none"
GROUP_COLUMNS = ("team_id", "team_kind", "channel", "category", "school_id", "education_office_id")


@dataclass(frozen=True)
class ReportFilter:
    """A period of whole days in Riyadh time (both ends included) and optional dimensions."""

    start: date
    end: date
    team: str = ""  # a team id, NO_TEAM, or "" for every team
    team_kind: str = ""
    channel: str = ""
    category: str = ""
    day: date | None = None  # drill-down: one day of the trend
    weekday: int | None = None  # drill-down: one cell of the heatmap (ISO weekday 1–7, hour 0–23)
    hour: int | None = None
    group: str = ""  # drill-down: one row of the breakdown (a fact column and its value, "none" for empty)
    value: str = ""

    def bounds(self) -> tuple[datetime, datetime]:
        first = self.day or self.start
        last = self.day or self.end
        return (
            datetime.combine(first, time.min, tzinfo=REPORT_TZ),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=REPORT_TZ),
        )


def report_facts(flt: ReportFilter, *, only_team_id: int | None) -> QuerySet[TicketFact]:
    """The facts a report shows: this period and these dimensions, within what the reader may see."""
    lower, upper = flt.bounds()
    facts = TicketFact.objects.filter(created_at__gte=lower, created_at__lt=upper)
    if only_team_id is not None:
        facts = facts.filter(team_id=only_team_id)
    if flt.team == NO_TEAM:
        facts = facts.filter(team_id__isnull=True)
    elif flt.team:
        facts = facts.filter(team_id=int(flt.team))
    for name in ("team_kind", "channel", "category"):
        value = getattr(flt, name)
        if value:
            facts = facts.filter(**{name: value})
    if flt.group in GROUP_COLUMNS and flt.value:
        column = flt.group
        if flt.value == NO_TEAM:
            facts = facts.filter(
                **{f"{column}__in": ["", None]} if column == "team_kind" else {f"{column}__isnull": True}
            )
        elif column.endswith("_id"):
            facts = (
                facts.filter(**{column: int(flt.value)})
                if flt.value.isdigit() and len(flt.value) < 18
                else facts.none()
            )
        else:
            facts = facts.filter(**{column: flt.value})
    if flt.weekday is not None and flt.hour is not None:
        facts = facts.annotate(
            weekday=ExtractIsoWeekDay("created_at", tzinfo=REPORT_TZ),
            hour=ExtractHour("created_at", tzinfo=REPORT_TZ),
        ).filter(weekday=flt.weekday, hour=flt.hour)
    return facts


ROLLUP_DIMENSIONS = ("team_id", "team_kind", "channel", "category")


def rollups_cover(flt: ReportFilter, by: str) -> bool:
    """Whether the daily rollups can answer this report: its filters and breakdown are rollup dimensions (not a
    school, an office or an hour of the week)."""
    return by in ROLLUP_DIMENSIONS and flt.weekday is None and flt.hour is None and not flt.group


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def period_rows(first: date, last: date, *, days_only: bool = False) -> Q:
    """The stored rows that cover the days first..last once: the whole months inside from the month rows, the
    days before and after them from the day rows (a year: ~12 + 30 rows per key instead of 365)."""
    days = Q(monthly=False, day__gte=first, day__lte=last)
    start = first if first.day == 1 else _next_month(first)
    end = start  # the first day after the whole months
    while _next_month(end) - timedelta(days=1) <= last:
        end = _next_month(end)
    if days_only or end == start:
        return days
    covered = Q(monthly=True, day__gte=start, day__lt=end)
    if first < start:
        covered |= Q(monthly=False, day__gte=first, day__lt=start)
    if end <= last:
        covered |= Q(monthly=False, day__gte=end, day__lte=last)
    return covered


def _by_dimensions(rows: QuerySet[Any], flt: ReportFilter, only_team_id: int | None) -> QuerySet[Any]:
    if only_team_id is not None:
        rows = rows.filter(team_id=only_team_id)
    if flt.team == NO_TEAM:
        rows = rows.filter(team_id=NO_TEAM_ID)
    elif flt.team:
        rows = rows.filter(team_id=int(flt.team))
    for name in ("team_kind", "channel", "category"):
        value = getattr(flt, name)
        if value:
            rows = rows.filter(**{name: value})
    return rows.order_by()


def _rollup_rows(
    flt: ReportFilter, only_team_id: int | None, *, days_only: bool = False
) -> tuple[QuerySet[DailyRollup], QuerySet[RollupDelta]]:
    """The stored rows of the report's period and dimensions, and the pending deltas of its days."""
    first, last = (flt.day, flt.day) if flt.day else (flt.start, flt.end)
    stored = DailyRollup.objects.filter(period_rows(first, last, days_only=days_only))
    pending = RollupDelta.objects.filter(day__gte=first, day__lte=last)
    return _by_dimensions(stored, flt, only_team_id), _by_dimensions(pending, flt, only_team_id)


def _summed_by(
    rows: tuple[QuerySet[DailyRollup], QuerySet[RollupDelta]], dimension: str, columns: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The rollup rows and the pending deltas summed per value of `dimension`, in ONE statement (UNION ALL of
    the two sums): one snapshot, so a fold that commits meanwhile (deltas moved into the rows) neither drops
    nor doubles a figure. Values whose counters add up to nothing (every ticket moved away, not yet folded) are
    left out, as the rebuild writes no such row."""
    # Annotations may not reuse a field's name: summed as s_<column>, handed back as <column>.
    sums = {f"s_{c}": Sum(c) for c in columns}
    stored, pending = (part.values(dimension).annotate(**sums).order_by() for part in rows)
    total: dict[Any, list[int]] = {}
    for row in stored.union(pending, all=True):
        into = total.setdefault(row[dimension], [0] * len(columns))
        for i, c in enumerate(columns):
            into[i] += int(row[f"s_{c}"] or 0)
    return [
        {dimension: value, **dict(zip(columns, counts, strict=True))}
        for value, counts in sorted(total.items())
        if any(counts)
    ]


def rollup_breakdown(flt: ReportFilter, *, only_team_id: int | None, by: str) -> list[dict[str, Any]]:
    """Every rollup counter summed per value of `by` over the report's rows and pending deltas (one query); a
    team of none is handed back as None, like the facts'."""
    rows = _summed_by(_rollup_rows(flt, only_team_id), by, VALUE_COLUMNS)
    if by == "team_id":
        for row in rows:
            row["team_id"] = None if row["team_id"] == NO_TEAM_ID else row["team_id"]
    return rows


def rollup_volume_by_day_and_hour_of_week(
    flt: ReportFilter, *, only_team_id: int | None
) -> tuple[dict[date, tuple[int, int]], dict[tuple[int, int], int]]:
    """volume_by_day_and_hour_of_week from the rollups and pending deltas (one query: tickets, resolved and the
    24 hours per day)."""
    daily: dict[date, tuple[int, int]] = {}
    cells: dict[tuple[int, int], int] = {}
    rows = _rollup_rows(flt, only_team_id, days_only=True)
    for row in _summed_by(rows, "day", ("tickets", "resolved", *HOURS)):
        day: date = row["day"]
        daily[day] = (row["tickets"], row["resolved"])
        weekday = day.isoweekday()
        for hour, column in enumerate(HOURS):
            if row[column]:
                cells[weekday, hour] = cells.get((weekday, hour), 0) + row[column]
    return daily, cells


def volume_by_day_and_hour_of_week(
    facts: QuerySet[TicketFact],
) -> tuple[dict[date, tuple[int, int]], dict[tuple[int, int], int]]:
    """Tickets created per Riyadh day (and how many of them are resolved), and per (ISO weekday, hour): both
    from one query grouped by local hour, duplicates left out."""
    rows = (
        facts.filter(merged_into_id__isnull=True)
        .annotate(local_hour=TruncHour("created_at", tzinfo=REPORT_TZ))
        .order_by()
        .values("local_hour")
        .annotate(n=Count("pk"), resolved=Count("pk", filter=Q(resolved_at__isnull=False)))
    )
    daily: dict[date, tuple[int, int]] = {}
    cells: dict[tuple[int, int], int] = {}
    for row in rows:
        local = row["local_hour"].astimezone(REPORT_TZ)
        n, resolved = daily.get(local.date(), (0, 0))
        daily[local.date()] = (n + row["n"], resolved + row["resolved"])
        key = (local.isoweekday(), local.hour)
        cells[key] = cells.get(key, 0) + row["n"]
    return daily, cells


def team_choices(only_team_id: int | None) -> list[tuple[int, str, str]]:
    teams = Team.objects.order_by("name")
    if only_team_id is not None:
        teams = teams.filter(pk=only_team_id)
    return list(teams.values_list("pk", "name", "kind"))


def organization_names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(Organization.objects.filter(pk__in=wanted).values_list("pk", "name"))


def ticket_subjects(user: User, ids: list[int]) -> dict[int, str]:
    """Subjects of the tickets listed on a drill-down page, among those the reader may see (one query)."""
    if not ids:
        return {}
    return dict(visible_tickets(user, Ticket.objects.filter(pk__in=ids)).values_list("pk", "subject"))


def requester_identities(ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {
        pk: (name, nid)
        for pk, name, nid in Contact.objects.filter(pk__in=wanted).values_list("pk", "name", "national_id")
    }


def subscriptions_for(user: User) -> list[Any]:
    """The scheduled reports a user manages (an administrator: everyone's), each with its last delivery."""
    from .models import ReportDelivery, ReportSubscription

    rows = ReportSubscription.objects.select_related("owner").order_by("-created_at")
    if user.role != "admin":
        rows = rows.filter(owner=user)
    subscriptions = list(rows)
    last: dict[int, Any] = {}
    for delivery in ReportDelivery.objects.filter(subscription__in=subscriptions).order_by("period_start"):
        last[delivery.subscription_id] = delivery
    for sub in subscriptions:
        sub.last_delivery = last.get(sub.pk)  # type: ignore[attr-defined]
    return subscriptions
