"""Every write of routing: agents' presence and capacity, known peaks, the half-hourly contact counts (the
forecast's history)."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Min, Q, Value, When
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import User
from awn.accounts.policies import is_staff_member, is_supervisor
from awn.core.errors import NotFound, PermissionDenied, ValidationError, lazy_format
from awn.core.events import publish
from awn.core.tasks import enqueue
from awn.tickets.enums import Category, Channel, Status
from awn.tickets.models import Ticket
from awn.tickets.services import ticket_update

from .engine import (
    POLICIES,
    SKILL_KINDS,
    VENDORS_ALONGSIDE,
    Candidate,
    Decision,
    Need,
    Overflow,
    choose,
)
from .enums import AgentState
from .events import AgentStatusChanged
from .forecast import DEFAULT_WEEKS, INTERVAL_MINUTES
from .models import (
    AgentSkill,
    AgentStatus,
    IntervalVolume,
    OfferState,
    OverflowRule,
    PeakEvent,
    RoutingDecision,
    RoutingHold,
    RoutingOffer,
)
from .policies import can_plan_staffing

PEAK_NAME_MAX = 120
PEAK_MAX_DAYS = 366
PEAK_MULTIPLIER_MIN = Decimal("0.10")
PEAK_MULTIPLIER_MAX = Decimal("50")
# The periodic recount covers the last ROLLUP_RECENT_HOURS (late rows, clock skew); the first run the whole
# forecast window.
ROLLUP_RECENT_HOURS = 48


# ---- known peaks ---------------------------------------------------------------------------------------------


def _multiplier(value: object) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("The multiplier must be a number."), field="multiplier") from None
    if not PEAK_MULTIPLIER_MIN <= number <= PEAK_MULTIPLIER_MAX:
        raise ValidationError(_("The multiplier must be between 0.1 and 50."), field="multiplier")
    return number


@transaction.atomic
def peak_create(
    *,
    actor: User,
    name: str,
    first_day: date,
    last_day: date,
    multiplier: object,
    channel: str = "",
) -> PeakEvent:
    """A known peak: contacts × multiplier on its days (every channel when `channel` is empty)."""
    if not can_plan_staffing(actor):
        raise PermissionDenied()
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Give the peak a name."), field="name")
    if len(name) > PEAK_NAME_MAX:
        raise ValidationError(_("The name is too long (at most 120 characters)."), field="name")
    if last_day < first_day:
        raise ValidationError(_("The last day comes before the first day."), field="last_day")
    if (last_day - first_day).days >= PEAK_MAX_DAYS:
        raise ValidationError(_("A peak lasts at most a year."), field="last_day")
    if channel and channel not in Channel.values:
        raise ValidationError(_("Unknown channel."), field="channel")
    return PeakEvent.objects.create(
        name=name,
        first_day=first_day,
        last_day=last_day,
        multiplier=_multiplier(multiplier),
        channel=channel,
        created_by=actor,
    )


@transaction.atomic
def peak_delete(*, actor: User, peak_id: int) -> None:
    if not can_plan_staffing(actor):
        raise NotFound()
    deleted, _rows = PeakEvent.objects.filter(pk=peak_id).delete()
    if not deleted:
        raise NotFound()


# ---- contact counts --------------------------------------------------------------------------------------------


def interval_floor(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % INTERVAL_MINUTES, second=0, microsecond=0)


@transaction.atomic
def volumes_rollup(since: datetime, until: datetime) -> int:
    """Count the tickets created per channel and half-hour in [since, until) (widened to whole intervals) and
    replace the stored counts of that window: idempotent, a rerun after a crash gives the same rows. One grouped
    query over the created_at index; returns the number of non-empty intervals."""
    since = interval_floor(since)
    until = interval_floor(until) + timedelta(minutes=INTERVAL_MINUTES)
    grouped = (
        Ticket.objects.filter(created_at__gte=since, created_at__lt=until)
        .order_by()
        .annotate(
            hour=TruncHour("created_at", tzinfo=UTC),
            half=Case(
                When(created_at__minute__gte=30, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
        )
        .values("channel", "hour", "half")
        .annotate(n=Count("id"))
    )
    rows = [
        IntervalVolume(
            channel=row["channel"],
            start=row["hour"].astimezone(UTC) + timedelta(minutes=INTERVAL_MINUTES * row["half"]),
            contacts=row["n"],
        )
        for row in grouped
    ]
    IntervalVolume.objects.filter(start__gte=since, start__lt=until).delete()
    IntervalVolume.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def volumes_rollup_recent(now: datetime | None = None) -> int:
    """The periodic recount: the last ROLLUP_RECENT_HOURS, or the whole forecast window when nothing is stored."""
    now = now or timezone.now()
    hours = ROLLUP_RECENT_HOURS if IntervalVolume.objects.exists() else DEFAULT_WEEKS * 7 * 24
    return volumes_rollup(now - timedelta(hours=hours), now)


# ---- presence and capacity -------------------------------------------------------------------------------------

# Bounds of a capacity a supervisor may set (0 = this agent takes none of that channel).
CAPACITY_LIMITS = {"chat_capacity": 20, "call_capacity": 5, "ticket_capacity": 500}
# Activity is written at most once per ACTIVITY_WRITE_SECONDS per agent (one cache check otherwise).
ACTIVITY_WRITE_SECONDS = 60


def away_after_seconds() -> int:
    """Online agents without activity for this long become away (AWN_ROUTING_AWAY_MINUTES, default 10)."""
    return int(getattr(settings, "AWN_ROUTING_AWAY_MINUTES", 10)) * 60


def offline_after_seconds() -> int:
    """Agents with no page open for this long become offline (AWN_ROUTING_OFFLINE_MINUTES, default 15)."""
    return int(getattr(settings, "AWN_ROUTING_OFFLINE_MINUTES", 15)) * 60


def status_for(user: User) -> AgentStatus:
    """The agent's row, created on first use as online (they are using the workspace: the meaning chat gave
    "connected" before presence existed)."""
    now = timezone.now()
    row, _created = AgentStatus.objects.get_or_create(
        user=user,
        defaults={"state": AgentState.ONLINE, "state_since": now, "automatic": True, "last_activity_at": now},
    )
    return row


def _staff(user_id: int) -> User:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not is_staff_member(user):
        raise NotFound()
    return user


def _change_state(row: AgentStatus, state: str, *, actor: User | None, automatic: bool) -> AgentStatus:
    previous = row.state
    now = timezone.now()
    if previous == state and row.automatic == automatic:
        return row
    row.state = state
    row.automatic = automatic
    row.changed_by = actor
    if previous != state:
        row.state_since = now
    if state == AgentState.ONLINE:
        row.last_activity_at = now  # coming back counts as activity: no immediate auto-away
    row.save(update_fields=["state", "automatic", "changed_by", "state_since", "last_activity_at"])
    if previous != state:
        publish(AgentStatusChanged(user_id=row.user_id, state=state, previous=previous, automatic=automatic))
    return row


@transaction.atomic
def status_set(*, actor: User, user_id: int, state: str) -> AgentStatus:
    """An agent sets their own state; a supervisor or admin anyone's. Others: 404 (no existence leak)."""
    if state not in AgentState.values:
        raise ValidationError(_("Unknown state."), field="state")
    if actor.pk != user_id and not is_supervisor(actor):
        raise NotFound()
    if not is_staff_member(actor):
        raise NotFound()
    user = _staff(user_id)
    status_for(user)
    row = AgentStatus.objects.select_for_update().get(user=user)
    return _change_state(row, state, actor=actor, automatic=False)


