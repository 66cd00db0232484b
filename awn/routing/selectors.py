"""Reads of routing: who is available and how loaded, known peaks, the forecast per half-hour and the what-if staffing plan built on it."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, Count, IntegerField, Min, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from awn.accounts.enums import STAFF_ROLES, Role, TeamKind
from awn.accounts.models import User
from awn.core.channels import LIVE, VOICE
from awn.tickets.enums import PRIORITY_RANK, Channel, Status
from awn.tickets.models import Ticket

from . import erlang
from .engine import Candidate
from .enums import AgentState
from .forecast import DEFAULT_WEEKS, RIYADH, Peak, Profile, build_profile, forecast_day
from .models import (
    AgentSkill,
    AgentStatus,
    IntervalVolume,
    OfferState,
    OverflowRule,
    PeakEvent,
    RoutingDecision,
    RoutingOffer,
)
from .wait import queue_wait_seconds

PEAKS_SHOWN = 50


def peak_list() -> QuerySet[PeakEvent]:
    """The latest peaks first (bounded: the page shows PEAKS_SHOWN)."""
    return PeakEvent.objects.order_by("-first_day", "-id")[:PEAKS_SHOWN]


def peaks_between(first: date, last: date) -> list[Peak]:
    rows = PeakEvent.objects.filter(first_day__lte=last, last_day__gte=first).values_list(
        "first_day", "last_day", "multiplier", "channel"
    )
    return [Peak(f, lday, float(m), c) for f, lday, m, c in rows]


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=RIYADH)


def channel_profile(channel: str, day: date, weeks: int = DEFAULT_WEEKS) -> tuple[Profile, list[Peak]]:
    """The hour-of-week profile of `channel` ("" = every channel) from the `weeks` before `day`, and the peaks
    that touch the history or the day. Two queries on the stored half-hourly counts, bounded by 336 × weeks rows
    per channel."""
    start = day - timedelta(weeks=weeks)
    volumes = IntervalVolume.objects.filter(start__gte=_local_midnight(start), start__lt=_local_midnight(day))
    first_seen = IntervalVolume.objects.all()
    if channel:
        volumes = volumes.filter(channel=channel)
        first_seen = first_seen.filter(channel=channel)
    counts: dict[datetime, float] = {}
    for moment, total in (
        volumes.values("start").annotate(total=Sum("contacts")).values_list("start", "total")
    ):
        counts[moment] = float(total)
    earliest = first_seen.aggregate(first=Min("start"))["first"]
    peaks = peaks_between(start, day)
    if channel:
        peaks = [p for p in peaks if not p.channel or p.channel == channel]
    else:
        # Every channel together: only the peaks of every channel apply to the sum.
        peaks = [p for p in peaks if not p.channel]
    history_starts = earliest.astimezone(RIYADH).date() if earliest else day
    profile = build_profile(
        counts, channel=channel, first_day=day, weeks=weeks, peaks=peaks, history_starts=history_starts
    )
    return profile, peaks


@dataclass(frozen=True)
class StaffingParams:
    day: date
    channel: str = ""
    volume_multiplier: float = 1.0
    aht_seconds: int = 180
    target_service_level: float = 0.8
    target_seconds: int = 20
    shrinkage: float = 0.3
    patience_seconds: int | None = None  # None: Erlang C; else Erlang A
    max_occupancy: float | None = None


@dataclass(frozen=True)
class IntervalPlan:
    start: datetime
    contacts: float
    peak_multiplier: float
    traffic: float
    agents: int
    scheduled: int
    service_level: float
    asa_seconds: float
    occupancy: float
    abandon_probability: float


@dataclass(frozen=True)
class StaffingPlan:
    params: StaffingParams
    profile: Profile
    rows: list[IntervalPlan]

    @property
    def contacts(self) -> float:
        return sum(r.contacts for r in self.rows)

    @property
    def peak_scheduled(self) -> int:
        return max((r.scheduled for r in self.rows), default=0)

    @property
    def peak_agents(self) -> int:
        return max((r.agents for r in self.rows), default=0)

    @property
    def scheduled_hours(self) -> float:
        return sum(r.scheduled for r in self.rows) * 0.5

    @property
    def has_history(self) -> bool:
        return self.profile.weeks_used > 0


def staffing_plan(params: StaffingParams) -> StaffingPlan:
    """Forecast the day's 48 half-hours, then the agents each needs for the target (Erlang C, or Erlang A when a
    patience is given), ASA and occupancy, and the agents to schedule once shrinkage is added."""
    profile, peaks = channel_profile(params.channel, params.day)
    rows = []
    for interval in forecast_day(profile, params.day, peaks, params.volume_multiplier):
        traffic = erlang.traffic_intensity(interval.contacts, 30 * 60, params.aht_seconds)
        if params.patience_seconds:
            plan = erlang.agents_for_service_level_erlang_a(
                traffic,
                params.aht_seconds,
                params.patience_seconds,
                params.target_service_level,
                params.target_seconds,
                params.shrinkage,
                params.max_occupancy,
            )
        else:
            plan = erlang.agents_for_service_level(
                traffic,
                params.aht_seconds,
                params.target_service_level,
                params.target_seconds,
                params.shrinkage,
                params.max_occupancy,
            )
        perf = plan.performance
        rows.append(
            IntervalPlan(
                start=interval.start,
                contacts=interval.contacts,
                peak_multiplier=interval.peak_multiplier,
                traffic=traffic,
                agents=plan.agents,
                scheduled=plan.scheduled,
                service_level=perf.service_level,
                asa_seconds=perf.asa_seconds if math.isfinite(perf.asa_seconds) else 0.0,
                occupancy=perf.occupancy,
                abandon_probability=perf.abandon_probability,
            )
        )
    return StaffingPlan(params, profile, rows)


# ---- presence and load -----------------------------------------------------------------------------------------

# A page reports every 60 s (realtime's SEEN_EVERY_SECONDS): without news for this long, nobody is connected.
CONNECTED_SECONDS = 150
# Work in hand: tickets an agent is answering now (waiting on the customer or on hold does not count).
IN_HAND_STATUSES = (Status.NEW, Status.OPEN)
AGENTS_PER_PAGE = 50


def unavailable_user_ids() -> QuerySet[AgentStatus, int]:
    """Agents who said they are away or offline (or a rule did): a subquery for chat's "who is online".
    An agent without a row has never used presence and keeps the old meaning (connected = available)."""
    return AgentStatus.objects.exclude(state=AgentState.ONLINE).values_list("user_id", flat=True)


def available_user_ids(now: datetime | None = None) -> QuerySet[AgentStatus, int]:
    """Online and connected (a workspace page reported in the last CONNECTED_SECONDS)."""
    since = (now or timezone.now()) - timedelta(seconds=CONNECTED_SECONDS)
    return AgentStatus.objects.filter(state=AgentState.ONLINE, seen_at__gte=since).values_list(
        "user_id", flat=True
    )


def load_channel(channel: str) -> str:
    """Which capacity a channel's tickets take: calls (voice), chats (live), or tickets (the rest)."""
    kind = Channel.get(channel)
    if kind is not None and kind.can(VOICE):
        return "calls"
    if kind is not None and kind.can(LIVE):
        return "chats"
    return "tickets"


