"""Writes of proactive outreach: segments, campaigns (checked before anything is sent), exactly-once sending at
the providers' rates outside quiet hours, opt-outs and delivery statuses.

Each message leaves through the tickets' own outgoing path: a ticket the center opens to write first (born
resolved: nobody's queue, no SLA clock) on the person's preferred channel, its thread to the address they used
(so WhatsApp's 24-hour window is honest and the inbox's template goes outside it), and the guide as its one reply
(the connectors' outbox, or the notifications' email). Delivery, retries and statuses are the channels' own.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import User
from awn.connectors.services import outbound_thread_open
from awn.core import leases
from awn.core.errors import NotFound, PermissionDenied, ValidationError, lazy_format, required_text
from awn.core.tasks import dispatch, enqueue, enqueue_in
from awn.core.text.arabic import normalize_arabic
from awn.crm.enums import ContactType
from awn.crm.models import Contact, Organization
from awn.incidents import models as incidents_models
from awn.incidents.services import lease_seconds, provider_daily_limit, provider_rate
from awn.knowledge.models import Article
from awn.tickets import services as tickets
from awn.tickets.enums import Channel
from awn.tickets.models import Message

from . import selectors
from .enums import DONE_STATES, Audience, CampaignStatus, RecipientState
from .models import Campaign, OptOut, Recipient, Segment
from .policies import can_manage_outreach

logger = logging.getLogger(__name__)
SEND_JOB = "awn.outreach.tasks.send_campaign"
OPT_OUT_JOB = "awn.outreach.tasks.opt_out_reply"
NAME_MAX = 200
INTRO_MAX = 1000
EXCERPT_MAX = 700
# Short replies that stop outreach, compared after normalization (hamzas, case).
STOP_WORDS = frozenset(
    normalize_arabic(w) for w in ("stop", "unsubscribe", "إيقاف", "ايقاف", "أوقف", "الغاء", "إلغاء الاشتراك")
)


def _require_manager(actor: User) -> None:
    if not can_manage_outreach(actor):
        raise PermissionDenied()


# --- segments ----------------------------------------------------------------------------------------------


def segment_create(
    *,
    actor: User,
    name: str,
    audience: str = Audience.PEOPLE,
    contact_type: str = "",
    school: Organization | None = None,
    grade: int | None = None,
    event_type: str = "",
    event_hours: int = 24,
) -> Segment:
    """A segment from CRM data (contact type, school, grade; the students' parents) and external events (who had
    `event_type` in the last `event_hours`). At least one criterion: a segment of "everyone" is refused."""
    _require_manager(actor)
    name = required_text(name, field="name", label=_("The name"), max_length=NAME_MAX)
    if audience not in Audience.values:
        raise ValidationError(lazy_format(_("Unknown value “%(value)s”."), value=audience), field="audience")
    if contact_type and contact_type not in ContactType.values:
        raise ValidationError(
            lazy_format(_("Unknown value “%(value)s”."), value=contact_type), field="contact_type"
        )
    if grade is not None and not 1 <= grade <= 12:
        raise ValidationError(_("The grade is a number from 1 to 12."), field="grade")
    event_type = (event_type or "").strip()[:64]
    if not 1 <= event_hours <= 24 * 31:
        raise ValidationError(_("The period is from 1 hour to 31 days."), field="event_hours")
    if not (contact_type or school or grade is not None or event_type):
        raise ValidationError(
            _("Give at least one criterion: a contact type, a school, a grade or an external event."),
            field="name",
        )
    return Segment.objects.create(
        name=name,
        audience=audience,
        contact_type=contact_type,
        school=school,
        grade=grade,
        event_type=event_type,
        event_hours=event_hours,
        created_by=actor,
    )


# --- campaigns ---------------------------------------------------------------------------------------------


def _used_today(channel: str) -> int:
    """Messages a provider was given, or has queued, in the last day: outreach and surge-mode broadcasts share
    the provider's daily cap."""
    day_start = timezone.now() - timedelta(days=1)
    busy = (RecipientState.PENDING, RecipientState.SENDING)
    outreach = Recipient.objects.filter(channel=channel).filter(Q(sent_at__gte=day_start) | Q(state__in=busy))
    broadcasts = incidents_models.Recipient.objects.filter(channel=channel).filter(
        Q(sent_at__gte=day_start) | Q(state__in=busy)
    )
    return outreach.count() + broadcasts.count()