def _capacity(value: object, field: str) -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise ValidationError(_("A capacity must be a whole number."), field=field) from None
    limit = CAPACITY_LIMITS[field]
    if not 0 <= number <= limit:
        raise ValidationError(
            lazy_format(_("A capacity must be between 0 and %(limit)d."), limit=limit), field=field
        )
    return number


@transaction.atomic
def capacity_set(*, actor: User, user_id: int, chats: object, calls: object, tickets: object) -> AgentStatus:
    """How many chats, calls and tickets an agent holds at once (supervisors and admins)."""
    if not is_supervisor(actor) or not actor.is_active:
        raise NotFound()
    values = {
        "chat_capacity": _capacity(chats, "chat_capacity"),
        "call_capacity": _capacity(calls, "call_capacity"),
        "ticket_capacity": _capacity(tickets, "ticket_capacity"),
    }
    user = _staff(user_id)
    status_for(user)
    AgentStatus.objects.filter(user=user).update(**values)
    roster_forget()
    return AgentStatus.objects.get(user=user)


def _automatic(user_id: int, state: str) -> None:
    with transaction.atomic():
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None or not is_staff_member(user):
            return
        status_for(user)
        row = AgentStatus.objects.select_for_update().get(user=user)
        _change_state(row, state, actor=None, automatic=True)