@dataclass(frozen=True)
class AgentRow:
    user: User
    state: str
    state_label: str
    state_since: datetime | None
    automatic: bool
    connected: bool
    last_activity_at: datetime | None
    chats: int
    calls: int
    tickets: int
    chat_capacity: int
    call_capacity: int
    ticket_capacity: int


def agent_board_users() -> QuerySet[User]:
    """Active staff by user name: the supervisor's board (paginated by the view)."""
    return (
        User.objects.filter(is_active=True, role__in=STAFF_ROLES)
        .select_related("team", "routing_status")
        .order_by("username")
    )


def agent_rows(users: list[User], now: datetime | None = None) -> list[AgentRow]:
    """The board's rows for one page of users: their state and their work in hand per channel. One grouped
    query for the load, whatever the number of agents."""
    now = now or timezone.now()
    since = now - timedelta(seconds=CONNECTED_SECONDS)
    load: dict[int, dict[str, int]] = {u.pk: {"chats": 0, "calls": 0, "tickets": 0} for u in users}
    grouped = (
        Ticket.objects.filter(assignee__in=[u.pk for u in users], status__in=IN_HAND_STATUSES)
        .order_by()
        .values("assignee_id", "channel")
        .annotate(n=Count("id"))
    )
    for row in grouped:
        load[row["assignee_id"]][load_channel(row["channel"])] += row["n"]
    rows = []
    labels = dict(AgentState.choices)
    for user in users:
        status = getattr(user, "routing_status", None)
        state = status.state if status else AgentState.OFFLINE
        rows.append(
            AgentRow(
                user=user,
                state=state,
                state_label=str(labels[state]),
                state_since=status.state_since if status else None,
                automatic=status.automatic if status else False,
                connected=bool(status and status.seen_at and status.seen_at >= since),
                last_activity_at=status.last_activity_at if status else None,
                chat_capacity=status.chat_capacity if status else 3,
                call_capacity=status.call_capacity if status else 1,
                ticket_capacity=status.ticket_capacity if status else 20,
                **load[user.pk],
            )
        )
    return rows