def _check_daily_caps(per_channel: Counter[str]) -> None:
    for channel, count in sorted(per_channel.items()):
        limit = provider_daily_limit(channel)
        if limit is None:
            continue
        used = _used_today(channel)
        if used + count > limit:
            raise ValidationError(
                lazy_format(
                    _(
                        "This campaign would send %(count)d messages on %(channel)s, but the provider allows "
                        "%(limit)d a day and %(used)d are already sent or queued. Nothing was sent: narrow the "
                        "segment or send it tomorrow."
                    ),
                    count=count,
                    channel=Channel.label(channel),
                    limit=limit,
                    used=used,
                ),
                field="segment",
            )


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    segment: Segment,
    article: Article,
    intro_ar: str = "",
    intro_en: str = "",
    launch: bool = True,
) -> Campaign:
    """Queue a guide for everyone the segment matches now, once each, on their preferred channel: opted-out
    people are left out (counted), people with no channel are left out (counted). Refused with a clear message,
    before anything is written, when the segment matches nobody who can be reached or a provider's daily cap
    would be passed. `launch` False: a draft, its recipients counted and held (they count against the daily
    caps), nothing sent until campaign_launch."""
    _require_manager(actor)
    if not article.is_public:
        raise ValidationError(_("Only a published public article can be sent as a guide."), field="article")
    intro_ar = (intro_ar or "").strip()[:INTRO_MAX]
    intro_en = (intro_en or "").strip()[:INTRO_MAX]
    people = selectors.segment_contacts(segment)
    matched = people.count()
    if matched == 0:
        raise ValidationError(_("This segment matches nobody right now. Nothing was sent."), field="segment")
    reachable = people.exclude(pk__in=selectors.opted_out_ids())
    opted_out = matched - reachable.count()
    reach = selectors.preferred_channels(reachable)
    if not reach:
        raise ValidationError(
            lazy_format(
                _(
                    "The segment matches %(matched)d people, but none of them can be reached (opted out, or no "
                    "WhatsApp, Telegram or email on record). Nothing was sent."
                ),
                matched=matched,
            ),
            field="segment",
        )
    _check_daily_caps(Counter(r.channel for r in reach.values()))
    campaign = Campaign.objects.create(
        segment=segment,
        article=article,
        intro_ar=intro_ar,
        intro_en=intro_en,
        total=len(reach),
        matched=matched,
        opted_out=opted_out,
        unreachable=matched - opted_out - len(reach),
        created_by=actor,
        status=CampaignStatus.SENDING if launch else CampaignStatus.DRAFT,
    )
    Recipient.objects.bulk_create(
        (
            Recipient(
                campaign=campaign,
                contact_id=contact_id,
                channel=r.channel,
                inbox_id=r.inbox_id,
                address=r.address[:200],
            )
            for contact_id, r in reach.items()
        ),
        batch_size=2000,
    )
    if launch:
        enqueue(SEND_JOB, campaign.pk)
    return campaign


def campaign_for(actor: User, campaign_id: int) -> Campaign:
    campaign = Campaign.objects.select_related("segment", "article").filter(pk=campaign_id).first()
    if campaign is None or not can_manage_outreach(actor):
        raise NotFound()
    return campaign


def segment_for(actor: User, segment_id: int) -> Segment:
    segment = Segment.objects.select_related("school").filter(pk=segment_id).first()
    if segment is None or not can_manage_outreach(actor):
        raise NotFound()
    return segment


@transaction.atomic
def campaign_launch(*, actor: User, campaign_id: int) -> Campaign:
    """Start (a draft) or resume (a paused campaign) sending: the rows still pending go out, nobody twice.
    Launching a campaign already sending does nothing; a finished one is refused."""
    campaign = campaign_for(actor, campaign_id)
    campaign = Campaign.objects.select_for_update().select_related("segment", "article").get(pk=campaign.pk)
    if campaign.status == CampaignStatus.DONE:
        raise ValidationError(_("This campaign is finished: nothing is left to send."), field="status")
    if campaign.status != CampaignStatus.SENDING:
        campaign.status = CampaignStatus.SENDING
        campaign.save(update_fields=["status"])
        enqueue(SEND_JOB, campaign.pk)
    return campaign


