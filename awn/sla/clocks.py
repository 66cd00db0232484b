"""SLA clocks: the writes that open, pause, resume, fulfil and reschedule them, each recorded as a metric event row.

Called by the sync reactions of awn/sla/handlers.py, inside the ticket write's transaction (a ticket never exists
without its clocks). A clock's running time is `used_seconds` (counted up to `resumed_at`) plus the time since
`resumed_at`, in business seconds on the ticket's team calendar or in calendar seconds, as its target says:

    due_at  = resumed_at + (target - used)
    warn_at = resumed_at + (target * warning% - used)     (until the warning is sent)

so pausing, a priority change (a new target counted from the original start) and a calendar edit are the same
computation. `Ticket.next_due_at` is the earliest due time of the running clocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max, Q, Subquery, Sum, Value
from django.utils import timezone

from awn.tickets.enums import Status
from awn.tickets.models import Ticket

from . import selectors
from .business_time import Calendar, add_business_seconds, business_seconds_between
from .enums import RUNNING_STATES, ClockState, Metric, MetricEventKind
from .matching import PolicySpec, Target, TicketFacts, match_policy, pause_statuses_of, targets_of
from .models import SlaClock, SlaMetricEvent, SlaPolicy

STOPPED_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})
# Resolving fulfils these (reopening resumes them where they stood); the reply clocks only stop.
FULFILLED_BY_RESOLVING = frozenset({Metric.FIRST_REPLY, Metric.RESOLUTION, Metric.REQUESTER_WAIT})
# Opened with the ticket; next reply and periodic update start with the conversation.
OPENED_AT_CREATION = (Metric.FIRST_REPLY, Metric.RESOLUTION, Metric.REQUESTER_WAIT)
CLOCK_FIELDS = [
    "state",
    "target_seconds",
    "business",
    "started_at",
    "resumed_at",
    "used_seconds",
    "due_at",
    "warn_at",
    "warned",
    "paused_at",
    "fulfilled_at",
    "breached_at",
]


def current_time() -> datetime:
    """Now (tests replace it to put a ticket at 23:00 on a Thursday)."""
    return timezone.now()


# --- policies ------------------------------------------------------------------------------------------------


def spec_of(policy: SlaPolicy) -> PolicySpec:
    return PolicySpec(
        id=policy.pk,
        name=policy.name,
        version=policy.version,
        is_default=policy.is_default,
        is_active=policy.is_active,
        categories=frozenset(policy.categories or ()),
        priorities=frozenset(policy.priorities or ()),
        channels=frozenset(policy.channels or ()),
        contact_types=frozenset(policy.contact_types or ()),
        team_ids=frozenset(int(t) for t in policy.team_ids or ()),
        organization_ids=frozenset(int(o) for o in policy.organization_ids or ()),
        targets=policy.targets or {},
        pause_statuses=tuple(policy.pause_statuses or ()),
        warning_percent=policy.warning_percent,
        hold_alerts_outside_hours=policy.hold_alerts_outside_hours,
    )


def active_policies() -> list[PolicySpec]:
    """Every active policy in matching order (one query)."""
    return [
        spec_of(p) for p in SlaPolicy.objects.filter(is_active=True).order_by("is_default", "position", "pk")
    ]


# The policies as of a stamp of the whole table (count, newest change, sum of versions, highest id), read with
# the ticket by `load`: a creation matches them without reading them. Any save, deletion or new policy changes
# the stamp in every process at once, since each reads it from the database.
def _policies_table(aggregate: Any) -> Subquery:
    whole_table = SlaPolicy.objects.order_by().annotate(one=Value(1)).values("one")
    return Subquery(whole_table.annotate(value=aggregate).values("value")[:1])


POLICIES_STAMP = {
    "sla_policies_count": Count("pk"),
    "sla_policies_changed": Max("updated_at"),
    "sla_policies_versions": Sum("version"),
    "sla_policies_last_id": Max("pk"),
}
_policies: dict[tuple[Any, ...], list[PolicySpec]] = {}


def policies_stamp(ticket: Ticket) -> tuple[Any, ...] | None:
    if not hasattr(ticket, "sla_policies_count"):
        return None
    return tuple(getattr(ticket, name) for name in POLICIES_STAMP)


def active_policies_as_of(stamp: tuple[Any, ...] | None) -> list[PolicySpec]:
    """active_policies(), kept in the process for the stamp read with the ticket (no stamp: read them)."""
    if stamp is None:
        return active_policies()
    cached = _policies.get(stamp)
    if cached is None:
        cached = active_policies()
        _policies.clear()
        _policies[stamp] = cached
    return cached


def facts_of(ticket: Ticket) -> TicketFacts:
    """What a policy's conditions look at (the ticket comes from `load`, its requester and school joined)."""
    organization = ticket.organization if ticket.organization_id is not None else None
    return TicketFacts(
        category=ticket.category,
        priority=ticket.priority,
        channel=ticket.channel,
        contact_type=ticket.requester.contact_type,
        team_id=ticket.team_id,
        organization_id=ticket.organization_id,
        parent_organization_id=organization.parent_id if organization is not None else None,
    )