def signed_in(user_id: int) -> None:
    """A staff member signed in: online."""
    _automatic(user_id, AgentState.ONLINE)


def signed_out(user_id: int) -> None:
    """A staff member signed out: offline."""
    _automatic(user_id, AgentState.OFFLINE)


def activity_seen(user_id: int, *, connected_only: bool = False) -> None:
    """The agent did something on a workspace page (`connected_only`: the page is merely still open). At most one
    write a minute per agent. Activity brings back an agent the inactivity rule had set away."""
    key = f"routing-seen:{int(connected_only)}:{user_id}"
    if not cache.add(key, 1, ACTIVITY_WRITE_SECONDS):
        return
    now = timezone.now()
    fields: dict[str, object] = {"seen_at": now}
    if not connected_only:
        fields["last_activity_at"] = now
    if not AgentStatus.objects.filter(user_id=user_id).update(**fields):
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is not None and is_staff_member(user):
            status_for(user)
            AgentStatus.objects.filter(user_id=user_id).update(**fields)
        return
    if (
        not connected_only
        and AgentStatus.objects.filter(user_id=user_id, state=AgentState.AWAY, automatic=True).exists()
    ):
        _automatic(user_id, AgentState.ONLINE)


def presence_sweep(now: datetime | None = None) -> int:
    """The automatic rules: online without activity for away_after → away; online or away with no page open for
    offline_after → offline. Returns how many agents changed."""
    now = now or timezone.now()
    idle = now - timedelta(seconds=away_after_seconds())
    gone = now - timedelta(seconds=offline_after_seconds())
    changed = 0
    to_offline = AgentStatus.objects.exclude(state=AgentState.OFFLINE).filter(
        Q(seen_at__lt=gone) | Q(seen_at__isnull=True, state_since__lt=gone)
    )
    for user_id in list(to_offline.values_list("user_id", flat=True)[:1000]):
        _automatic(user_id, AgentState.OFFLINE)
        changed += 1
    to_away = AgentStatus.objects.filter(state=AgentState.ONLINE).filter(
        Q(last_activity_at__lt=idle) | Q(last_activity_at__isnull=True, state_since__lt=idle)
    )
    for user_id in list(to_away.values_list("user_id", flat=True)[:1000]):
        _automatic(user_id, AgentState.AWAY)
        changed += 1
    return changed


# ---- skills routing ------------------------------------------------------------------------------------------------

SKILLS_MAX = 40
LANGUAGE_RE = re.compile(r"^[a-z]{2}(-[a-z0-9]{2,12})?$")  # ar, en, ar-najdi, ar-hijazi…


def _skill(kind: str, value: str) -> tuple[str, str]:
    kind, value = kind.strip().lower(), value.strip().lower()
    if kind not in SKILL_KINDS:
        raise ValidationError(
            lazy_format(
                _("Unknown kind of skill “%(kind)s” (category, language or channel)."), kind=kind[:20]
            ),
            field="skills",
        )
    allowed = {"category": Category.values, "channel": Channel.values}.get(kind)
    if (allowed is not None and value not in allowed) or (
        kind == "language" and not LANGUAGE_RE.match(value)
    ):
        raise ValidationError(
            lazy_format(_("Unknown %(kind)s “%(value)s”."), kind=kind, value=value[:32]), field="skills"
        )
    return kind, value


def parse_skills(text: str) -> list[tuple[str, str]]:
    """ "category:registration, language:ar" → [("category", "registration"), ("language", "ar")]."""
    skills: list[tuple[str, str]] = []
    for part in (text or "").replace("،", ",").split(","):
        if not part.strip():
            continue
        if ":" not in part:
            raise ValidationError(
                _("Write each skill as kind:value, e.g. category:registration."), field="skills"
            )
        skill = _skill(*part.split(":", 1))
        if skill not in skills:
            skills.append(skill)
    if len(skills) > SKILLS_MAX:
        raise ValidationError(_("Too many skills (at most 40)."), field="skills")
    return skills


@transaction.atomic
def skills_set(*, actor: User, user_id: int, text: str) -> list[tuple[str, str]]:
    """Replace an agent's skills (supervisors and admins)."""
    if not is_supervisor(actor) or not actor.is_active:
        raise NotFound()
    skills = parse_skills(text)
    user = _staff(user_id)
    AgentSkill.objects.filter(user=user).delete()
    AgentSkill.objects.bulk_create(AgentSkill(user=user, kind=k, value=v) for k, v in skills)
    roster_forget()
    return skills


