"""Reads of proactive outreach: who a segment matches, how each person is reached, quiet hours, statistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, QuerySet
from django.utils import timezone

from awn.connectors.models import Conversation
from awn.crm.enums import ORGANIZATION_RELATIONS, RelationKind
from awn.crm.models import Contact, ExternalEvent, Relation

from .enums import CHANNELS, Audience, RecipientState
from .models import Campaign, OptOut, Recipient, Segment

RIYADH = ZoneInfo("Asia/Riyadh")
DEFAULT_QUIET_HOURS = (21, 8)  # 21:00 to 08:00, Asia/Riyadh: nothing is sent


def segment_contacts(segment: Segment, *, now: datetime | None = None) -> QuerySet[Contact]:
    """The people a segment matches now (every criterion given must hold; merged contacts never)."""
    now = now or timezone.now()
    people = Contact.objects.filter(merged_into__isnull=True)
    if segment.contact_type:
        people = people.filter(contact_type=segment.contact_type)
    if segment.school_id is not None or segment.grade is not None:
        kinds = [RelationKind.STUDENT_AT] if segment.grade is not None else list(ORGANIZATION_RELATIONS)
        relations = Relation.objects.filter(kind__in=kinds, revoked_at__isnull=True)
        if segment.school_id is not None:
            relations = relations.filter(organization_id=segment.school_id)
        if segment.grade is not None:
            relations = relations.filter(grade=segment.grade)
        people = people.filter(pk__in=relations.values("contact_id"))
    if segment.event_type:
        events = ExternalEvent.objects.filter(
            event_type=segment.event_type,
            occurred_at__gte=now - timedelta(hours=segment.event_hours),
            contact__isnull=False,
        )
        people = people.filter(pk__in=events.values("contact_id"))
    if segment.audience == Audience.PARENTS:
        links = Relation.objects.filter(
            kind=RelationKind.PARENT_OF, other_contact__in=people.values("pk"), revoked_at__isnull=True
        )
        people = Contact.objects.filter(merged_into__isnull=True, pk__in=links.values("contact_id"))
    return people


@dataclass(frozen=True)
class Reach:
    """How one person is reached: a channel, the channel account (none for email by the notifications' mail),
    and the address."""

    channel: str
    inbox_id: int | None
    address: str


def preferred_channels(people: QuerySet[Contact]) -> dict[int, Reach]:
    """Each person's preferred channel: the channel thread they wrote on last (WhatsApp, Telegram or email), else
    their email address. People with neither are not in the result. Two queries, whatever the number."""
    reach: dict[int, Reach] = {}
    threads = (
        Conversation.objects.filter(
            contact_id__in=people.values("pk"), inbox__kind__in=CHANNELS, inbox__is_active=True
        )
        .order_by("contact_id", "last_inbound_at", "pk")
        .values_list("contact_id", "inbox__kind", "inbox_id", "address")
    )
    for contact_id, kind, inbox_id, address in threads.iterator(chunk_size=2000):
        reach[contact_id] = Reach(kind, inbox_id, address)  # the latest thread wins
    emails = people.exclude(email="").values_list("pk", "email")
    for contact_id, email in emails.iterator(chunk_size=2000):
        reach.setdefault(contact_id, Reach("email", None, email))
    return reach


def opted_out_ids() -> Any:
    """The opted-out contacts' ids, as a subquery."""
    return OptOut.objects.values("contact_id")


def quiet_hours() -> tuple[int, int]:
    start, end = getattr(settings, "AWN_OUTREACH_QUIET_HOURS", DEFAULT_QUIET_HOURS)
    return int(start), int(end)


def quiet_seconds_left(now: datetime | None = None) -> float:
    """Seconds until quiet hours (Asia/Riyadh) end, 0 outside them."""
    start, end = quiet_hours()
    if start == end:
        return 0.0
    local = (now or timezone.now()).astimezone(RIYADH)
    hour = local.hour
    inside = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not inside:
        return 0.0
    ends = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return (ends - local).total_seconds()


def campaigns_list() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("segment", "article").order_by("-created_at")


def campaign_stats(campaign: Campaign) -> dict[str, dict[str, int]]:
    """Per state (pending, sending, sent, failed, skipped), per delivery status the channels reported (sent,
    delivered, read, failed) and per channel."""
    rows = Recipient.objects.filter(campaign=campaign).order_by()
    states = dict(rows.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
    delivery = dict(
        rows.exclude(delivery="").values_list("delivery").annotate(n=Count("id")).values_list("delivery", "n")
    )
    channels = dict(rows.values_list("channel").annotate(n=Count("id")).values_list("channel", "n"))
    return {
        "states": {state: states.get(state, 0) for state in RecipientState.values},
        "delivery": {status: delivery.get(status, 0) for status in ("sent", "delivered", "read", "failed")},
        "channels": channels,
    }


def campaign_recipients(campaign: Campaign, *, limit: int = 100) -> QuerySet[Recipient]:
    return Recipient.objects.filter(campaign=campaign).select_related("contact").order_by("id")[:limit]


@dataclass(frozen=True)
class Preview:
    """What queueing a campaign to a segment would do now, before anything is written."""

    matched: int
    opted_out: int
    per_channel: dict[str, int]

    @property
    def reachable(self) -> int:
        return sum(self.per_channel.values())

    @property
    def unreachable(self) -> int:
        return self.matched - self.opted_out - self.reachable


def segment_preview(segment: Segment) -> Preview:
    people = segment_contacts(segment)
    matched = people.count()
    reachable = people.exclude(pk__in=opted_out_ids())
    per_channel: dict[str, int] = {}
    for reach in preferred_channels(reachable).values():
        per_channel[reach.channel] = per_channel.get(reach.channel, 0) + 1
    return Preview(matched, matched - reachable.count(), dict(sorted(per_channel.items())))