# --- time ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clockwork:
    """Business or calendar arithmetic for one ticket (no calendar at all: calendar time)."""

    calendar: Calendar | None

    def elapsed(self, business: bool, start: datetime, end: datetime) -> int:
        if business and self.calendar is not None:
            return business_seconds_between(self.calendar, start, end)
        return max(0, int((end - start).total_seconds()))

    def add(self, business: bool, start: datetime, seconds: int) -> datetime:
        if business and self.calendar is not None:
            return add_business_seconds(self.calendar, start, seconds)
        return start + timedelta(seconds=seconds)


def clockwork_for_team(team_id: int | None) -> Clockwork:
    return Clockwork(selectors.calendar_for_team(team_id))


def clockwork_for_ticket(ticket: Ticket) -> Clockwork:
    """The ticket's team calendar; from the calendar stamp `load` read with the ticket when it did."""
    if not hasattr(ticket, "sla_calendar_id"):
        return clockwork_for_team(ticket.team_id)
    stamp = (getattr(ticket, "sla_calendar_version", 0), getattr(ticket, "sla_calendar_updated_at", None))
    return Clockwork(selectors.calendar_for_stamp(getattr(ticket, "sla_calendar_id", None), stamp))


def schedule(clock: SlaClock, work: Clockwork, warning_percent: int) -> None:
    """Set due_at and warn_at from the clock's target, what it used and when it last resumed."""
    if clock.state not in RUNNING_STATES or clock.resumed_at is None:
        clock.due_at = None
        clock.warn_at = None
        return
    remaining = max(0, clock.target_seconds - clock.used_seconds)
    clock.due_at = work.add(clock.business, clock.resumed_at, remaining)
    warn_used = clock.target_seconds * warning_percent // 100
    if clock.state == ClockState.ACTIVE and not clock.warned and 0 < warning_percent < 100:
        clock.warn_at = work.add(clock.business, clock.resumed_at, max(0, warn_used - clock.used_seconds))
    else:
        clock.warn_at = None


# --- transitions ---------------------------------------------------------------------------------------------