def routing_policy() -> str:
    policy = str(getattr(settings, "AWN_ROUTING_POLICY", "best"))
    return policy if policy in POLICIES else "best"


def auto_assign_enabled() -> bool:
    """Routing assigns new contacts only when AWN_ROUTING_AUTO_ASSIGN is on (off by default: a deployment opts
    in once its agents use presence)."""
    return bool(getattr(settings, "AWN_ROUTING_AUTO_ASSIGN", False))


ROUTABLE_STATUSES = (Status.NEW, Status.OPEN)


def offer_seconds() -> int:
    """An offer not accepted for this long moves on (AWN_ROUTING_OFFER_SECONDS, default 30; 0: no offers, a
    routed contact is the agent's at once)."""
    return max(0, int(getattr(settings, "AWN_ROUTING_OFFER_SECONDS", 30)))


def offer_cooldown_seconds() -> int:
    """An agent who let an offer of a contact expire is not offered it again for this long
    (AWN_ROUTING_OFFER_COOLDOWN_SECONDS, default 600)."""
    return max(0, int(getattr(settings, "AWN_ROUTING_OFFER_COOLDOWN_SECONDS", 600)))


def _declined_recently(ticket_id: int, now: datetime) -> frozenset[int]:
    since = now - timedelta(seconds=offer_cooldown_seconds())
    return frozenset(
        RoutingOffer.objects.filter(
            ticket_id=ticket_id, state=OfferState.EXPIRED, closed_at__gte=since
        ).values_list("agent_id", flat=True)
    )


def routing_hold(ticket_id: int) -> None:
    """Keep a contact out of routing for now (a live chat while the assistant talks): neither the new-ticket job
    nor the periodic pass offers it to anyone until routing_release. Idempotent."""
    RoutingHold.objects.get_or_create(ticket_id=ticket_id)


def routing_release(ticket_id: int) -> bool:
    """The contact wants a person now (the assistant handed the chat over, or it left the assistant): routing
    may offer it, once the transaction commits, with the category known by then (AWN_ROUTING_AUTO_ASSIGN only).
    True if it was held."""
    released, _rows = RoutingHold.objects.filter(ticket_id=ticket_id).delete()
    if released and auto_assign_enabled():
        enqueue("awn.routing.tasks.route_ticket", ticket_id)
    return bool(released)


def category_overflow(category: str, now: datetime) -> Overflow | None:
    """The category's overflow rule with its line now (waiting, unassigned, unanswered contacts of the category),
    or None without a rule. Two small queries."""
    rule = OverflowRule.objects.filter(category=category).values_list("wait_seconds", "queue_length").first()
    if rule is None:
        return None
    line = Ticket.objects.filter(
        category=category,
        status__in=ROUTABLE_STATUSES,
        assignee__isnull=True,
        first_response_at__isnull=True,
        routing_hold__isnull=True,  # a chat still with the assistant waits for nobody
    ).aggregate(n=Count("id"), oldest=Min("created_at"))
    oldest = line["oldest"]
    return Overflow(
        wait_threshold=rule[0],
        queue_threshold=rule[1],
        oldest_wait=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        queue_length=line["n"] or 0,
    )


@transaction.atomic
def route_ticket(
    ticket_id: int, *, record_miss: bool = True, now: datetime | None = None
) -> RoutingDecision | None:
    """Offer a waiting ticket to the best available agent (engine.choose) and record why; None when it is not
    waiting any more, or nobody could take it and `record_miss` is off (the periodic pass). The ticket is
    assigned to them at once (their queue shows it) with an offer that expires after offer_seconds()."""
    from .selectors import load_channel

    now = now or timezone.now()
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("requester")
        .filter(pk=ticket_id)
        .first()
    )
    if (
        ticket is None
        or ticket.assignee_id
        or ticket.first_response_at
        or ticket.status not in ROUTABLE_STATUSES
        or RoutingHold.objects.filter(ticket_id=ticket.pk).exists()
    ):
        return None
    need = Need(ticket.pk, ticket.category, ticket.requester.language or "ar", ticket.channel)
    group = load_channel(ticket.channel)
    overflow = category_overflow(ticket.category, now)
    vendors = overflow.mode() if overflow is not None else VENDORS_ALONGSIDE
    decision = _choose_verified(need, group, now, vendors=vendors, exclude=_declined_recently(ticket.pk, now))
    if decision.user_id is None and not record_miss:
        return None
    if overflow is not None:
        decision = replace(decision, extra=overflow.reason())
    if decision.user_id is not None:
        ticket_update(ticket=ticket, actor=None, changes={"assignee": decision.user_id})
        AgentStatus.objects.filter(user_id=decision.user_id).update(last_routed_at=now)
        roster_note_assignment(group, decision.user_id, now.timestamp())
        if offer_seconds():
            RoutingOffer.objects.create(
                ticket=ticket,
                agent_id=decision.user_id,
                offered_at=now,
                expires_at=now + timedelta(seconds=offer_seconds()),
            )
    return RoutingDecision.objects.create(ticket=ticket, agent_id=decision.user_id, reason=decision.reason())