@transaction.atomic
def campaign_pause(*, actor: User, campaign_id: int) -> Campaign:
    """Stop sending: the rounds and the sweep leave a paused campaign (a message already handed to a provider
    stays sent); campaign_launch resumes it where it stopped. A finished campaign is refused."""
    campaign = campaign_for(actor, campaign_id)
    campaign = Campaign.objects.select_for_update().select_related("segment", "article").get(pk=campaign.pk)
    if campaign.status == CampaignStatus.DONE:
        raise ValidationError(_("This campaign is finished: nothing is left to pause."), field="status")
    if campaign.status == CampaignStatus.SENDING:
        campaign.status = CampaignStatus.PAUSED
        campaign.save(update_fields=["status"])
    return campaign


# --- sending -----------------------------------------------------------------------------------------------


def guide_text(campaign: Campaign, language: str) -> str:
    """The message: the introduction (or a default line), the guide's title, an excerpt and its link, and how to
    stop these messages; in the person's language (the article's English when it has one)."""
    article = campaign.article
    english = language.startswith("en")
    title = article.title_en if english and article.title_en else article.title_ar
    body = article.body_en if english and article.body_en else article.body_ar
    excerpt = body if len(body) <= EXCERPT_MAX else body[: EXCERPT_MAX - 1].rstrip() + "…"
    base = str(getattr(settings, "AWN_PUBLIC_URL", "http://127.0.0.1:8000")).rstrip("/")
    with translation.override("en" if english else "ar"):
        intro = (campaign.intro_en if english else campaign.intro_ar) or gettext(
            "A guide that may help you: %(title)s"
        ) % {"title": title}
        lines = [
            intro,
            f"{title}\n{excerpt}",
            gettext("Read the whole guide: %(url)s") % {"url": f"{base}/portal/kb/{article.external_id}/"},
            gettext("To receive no more of these messages, reply STOP (إيقاف)."),
        ]
    return "\n\n".join(lines)


# Called after the message is written and before the row is marked sent, in the same transaction (tests use it
# to stop a sender there, as a crash would).
after_send_hook: Callable[[Recipient], Any] | None = None


def _send_one(campaign: Campaign, recipient_id: int) -> str:
    """One person, exactly once: the ticket, its thread, the message and the row's "sent" commit together."""
    with transaction.atomic():
        recipient = (
            Recipient.objects.select_for_update()
            .select_related("contact")
            .filter(pk=recipient_id, state=RecipientState.SENDING)
            .first()
        )
        if recipient is None:
            return "skipped"  # done by another sender meanwhile
        if OptOut.objects.filter(contact_id=recipient.contact_id).exists():
            Recipient.objects.filter(pk=recipient.pk).update(
                state=RecipientState.SKIPPED, error="opted out", lease_until=None
            )
            return RecipientState.SKIPPED
        attempts = recipient.attempts + 1
        try:
            with transaction.atomic():
                ticket = tickets.ticket_open_proactive(
                    requester=recipient.contact,
                    subject=campaign.article.title_ar,
                    channel=recipient.channel,
                    actor=campaign.created_by,
                )
                if recipient.inbox_id is not None:
                    outbound_thread_open(
                        ticket_id=ticket.pk,
                        contact_id=recipient.contact_id,
                        inbox_id=recipient.inbox_id,
                        address=recipient.address,
                    )
                message = tickets.ticket_add_bot_reply(
                    ticket=ticket, body=guide_text(campaign, recipient.contact.language or "ar")
                )
                if after_send_hook is not None:
                    after_send_hook(recipient)
        except ValidationError as exc:
            Recipient.objects.filter(pk=recipient.pk).update(
                state=RecipientState.FAILED, error=str(exc.message)[:200], attempts=attempts, lease_until=None
            )
            return RecipientState.FAILED
        Recipient.objects.filter(pk=recipient.pk).update(
            state=RecipientState.SENT,
            ticket_id=ticket.pk,
            message_id=message.pk,
            sent_at=timezone.now(),
            lease_until=None,
            attempts=attempts,
        )
    return RecipientState.SENT


def _remaining(campaign_id: int) -> int:
    return Recipient.objects.filter(campaign_id=campaign_id).exclude(state__in=DONE_STATES).count()