def state_counts(now: datetime | None = None) -> dict[str, int]:
    """How many staff are online (and connected), away, offline: the board's header and the wallboard."""
    since = (now or timezone.now()) - timedelta(seconds=CONNECTED_SECONDS)
    counts = AgentStatus.objects.aggregate(
        online=Count("user_id", filter=Q(state=AgentState.ONLINE, seen_at__gte=since)),
        away=Count("user_id", filter=Q(state=AgentState.AWAY)),
    )
    return {"online": counts["online"] or 0, "away": counts["away"] or 0}


# ---- live estimated wait -----------------------------------------------------------------------------------------


class _GroupChannels(Mapping[str, tuple[str, ...]]):
    """Which channels share which capacity (and which line): live chats, calls, and every other ticket. Read from
    the channel registry when asked (channels register when Django starts, after this module is imported)."""

    groups = ("chats", "calls", "tickets")

    def __getitem__(self, group: str) -> tuple[str, ...]:
        if group not in self.groups:
            raise KeyError(group)
        return tuple(c for c in Channel.values if load_channel(c) == group)

    def __iter__(self) -> Iterator[str]:
        return iter(self.groups)

    def __len__(self) -> int:
        return len(self.groups)


GROUP_CHANNELS: Mapping[str, tuple[str, ...]] = _GroupChannels()
CAPACITY_FIELD = {"chats": "chat_capacity", "calls": "call_capacity", "tickets": "ticket_capacity"}
DEFAULT_HANDLE_SECONDS = {"chats": 180, "calls": 180, "tickets": 600}
WAITING_STATUSES = (Status.NEW, Status.OPEN)
SNAPSHOT_SECONDS = 10


def handle_seconds_for(group: str) -> float:
    """Average handle time per group (AWN_ROUTING_HANDLE_SECONDS overrides: {"tickets": 900})."""
    configured = getattr(settings, "AWN_ROUTING_HANDLE_SECONDS", {}) or {}
    return float(configured.get(group, DEFAULT_HANDLE_SECONDS[group]))


@dataclass(frozen=True)
class Capacity:
    agents: int  # available: online and connected, with room for this group
    slots: int  # Σ their capacity for this group (chats at once…)
    busy: int  # contacts of this group in their hands now