@transaction.atomic
def offer_accept(*, actor: User, ticket_id: int, now: datetime | None = None) -> RoutingOffer:
    """The agent takes the contact offered to them: it stays theirs. Someone else's offer, or none: 404. An offer
    just past its time but not yet taken back by the periodic pass (every 15 s) may still be accepted: the contact
    is still in the agent's hands, and the pass re-checks the offer under the same row lock."""
    offer = (
        RoutingOffer.objects.select_for_update()
        .filter(ticket_id=ticket_id, agent_id=actor.pk, state=OfferState.PENDING)
        .first()
    )
    if offer is None or not is_staff_member(actor):
        raise NotFound()
    offer.state = OfferState.ACCEPTED
    offer.closed_at = now or timezone.now()
    offer.save(update_fields=["state", "closed_at"])
    return offer


def offer_taken(*, ticket_id: int, agent_id: int, now: datetime | None = None) -> bool:
    """The agent took the contact offered to them another way (accepted its live chat on their panel): the offer
    is accepted, so its expiry never takes the contact back from them. True if there was one."""
    return bool(
        RoutingOffer.objects.filter(ticket_id=ticket_id, agent_id=agent_id, state=OfferState.PENDING).update(
            state=OfferState.ACCEPTED, closed_at=now or timezone.now()
        )
    )


def _expire_one(offer_id: int, now: datetime) -> bool:
    """Take back one stale offer (True), or close it as accepted when the agent answered meanwhile, or as
    withdrawn when the ticket moved on (reassigned, closed)."""
    with transaction.atomic():
        offer = RoutingOffer.objects.select_for_update().filter(pk=offer_id, state=OfferState.PENDING).first()
        if offer is None:
            return False
        ticket = Ticket.objects.select_for_update().get(pk=offer.ticket_id)
        offer.closed_at = now
        if ticket.assignee_id != offer.agent_id or ticket.status not in ROUTABLE_STATUSES:
            offer.state = OfferState.WITHDRAWN
        elif ticket.first_response_at:
            offer.state = OfferState.ACCEPTED  # answering is accepting
        else:
            offer.state = OfferState.EXPIRED
        offer.save(update_fields=["state", "closed_at"])
        if offer.state != OfferState.EXPIRED:
            return False
        ticket_update(ticket=ticket, actor=None, changes={"assignee": None})
        RoutingDecision.objects.create(
            ticket=ticket,
            agent_id=offer.agent_id,
            reason={
                "code": "offer_expired",
                "offered_at": offer.offered_at.isoformat(),
                "offer_seconds": round((offer.expires_at - offer.offered_at).total_seconds()),
            },
        )
    roster_forget()  # the agent's load dropped
    route_ticket(offer.ticket_id, now=now)
    return True


def offers_expire(now: datetime | None = None, limit: int = 500) -> int:
    """The periodic pass's first step: offers past their time go back and on to the next best agent (each
    recorded as a decision "offer expired"). Returns how many expired."""
    now = now or timezone.now()
    due = RoutingOffer.objects.filter(state=OfferState.PENDING, expires_at__lte=now).order_by("expires_at")
    return sum(_expire_one(offer_id, now) for offer_id in list(due.values_list("pk", flat=True)[:limit]))


def route_waiting(limit: int = 200) -> int:
    """The periodic pass: waiting tickets of every group, most urgent and oldest first, each to the best
    available agent, until nobody can take more. Returns how many were assigned."""
    from .selectors import GROUP_CHANNELS, group_capacity, waiting_line

    if not auto_assign_enabled():
        return 0
    offers_expire()
    assigned = 0
    for group in GROUP_CHANNELS:
        if not group_capacity(group).agents:
            continue  # nobody available for this group now
        for ticket_id in waiting_line(group, limit):
            if route_ticket(ticket_id, record_miss=False) is not None:
                assigned += 1
    return assigned