def campaign_send_batch(campaign_id: int, *, seconds: float = 1.0, now: datetime | None = None) -> int:
    """One round: nothing during quiet hours (Asia/Riyadh); else, per channel, at most its provider's rate ×
    `seconds` people. Returns how many remain."""
    campaign = (
        Campaign.objects.select_related("article", "created_by")
        .filter(pk=campaign_id, finished_at__isnull=True, status=CampaignStatus.SENDING)
        .first()
    )
    if campaign is None:
        return 0
    if selectors.quiet_seconds_left(now) > 0:
        return _remaining(campaign.pk)
    channels = list(
        Recipient.objects.filter(campaign=campaign)
        .exclude(state__in=DONE_STATES)
        .order_by("channel")
        .values_list("channel", flat=True)
        .distinct()
    )
    for channel in channels:
        rows = Recipient.objects.filter(campaign=campaign, channel=channel)
        limit = max(1, int(provider_rate(channel) * seconds))
        for recipient_id in leases.claim(rows, limit=limit, lease_seconds=lease_seconds()):
            _send_one(campaign, recipient_id)
    remaining = _remaining(campaign.pk)
    if remaining == 0:
        Campaign.objects.filter(pk=campaign.pk, finished_at__isnull=True).update(
            finished_at=timezone.now(), status=CampaignStatus.DONE
        )
    return remaining


def campaign_run(campaign_id: int) -> None:
    """The job: one round now, the next a second later (or when quiet hours end), until every row is done."""
    started = timezone.now()
    remaining = campaign_send_batch(campaign_id)
    if remaining:
        wait = selectors.quiet_seconds_left()
        elapsed = (timezone.now() - started).total_seconds()
        enqueue_in(SEND_JOB, campaign_id, seconds=wait or max(0.0, 1.0 - elapsed))


def campaigns_resume(now: datetime | None = None) -> int:
    """The sweep: unfinished campaigns with rows pending, or claimed by a sender that died, are sent on (nobody
    twice). Nothing during quiet hours. Returns how many were nudged."""
    if selectors.quiet_seconds_left(now) > 0:
        return 0
    busy = leases.unfinished(
        Recipient.objects.filter(campaign__finished_at__isnull=True, campaign__status=CampaignStatus.SENDING)
    )
    ids = sorted(set(busy.values_list("campaign_id", flat=True).distinct()))
    for campaign_id in ids:
        dispatch(SEND_JOB, campaign_id)
    return len(ids)


# --- opt-out and delivery ----------------------------------------------------------------------------------


def opt_out(*, contact: Contact, source: str) -> bool:
    """Record that the person wants no more outreach (once: the first time and how is kept); their rows still
    pending in any campaign are skipped. Returns whether it is new."""
    _row, created = OptOut.objects.get_or_create(contact=contact, defaults={"source": source[:32]})
    Recipient.objects.filter(
        contact=contact, state__in=(RecipientState.PENDING, RecipientState.SENDING)
    ).update(state=RecipientState.SKIPPED, error="opted out", lease_until=None)
    return created


def is_stop_word(text: str) -> bool:
    words = normalize_arabic(text).strip(" .!؟?،,").split()
    return 0 < len(words) <= 3 and " ".join(words) in STOP_WORDS


def opt_out_by_reply(message_id: int) -> bool:
    """A person who received outreach answers STOP (إيقاف) on any channel: opted out, recorded, and told so on
    the same thread. Returns whether they were opted out now."""
    message = Message.objects.select_related("ticket", "author_contact").filter(pk=message_id).first()
    if message is None or message.author_contact is None or not is_stop_word(message.body):
        return False
    contact = message.author_contact
    if not Recipient.objects.filter(contact=contact).exists():
        return False  # never written to: "stop" means something else here
    with transaction.atomic():
        if not opt_out(contact=contact, source="keyword"):
            return False
        with translation.override("en" if (contact.language or "ar").startswith("en") else "ar"):
            text = gettext("You will receive no more of these messages.")
        tickets.ticket_add_bot_reply(ticket=message.ticket, body=text)
    return True


def recipient_delivery_update(message_id: int, status: str) -> None:
    """A channel's delivery status (sent, delivered, read, failed) for an outreach message, per recipient."""
    Recipient.objects.filter(message_id=message_id).update(delivery=status[:16])