def group_capacity(group: str, now: datetime | None = None) -> Capacity:
    """Available agents, their slots and how many are taken, for one group; cached SNAPSHOT_SECONDS (a surge's
    thousands of portal views do not each count agents). Two queries on a miss."""
    key = f"routing-capacity:{group}"
    cached = cache.get(key)
    if cached is not None:
        return Capacity(*cached)
    field = CAPACITY_FIELD[group]
    available = AgentStatus.objects.filter(user_id__in=available_user_ids(now), **{f"{field}__gt": 0})
    totals = available.aggregate(agents=Count("user_id"), slots=Sum(field))
    busy = (
        0
        if group == "tickets"
        else Ticket.objects.filter(
            assignee_id__in=available.values("user_id"),
            channel__in=GROUP_CHANNELS[group],
            status__in=IN_HAND_STATUSES,
        ).count()
    )
    agents = totals["agents"] or 0
    if group == "tickets":
        # Tickets in hand are a backlog, not parallel work: each available agent answers one at a time and is
        # always busy with the ones already theirs.
        capacity = Capacity(agents, agents, agents)
    else:
        capacity = Capacity(agents, totals["slots"] or 0, busy)
    cache.set(key, (capacity.agents, capacity.slots, capacity.busy), SNAPSHOT_SECONDS)
    return capacity


def _waiting(group: str) -> QuerySet[Ticket]:
    """The line of a group: tickets nobody has taken or answered yet (a chat still with the assistant, held from
    routing, is not waiting for an agent)."""
    return Ticket.objects.filter(
        channel__in=GROUP_CHANNELS[group],
        status__in=WAITING_STATUSES,
        assignee__isnull=True,
        first_response_at__isnull=True,
        routing_hold__isnull=True,
    )


@dataclass(frozen=True)
class WaitEstimate:
    group: str
    position: int
    agents: int
    seconds: int | None  # None: nobody available now

    @property
    def minutes(self) -> int:
        return max(1, math.ceil((self.seconds or 0) / 60))


def wait_for_position(
    group: str, position: int, handle_seconds: float | None = None, now: datetime | None = None
) -> WaitEstimate:
    """The estimate for the contact at `position` in a group's line (chat passes its own measured AHT)."""
    capacity = group_capacity(group, now)
    seconds = queue_wait_seconds(
        position, capacity.slots, capacity.busy, handle_seconds or handle_seconds_for(group)
    )
    return WaitEstimate(group, position, capacity.agents, seconds)


def ticket_wait(ticket: Ticket) -> WaitEstimate | None:
    """For the person who opened `ticket`: None once someone took or answered it; else their place in the line of
    its channel group and the estimate (the portal shows it)."""
    if ticket.status not in WAITING_STATUSES or ticket.assignee_id or ticket.first_response_at:
        return None
    group = load_channel(ticket.channel)
    ahead = _waiting(group).filter(
        Q(created_at__lt=ticket.created_at) | Q(created_at=ticket.created_at, pk__lt=ticket.pk)
    )
    return wait_for_position(group, ahead.count() + 1)


def wait_for_new_contact(channel: str) -> WaitEstimate:
    """For someone writing now (an auto-reply): the end of the line of the channel's group."""
    group = load_channel(channel)
    return wait_for_position(group, _waiting(group).count() + 1)


@dataclass(frozen=True)
class LiveWait:
    group: str
    waiting: int
    agents: int
    slots: int
    busy: int
    next_wait_seconds: int | None  # a contact arriving now
    oldest_waiting_since: datetime | None
    planning_asa_seconds: float | None  # Erlang C ASA for the last half-hour's arrivals on these slots


def live_waits(now: datetime | None = None) -> list[LiveWait]:
    """Per group (chats, calls, tickets): the line, the agents, the estimate for the next arrival, the oldest
    waiting, and Erlang C's ASA for the last half-hour's arrival rate — what a wallboard shows. Bounded: a few
    aggregate queries per group."""
    now = now or timezone.now()
    out = []
    for group, channels in GROUP_CHANNELS.items():
        capacity = group_capacity(group, now)
        line = _waiting(group).aggregate(n=Count("id"), oldest=Min("created_at"))
        waiting = line["n"] or 0
        handle = handle_seconds_for(group)
        arrivals = (
            IntervalVolume.objects.filter(
                channel__in=channels, start__gte=now - timedelta(minutes=60)
            ).aggregate(n=Sum("contacts"))["n"]
            or 0
        ) / 2  # the last hour's two half-hours, per half-hour
        asa: float | None = None
        if capacity.slots:
            perf = erlang.erlang_c_performance(
                capacity.slots, erlang.traffic_intensity(arrivals, 1800, handle), handle, 20
            )
            asa = perf.asa_seconds if math.isfinite(perf.asa_seconds) else None
        out.append(
            LiveWait(
                group=group,
                waiting=waiting,
                agents=capacity.agents,
                slots=capacity.slots,
                busy=capacity.busy,
                next_wait_seconds=queue_wait_seconds(waiting + 1, capacity.slots, capacity.busy, handle),
                oldest_waiting_since=line["oldest"],
                planning_asa_seconds=asa,
            )
        )
    return out


