"""The live wallboard's figures (issue 17 item 3): what a call center's TV shows, read fresh on every refresh.

These are live counts of work in progress, not KPIs of closed periods: they read the open tickets (the waiting
line is routing's own definition, routing.selectors._waiting: new or open, nobody assigned, nobody answered yet)
and the agents' presence, with a handful of bounded aggregate queries. Today's volume is counted on the ticket
facts; "the usual for this hour" is the staffing forecast's hour-of-week profile (the mean of the last 8 weeks'
half-hours, peaks taken out: routing.selectors.channel_profile) summed from midnight to now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from awn.accounts.enums import STAFF_ROLES
from awn.accounts.models import Team, User
from awn.routing.enums import AgentState
from awn.routing.forecast import INTERVAL_MINUTES, slot_of
from awn.routing.models import AgentStatus
from awn.routing.selectors import CONNECTED_SECONDS, channel_profile
from awn.sla.business_time import RIYADH
from awn.tickets.enums import ACTIVE_STATUSES, Channel, Status
from awn.tickets.models import Ticket

from .models import TicketFact

AT_RISK_MINUTES = 30  # a running SLA clock due within this long is "at risk"
WAITING_STATUSES = (Status.NEW, Status.OPEN)


@dataclass(frozen=True)
class Line:
    """The contacts waiting in one channel and queue (team; None: no team yet)."""

    channel: str
    channel_label: str
    team_id: int | None
    team_name: str
    waiting: int
    longest_wait_seconds: int


@dataclass(frozen=True)
class Agents:
    available: int  # online with a workspace page open
    on_contact: int  # of them, with a live chat or a call in hand
    away: int
    offline: int


@dataclass(frozen=True)
class Sla:
    at_risk: int  # a running clock due within AT_RISK_MINUTES
    breached: int  # a running clock already past due


@dataclass(frozen=True)
class Volume:
    today: int
    usual: float | None  # None: no history yet

    @property
    def ratio(self) -> float | None:
        return None if not self.usual else self.today / self.usual


@dataclass
class Wallboard:
    at: datetime
    lines: list[Line] = field(default_factory=list)
    by_channel: list[tuple[str, int, int]] = field(default_factory=list)  # (label, waiting, longest seconds)
    waiting: int = 0
    longest_wait_seconds: int = 0
    agents: Agents = Agents(0, 0, 0, 0)
    sla: Sla = Sla(0, 0)
    volume: Volume = Volume(0, None)


def _seconds(since: datetime | None, now: datetime) -> int:
    return max(0, int((now - since).total_seconds())) if since else 0


def waiting_tickets(only_team_id: int | None = None) -> QuerySet[Ticket]:
    line = Ticket.objects.filter(
        status__in=WAITING_STATUSES, assignee__isnull=True, first_response_at__isnull=True, merged_into=None
    )
    return line.filter(team_id=only_team_id) if only_team_id is not None else line


def _lines(now: datetime, only_team_id: int | None) -> list[Line]:
    rows = (
        waiting_tickets(only_team_id)
        .order_by()
        .values("channel", "team_id")
        .annotate(n=Count("id"), oldest=Min("created_at"))
    )
    teams = dict(Team.objects.values_list("pk", "name"))
    labels = dict(Channel.choices)
    lines = [
        Line(
            channel=row["channel"],
            channel_label=str(labels.get(row["channel"], row["channel"])),
            team_id=row["team_id"],
            team_name=teams.get(row["team_id"], ""),
            waiting=row["n"],
            longest_wait_seconds=_seconds(row["oldest"], now),
        )
        for row in rows
    ]
    # The longest wait first: what needs someone now is at the top of the screen.
    return sorted(lines, key=lambda line: (-line.longest_wait_seconds, line.channel, line.team_id or 0))


def _by_channel(lines: list[Line]) -> list[tuple[str, int, int]]:
    totals: dict[str, list[int]] = {}
    for line in lines:
        total = totals.setdefault(line.channel_label, [0, 0])
        total[0] += line.waiting
        total[1] = max(total[1], line.longest_wait_seconds)
    return sorted(((label, n, longest) for label, (n, longest) in totals.items()), key=lambda t: -t[1])


def _agents(now: datetime, only_team_id: int | None) -> Agents:
    staff = User.objects.filter(is_active=True, role__in=STAFF_ROLES)
    if only_team_id is not None:
        staff = staff.filter(team_id=only_team_id)
    since = now - timedelta(seconds=CONNECTED_SECONDS)
    available = Q(state=AgentState.ONLINE, seen_at__gte=since)
    statuses = AgentStatus.objects.filter(user__in=staff)
    counts = statuses.aggregate(
        available=Count("user_id", filter=available),
        away=Count("user_id", filter=Q(state=AgentState.AWAY)),
    )
    on_contact = (
        Ticket.objects.filter(
            assignee_id__in=statuses.filter(available).values("user_id"),
            channel__in=(Channel.CHAT, Channel.PHONE),
            status__in=WAITING_STATUSES,
        )
        .values("assignee_id")
        .distinct()
        .count()
    )
    total = staff.count()
    available_n, away = counts["available"] or 0, counts["away"] or 0
    return Agents(available_n, on_contact, away, max(0, total - available_n - away))


def _sla(now: datetime, only_team_id: int | None) -> Sla:
    running = Ticket.objects.filter(status__in=ACTIVE_STATUSES - {Status.PENDING}, next_due_at__isnull=False)
    if only_team_id is not None:
        running = running.filter(team_id=only_team_id)
    counts = running.aggregate(
        breached=Count("id", filter=Q(next_due_at__lte=now)),
        at_risk=Count(
            "id", filter=Q(next_due_at__gt=now, next_due_at__lte=now + timedelta(minutes=AT_RISK_MINUTES))
        ),
    )
    return Sla(at_risk=counts["at_risk"] or 0, breached=counts["breached"] or 0)


def local_midnight(now: datetime) -> datetime:
    local = now.astimezone(RIYADH)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def usual_until(per_slot: tuple[float, ...], now: datetime) -> float:
    """The profile's contacts from local midnight to `now`: whole half-hours, plus the share of the current one
    already elapsed."""
    midnight = local_midnight(now)
    elapsed = (now.astimezone(RIYADH) - midnight).total_seconds()
    whole, part = divmod(elapsed, INTERVAL_MINUTES * 60)
    total = sum(
        per_slot[slot_of(midnight + timedelta(minutes=INTERVAL_MINUTES * i))] for i in range(int(whole))
    )
    current = per_slot[slot_of(midnight + timedelta(minutes=INTERVAL_MINUTES * int(whole)))]
    return total + current * part / (INTERVAL_MINUTES * 60)


def _volume(now: datetime, only_team_id: int | None) -> Volume:
    today = TicketFact.objects.filter(created_at__gte=local_midnight(now), created_at__lte=now)
    if only_team_id is not None:
        today = today.filter(team_id=only_team_id)
    count = today.count()
    if only_team_id is not None:
        return Volume(count, None)  # the forecast's profile is of every team together
    profile, _peaks = channel_profile("", now.astimezone(RIYADH).date())
    return Volume(count, usual_until(profile.per_slot, now) if profile.weeks_used else None)


def wallboard(only_team_id: int | None = None, now: datetime | None = None) -> Wallboard:
    now = now or timezone.now()
    lines = _lines(now, only_team_id)
    board = Wallboard(at=now, lines=lines, by_channel=_by_channel(lines))
    board.waiting = sum(line.waiting for line in lines)
    board.longest_wait_seconds = max((line.longest_wait_seconds for line in lines), default=0)
    board.agents = _agents(now, only_team_id)
    board.sla = _sla(now, only_team_id)
    board.volume = _volume(now, only_team_id)
    return board


def as_json(board: Wallboard) -> dict[str, Any]:
    return {
        "at": board.at.isoformat(),
        "waiting": board.waiting,
        "longest_wait_seconds": board.longest_wait_seconds,
        "lines": [line.__dict__ for line in board.lines],
        "agents": board.agents.__dict__,
        "sla": board.sla.__dict__,
        "volume": {"today": board.volume.today, "usual": board.volume.usual},
    }