# The candidates of each group, read at most every ROSTER_SECONDS per process: reading 500 agents with their
# skills costs tens of milliseconds, choosing among them under one. The winner is then checked against the
# database under a row lock (still online and connected, room left), so a stale roster can cost a retry, never an
# agent over capacity or away.
ROSTER_SECONDS = 5.0
_rosters: dict[str, tuple[float, list[Candidate]]] = {}


def roster(group: str, now: datetime) -> list[Candidate]:
    from .selectors import routing_candidates

    cached = _rosters.get(group)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    candidates = routing_candidates(group, now)
    _rosters[group] = (time.monotonic() + ROSTER_SECONDS, candidates)
    return candidates


def roster_forget() -> None:
    _rosters.clear()


def roster_note_assignment(group: str, user_id: int, at: float) -> None:
    cached = _rosters.get(group)
    if cached is None:
        return
    cached[1][:] = [
        replace(c, load=c.load + 1, last_routed=at) if c.user_id == user_id else c for c in cached[1]
    ]


def _verified_load(group: str, user_id: int, now: datetime) -> int | None:
    """The agent's work in hand for `group` if they are still available (their status row locked), else None."""
    from .selectors import CAPACITY_FIELD, CONNECTED_SECONDS, GROUP_CHANNELS, IN_HAND_STATUSES

    since = now - timedelta(seconds=CONNECTED_SECONDS)
    row = (
        AgentStatus.objects.select_for_update()
        .filter(user_id=user_id, state=AgentState.ONLINE, seen_at__gte=since)
        .values_list(CAPACITY_FIELD[group], flat=True)
        .first()
    )
    if row is None:
        return None
    load = Ticket.objects.filter(
        assignee_id=user_id, channel__in=GROUP_CHANNELS[group], status__in=IN_HAND_STATUSES
    ).count()
    return load if load < row else None


def _choose_verified(
    need: Need,
    group: str,
    now: datetime,
    *,
    vendors: str = VENDORS_ALONGSIDE,
    exclude: frozenset[int] = frozenset(),
) -> Decision:
    candidates = list(roster(group, now))
    policy = routing_policy()
    for _attempt in range(3):
        decision = choose(
            need, candidates, now=now.timestamp(), policy=policy, vendors=vendors, exclude=exclude
        )
        if decision.user_id is None:
            break
        load = _verified_load(group, decision.user_id, now)
        if load is not None:
            return replace(decision, load=load)
        # Stale roster: that agent left or filled up meanwhile. Drop them and read afresh next time.
        candidates = [c for c in candidates if c.user_id != decision.user_id]
        _rosters.pop(group, None)
    # Last resort (or a miss): decide on fresh rows, so a miss is never due to a stale roster.
    from .selectors import routing_candidates

    fresh = routing_candidates(group, now)
    _rosters[group] = (time.monotonic() + ROSTER_SECONDS, fresh)
    return choose(need, fresh, now=now.timestamp(), policy=policy, vendors=vendors, exclude=exclude)


# ---- hybrid overflow ---------------------------------------------------------------------------------------------

OVERFLOW_MAX_SECONDS = 24 * 3600
OVERFLOW_MAX_QUEUE = 100_000


def _threshold(value: object, field: str, limit: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value))
    except ValueError:
        raise ValidationError(_("A threshold must be a whole number."), field=field) from None
    if not 0 <= number <= limit:
        raise ValidationError(
            lazy_format(_("A threshold must be between 0 and %(limit)d."), limit=limit), field=field
        )
    return number


@transaction.atomic
def overflow_rule_set(
    *, actor: User, category: str, wait_seconds: object = None, queue_length: object = None
) -> OverflowRule | None:
    """Set a category's overflow thresholds (supervisors and admins); both empty removes the rule (vendors then
    take the category alongside the in-house team, as without a rule)."""
    if not is_supervisor(actor) or not actor.is_active:
        raise NotFound()
    if category not in Category.values:
        raise ValidationError(_("Unknown category."), field="category")
    wait = _threshold(wait_seconds, "wait_seconds", OVERFLOW_MAX_SECONDS)
    queue = _threshold(queue_length, "queue_length", OVERFLOW_MAX_QUEUE)
    if wait is None and queue is None:
        OverflowRule.objects.filter(category=category).delete()
        return None
    rule, _created = OverflowRule.objects.update_or_create(
        category=category, defaults={"wait_seconds": wait, "queue_length": queue, "updated_by": actor}
    )
    return rule
