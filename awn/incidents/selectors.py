"""Reads of surge mode: active incidents (cached: every portal page asks), matching tickets, broadcast progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from awn.accounts.models import User
from awn.core.text.arabic import normalize_arabic
from awn.crm.models import ExternalEvent
from awn.search.enums import Kind as SearchKind
from awn.search.selectors import search_filter
from awn.tickets.enums import Category, Status
from awn.tickets.models import Ticket
from awn.tickets.policies import visible_tickets

from .enums import IncidentStatus, RecipientState
from .models import Broadcast, Incident, Recipient

ACTIVE_CACHE_KEY = "awn:incidents:active"
ACTIVE_CACHE_SECONDS = 15
EVENT_HOURS_MAX = 24 * 7


@dataclass(frozen=True)
class ActiveIncident:
    """What the portal banner and the automatic first reply need, cached for a few seconds."""

    pk: int
    title_ar: str
    title_en: str
    message_ar: str
    message_en: str
    guide_url: str
    category: str
    keywords: tuple[str, ...]
    auto_reply: bool

    def title(self, language: str) -> str:
        return self.title_en if language.startswith("en") and self.title_en else self.title_ar

    def message(self, language: str) -> str:
        return self.message_en if language.startswith("en") and self.message_en else self.message_ar

    def matches(self, category: str, text: str) -> bool:
        """A new contact is about this incident: its category (when the incident names one) and one of the
        keywords (when it names some) in its normalized text. An incident naming neither matches nobody."""
        if not self.category and not self.keywords:
            return False
        if self.category and category != self.category:
            return False
        if self.keywords:
            normalized = normalize_arabic(text)
            return any(keyword in normalized for keyword in self.keywords)
        return True


def keyword_list(keywords: str) -> tuple[str, ...]:
    return tuple(k for k in (normalize_arabic(part.strip()) for part in keywords.split(",")) if k)


def active_incidents() -> list[ActiveIncident]:
    cached = cache.get(ACTIVE_CACHE_KEY)
    if cached is not None:
        return list(cached)
    rows = [
        ActiveIncident(
            pk=i.pk,
            title_ar=i.title_ar,
            title_en=i.title_en,
            message_ar=i.message_ar,
            message_en=i.message_en,
            guide_url=i.guide_url,
            category=i.category,
            keywords=keyword_list(i.keywords),
            auto_reply=i.auto_reply,
        )
        for i in Incident.objects.filter(status=IncidentStatus.ACTIVE).order_by("-declared_at")[:5]
    ]
    cache.set(ACTIVE_CACHE_KEY, rows, ACTIVE_CACHE_SECONDS)
    return rows


def forget_active_incidents() -> None:
    cache.delete(ACTIVE_CACHE_KEY)


def incident_for_reply(category: str = "", text: str = "") -> ActiveIncident | None:
    """The newest active incident with an automatic first reply that a new contact (category, text) is about."""
    for incident in active_incidents():
        if incident.auto_reply and incident.matches(category, text):
            return incident
    return None


def incidents_for(user: User) -> QuerySet[Incident]:
    return Incident.objects.select_related("problem").filter(
        problem__in=visible_tickets(user, Ticket.objects.all())
    )


@dataclass(frozen=True)
class Criteria:
    """Which tickets an incident's bulk linking takes. At least one of text, category, event_type."""

    text: str = ""
    category: str = ""
    event_type: str = ""
    event_hours: int = 1
    created_hours: int | None = None

    @property
    def empty(self) -> bool:
        return not (self.text.strip() or self.category or self.event_type.strip())


def matching_tickets(user: User, incident: Incident, criteria: Criteria) -> QuerySet[Ticket]:
    """The tickets the user may see that the criteria select and that linking would take (not closed, merged,
    a problem, or linked already). Every criterion given must hold."""
    qs = visible_tickets(user, Ticket.objects.all()).filter(
        problem__isnull=True, is_problem=False, merged_into__isnull=True
    )
    qs = qs.exclude(status=Status.CLOSED).exclude(pk=incident.problem_id)
    if criteria.category:
        qs = qs.filter(category=criteria.category)
    if criteria.created_hours:
        qs = qs.filter(created_at__gte=timezone.now() - timedelta(hours=criteria.created_hours))
    if criteria.event_type.strip():
        hours = max(1, min(criteria.event_hours, EVENT_HOURS_MAX))
        people = ExternalEvent.objects.filter(
            event_type=criteria.event_type.strip(),
            occurred_at__gte=timezone.now() - timedelta(hours=hours),
            contact__isnull=False,
        ).values("contact_id")
        qs = qs.filter(Q(requester_id__in=people) | Q(about_contact_id__in=people))
    if criteria.text.strip():
        qs = search_filter(qs, SearchKind.TICKET, criteria.text)
    return qs


def affected_tickets(incident: Incident) -> QuerySet[Ticket]:
    return Ticket.objects.filter(problem_id=incident.problem_id).select_related("requester")


def broadcast_progress(broadcast: Broadcast) -> dict[str, int]:
    counts = dict(
        Recipient.objects.filter(broadcast=broadcast)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return {state: counts.get(state, 0) for state in RecipientState.values}


def broadcast_recipients(broadcast: Broadcast, *, state: str = "", limit: int = 200) -> QuerySet[Recipient]:
    qs = Recipient.objects.filter(broadcast=broadcast).select_related("contact")
    if state in RecipientState.values:
        qs = qs.filter(state=state)
    return qs.order_by("id")[:limit]


@dataclass(frozen=True)
class Spike:
    category: str
    last_hour: int
    usual_per_hour: float

    @property
    def label(self) -> str:
        return str(Category(self.category).label)


def category_spikes(
    *,
    now: datetime | None = None,
    ratio: float | None = None,
    min_count: int | None = None,
    baseline_days: int = 7,
) -> list[Spike]:
    """Categories whose last hour holds at least `min_count` new tickets and `ratio` times their usual hourly
    volume over the `baseline_days` before (AWN_SPIKE_RATIO, 3; AWN_SPIKE_MIN_COUNT, 5). Two aggregate queries
    over the created-at index; most spiking first."""
    now = now or timezone.now()
    ratio = ratio if ratio is not None else float(getattr(settings, "AWN_SPIKE_RATIO", 3.0))
    min_count = min_count if min_count is not None else int(getattr(settings, "AWN_SPIKE_MIN_COUNT", 5))
    hour_ago = now - timedelta(hours=1)
    baseline_start = hour_ago - timedelta(days=baseline_days)

    def per_category(since: datetime, until: datetime) -> dict[str, int]:
        rows = (
            Ticket.objects.filter(
                created_at__gte=since, created_at__lt=until, merged_into__isnull=True, is_problem=False
            )
            .order_by()
            .values_list("category")
            .annotate(n=Count("id"))
        )
        return {category: n for category, n in rows}

    recent = per_category(hour_ago, now)
    usual = per_category(baseline_start, hour_ago)
    hours = baseline_days * 24
    spikes = [
        Spike(category, count, usual.get(category, 0) / hours)
        for category, count in recent.items()
        if count >= min_count and count >= ratio * usual.get(category, 0) / hours
    ]
    spikes.sort(key=lambda s: (-(s.last_hour / max(s.usual_per_hour, 1e-9)), -s.last_hour, s.category))
    return spikes