class TicketClocks:
    """The clocks of one ticket, changed in memory and written back by `save()` with their events."""

    def __init__(
        self,
        ticket: Ticket,
        now: datetime,
        clocks: Iterable[SlaClock] | None = None,
        work: Clockwork | None = None,
    ) -> None:
        self.ticket = ticket
        self.now = now
        self.clocks: dict[str, SlaClock] = {
            c.metric: c
            for c in (clocks if clocks is not None else SlaClock.objects.filter(ticket_id=ticket.pk))
        }
        self.snapshot: Mapping[str, Any] | None = ticket.sla_snapshot
        self.work = work if work is not None else clockwork_for_ticket(ticket)
        self.events: list[SlaMetricEvent] = []
        self.changed: set[str] = set()
        self.created: list[SlaClock] = []
        self.snapshot_changed = False

    @property
    def warning_percent(self) -> int:
        return int((self.snapshot or {}).get("warning_percent", 75))

    @property
    def policy_id(self) -> int | None:
        value = (self.snapshot or {}).get("policy_id")
        return int(value) if value is not None else None

    def _event(self, clock: SlaClock, kind: str, at: datetime, due_at: datetime | None = None) -> None:
        self.events.append(
            SlaMetricEvent(
                ticket_id=self.ticket.pk,
                metric=clock.metric,
                kind=kind,
                at=at,
                due_at=due_at,
                policy_id=self.policy_id,
            )
        )

    def _touch(self, clock: SlaClock) -> None:
        schedule(clock, self.work, self.warning_percent)
        if clock.pk is not None:
            self.changed.add(clock.metric)

    def targets(self) -> dict[str, Target]:
        return targets_of(self.snapshot, self.ticket.priority)

    def open(self, metric: str, target: Target, *, start: datetime | None = None, used: int = 0) -> SlaClock:
        """A new clock, or a fresh cycle of an existing one (next reply after a customer's message)."""
        start = start or self.now
        clock = self.clocks.get(metric)
        if clock is None:
            clock = SlaClock(ticket_id=self.ticket.pk, metric=metric)
            self.clocks[metric] = clock
            self.created.append(clock)
        clock.state = ClockState.ACTIVE
        clock.target_seconds = target.seconds
        clock.business = target.business
        clock.started_at = start
        clock.resumed_at = start
        clock.used_seconds = used
        clock.warned = False
        clock.paused_at = clock.fulfilled_at = clock.breached_at = None
        if used >= target.seconds:
            clock.state = ClockState.BREACHED
        self._touch(clock)
        self._event(clock, MetricEventKind.ACTIVATE, start, clock.due_at)
        return clock

    def _run_until_now(self, clock: SlaClock) -> None:
        if clock.state in RUNNING_STATES and clock.resumed_at is not None:
            clock.used_seconds += self.work.elapsed(clock.business, clock.resumed_at, self.now)
            clock.resumed_at = self.now

    def _breach_if_late(self, clock: SlaClock) -> None:
        """A clock stopped after its due time was breached at that time, whether or not the scan saw it."""
        if clock.breached_at is None and clock.due_at is not None and clock.due_at <= self.now:
            clock.breached_at = clock.due_at
            self._event(clock, MetricEventKind.BREACH, clock.due_at, clock.due_at)

    def pause(self, metric: str) -> None:
        clock = self.clocks.get(metric)
        if clock is None or clock.state not in RUNNING_STATES:
            return
        self._breach_if_late(clock)
        self._run_until_now(clock)
        clock.state = ClockState.PAUSED
        clock.paused_at = self.now
        self._event(clock, MetricEventKind.PAUSE, self.now)
        self._touch(clock)

    def resume(self, metric: str) -> None:
        clock = self.clocks.get(metric)
        if clock is None or clock.state not in (ClockState.PAUSED, ClockState.FULFILLED):
            return
        late = clock.breached_at is not None or clock.used_seconds >= clock.target_seconds
        clock.state = ClockState.BREACHED if late else ClockState.ACTIVE
        clock.resumed_at = self.now
        clock.paused_at = None
        clock.fulfilled_at = None
        self._touch(clock)
        self._event(clock, MetricEventKind.ACTIVATE, self.now, clock.due_at)

    def fulfil(self, metric: str) -> None:
        clock = self.clocks.get(metric)
        if clock is None or clock.state == ClockState.FULFILLED:
            return
        if clock.state in RUNNING_STATES:
            self._breach_if_late(clock)
            self._run_until_now(clock)
        clock.state = ClockState.FULFILLED
        clock.fulfilled_at = self.now
        clock.paused_at = None
        self._event(clock, MetricEventKind.FULFIL, self.now)
        self._touch(clock)

    def is_running(self, metric: str) -> bool:
        clock = self.clocks.get(metric)
        return clock is not None and clock.state in RUNNING_STATES

    # --- reactions -------------------------------------------------------------------------------------------

    def apply_policy(self, policies: list[PolicySpec] | None = None) -> None:
        """Match the policies again; the ticket keeps a snapshot of the one that applies."""
        if policies is None:
            policies = active_policies_as_of(policies_stamp(self.ticket))
        policy = match_policy(policies, facts_of(self.ticket))
        snapshot = policy.snapshot() if policy is not None else None
        if snapshot != self.snapshot:
            self.snapshot = snapshot
            self.snapshot_changed = True

    def created_now(self) -> None:
        targets = self.targets()
        for metric in OPENED_AT_CREATION:
            if metric in targets:
                self.open(metric, targets[metric])
        self.settle(self.ticket.status, old_status=None)

    def settle(self, status: str, *, old_status: str | None) -> None:
        """Bring every clock in line with the ticket's (new) status."""
        for metric, clock in self.clocks.items():
            if status in STOPPED_STATUSES:
                if metric in FULFILLED_BY_RESOLVING or status == Status.CLOSED:
                    if clock.state != ClockState.FULFILLED:
                        self.fulfil(metric)
                else:
                    self.pause(metric)
            elif status in pause_statuses_of(self.snapshot, metric):
                self.pause(metric)
            elif clock.state == ClockState.PAUSED:
                self.resume(metric)
            elif (
                clock.state == ClockState.FULFILLED
                and old_status == Status.RESOLVED
                and metric in (Metric.RESOLUTION, Metric.REQUESTER_WAIT)
            ):
                self.resume(metric)  # reopened: resolution and requester wait continue where they stood

    def reply_sent(self) -> None:
        self.fulfil(Metric.FIRST_REPLY)
        if self.is_running(Metric.NEXT_REPLY):
            self.fulfil(Metric.NEXT_REPLY)
        target = self.targets().get(Metric.PERIODIC_UPDATE)
        if target is not None and self.ticket.status not in STOPPED_STATUSES:
            if self.is_running(Metric.PERIODIC_UPDATE):
                self.fulfil(Metric.PERIODIC_UPDATE)
            self.open(Metric.PERIODIC_UPDATE, target)

    def customer_message(self) -> None:
        """A customer's message on any channel (a portal note too) starts next reply, unless the first reply is
        still owed or an earlier message is already waiting for an answer (the clock counts from the oldest)."""
        if self.ticket.status == Status.CLOSED or self.is_running(Metric.NEXT_REPLY):
            return
        first = self.clocks.get(Metric.FIRST_REPLY)
        if first is not None and first.state != ClockState.FULFILLED:
            return
        if first is None and self.ticket.first_response_at is None:
            return
        target = self.targets().get(Metric.NEXT_REPLY)
        if target is not None:
            self.open(Metric.NEXT_REPLY, target)

    def retarget(self) -> None:
        """The promise changed (priority, category, team, policy edit): each clock takes its new target counted
        from its original start; a metric newly promised opens from the ticket's creation."""
        targets = self.targets()
        for metric, clock in self.clocks.items():
            target = targets.get(metric)
            if target is None or clock.state == ClockState.FULFILLED:
                continue
            # due = resumed_at + (new target - used): the new target counted from the original start, pauses
            # left out; a due time already past is breached at that time by the next scan.
            before = (clock.target_seconds, clock.business, clock.due_at, clock.warn_at)
            was_changed = metric in self.changed
            clock.target_seconds = target.seconds
            clock.business = target.business
            self._touch(clock)
            if (
                not was_changed
                and (clock.target_seconds, clock.business, clock.due_at, clock.warn_at) == before
            ):
                self.changed.discard(metric)  # nothing to write (a recomputation that moved nothing)
        created = self.ticket.created_at or self.now
        for metric in OPENED_AT_CREATION:
            if metric in targets and metric not in self.clocks:
                if metric == Metric.FIRST_REPLY and self.ticket.first_response_at is not None:
                    continue
                if self.ticket.status not in STOPPED_STATUSES:
                    self.open(metric, targets[metric], start=created)

    # --- writing ---------------------------------------------------------------------------------------------

    def next_due(self) -> datetime | None:
        dues = [c.due_at for c in self.clocks.values() if c.state in RUNNING_STATES and c.due_at is not None]
        return min(dues) if dues else None

    def changed_clocks(self) -> list[SlaClock]:
        return [self.clocks[m] for m in sorted(self.changed) if self.clocks[m] not in self.created]

    def ticket_updates(self) -> dict[str, Any]:
        updates: dict[str, Any] = {}
        next_due = self.next_due()
        if next_due != self.ticket.next_due_at:
            updates["next_due_at"] = next_due
        if self.snapshot_changed:
            updates["sla_snapshot"] = self.snapshot
            updates["sla_policy_id"] = self.policy_id
        return updates

    def save(self) -> None:
        if self.created:
            SlaClock.objects.bulk_create(self.created)
        changed = self.changed_clocks()
        if changed:
            SlaClock.objects.bulk_update(changed, CLOCK_FIELDS)
        if self.events:
            SlaMetricEvent.objects.bulk_create(self.events, ignore_conflicts=True)
        ticket_updates = self.ticket_updates()
        if ticket_updates:
            Ticket.objects.filter(pk=self.ticket.pk).update(**ticket_updates)
            for name, value in ticket_updates.items():
                setattr(self.ticket, name, value)