# ---- skills routing ------------------------------------------------------------------------------------------------

DECISIONS_SHOWN = 100


def routing_candidates(group: str, now: datetime | None = None) -> list[Candidate]:
    """Available agents with a capacity for `group`, their skills, work in hand and last routed time: three
    queries of plain values (no model instances: 500 agents read in a few milliseconds)."""
    field = CAPACITY_FIELD[group]
    rows = list(
        AgentStatus.objects.filter(user_id__in=available_user_ids(now), **{f"{field}__gt": 0}).values_list(
            "user_id", field, "last_routed_at", "user__role", "user__team__kind", "user__team__categories"
        )
    )
    ids = [row[0] for row in rows]
    skills: dict[int, set[tuple[str, str]]] = {i: set() for i in ids}
    for user_id, kind, value in AgentSkill.objects.filter(user_id__in=ids).values_list(
        "user_id", "kind", "value"
    ):
        skills[user_id].add((kind, value))
    load = dict(
        Ticket.objects.filter(
            assignee_id__in=ids, channel__in=GROUP_CHANNELS[group], status__in=IN_HAND_STATUSES
        )
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    out = []
    for user_id, capacity, last_routed, role, team_kind, team_categories in rows:
        # As accounts.policies.covered_categories: an outsourced team's agents only its contract's categories.
        restricted = role not in (Role.SUPERVISOR, Role.ADMIN) and team_kind == TeamKind.OUTSOURCED
        out.append(
            Candidate(
                user_id=user_id,
                load=load.get(user_id, 0),
                capacity=capacity,
                last_routed=last_routed.timestamp() if last_routed else 0.0,
                skills=frozenset(skills[user_id]),
                categories=frozenset(team_categories or ()) if restricted else None,
            )
        )
    return out


def waiting_line(group: str, limit: int = 200) -> list[int]:
    """The next tickets of a group to route: most urgent first, then the oldest."""
    rank = Case(
        *(When(priority=p, then=Value(-r)) for p, r in PRIORITY_RANK.items()),
        default=Value(0),
        output_field=IntegerField(),
    )
    return list(_waiting(group).order_by(rank, "created_at", "pk").values_list("pk", flat=True)[:limit])


def skills_text(user_ids: list[int]) -> dict[int, str]:
    """ "category:registration, language:ar" per agent (the board's editable field)."""
    texts: dict[int, list[str]] = {i: [] for i in user_ids}
    for user_id, kind, value in (
        AgentSkill.objects.filter(user_id__in=user_ids)
        .order_by("kind", "value")
        .values_list("user_id", "kind", "value")
    ):
        texts[user_id].append(f"{kind}:{value}")
    return {i: ", ".join(t) for i, t in texts.items()}


def recent_decisions() -> QuerySet[RoutingDecision]:
    return RoutingDecision.objects.select_related("ticket", "agent").order_by("-decided_at", "-id")[
        :DECISIONS_SHOWN
    ]


def overflow_rules() -> QuerySet[OverflowRule]:
    """Every category's overflow rule (at most one per category: a bounded list)."""
    return OverflowRule.objects.select_related("updated_by").order_by("category")


OFFERS_SHOWN = 20


def pending_offers(user: User) -> QuerySet[RoutingOffer]:
    """The contacts offered to `user` and not yet accepted, soonest to expire first."""
    return (
        RoutingOffer.objects.filter(agent=user, state=OfferState.PENDING)
        .select_related("ticket")
        .order_by("expires_at")[:OFFERS_SHOWN]
    )