LOADED_FIELDS = (
    "status",
    "priority",
    "category",
    "channel",
    "team_id",
    "organization_id",
    "requester_id",
    "created_at",
    "first_response_at",
    "next_due_at",
    "sla_policy_id",
    "sla_snapshot",
    "requester__contact_type",
    "organization__parent_id",
)


def load(
    ticket_id: int, now: datetime | None = None, *, clocks: Iterable[SlaClock] | None = None
) -> TicketClocks | None:
    """The ticket (its requester's type and its school's office joined) and its clocks: two queries, one when
    the caller knows the clocks (none yet, at creation). The ticket row also brings the stamps of its calendar
    and of the policies, so unchanged ones are not read again."""
    calendar = selectors.team_calendar_rows()
    ticket = (
        Ticket.objects.select_related("requester", "organization")
        .only(*LOADED_FIELDS)
        .annotate(
            # What the built calendar and the policies kept in the process are checked against (no query
            # for them when they have not changed).
            sla_calendar_id=Subquery(calendar.values("pk")[:1]),
            sla_calendar_version=Subquery(calendar.values("version")[:1]),
            sla_calendar_updated_at=Subquery(calendar.values("updated_at")[:1]),
            **{name: _policies_table(aggregate) for name, aggregate in POLICIES_STAMP.items()},
        )
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return None
    return TicketClocks(ticket, now or current_time(), clocks)


def clocks_for_tickets(ticket_ids: Iterable[int]) -> dict[int, list[SlaClock]]:
    by_ticket: dict[int, list[SlaClock]] = {}
    for clock in SlaClock.objects.filter(ticket_id__in=list(ticket_ids)):
        by_ticket.setdefault(clock.ticket_id, []).append(clock)
    return by_ticket


def running_clock_filter() -> Q:
    return Q(state__in=RUNNING_STATES)
