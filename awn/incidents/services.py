"""Writes of surge mode: declare and end an incident, link matching tickets in bulk, broadcast to the affected.

Replies go out through the tickets' own outgoing path (`ticket_add_bot_reply`: the connectors' outbox on WhatsApp,
Telegram and email threads, the notifications' email for portal tickets, the live chat line), so delivery,
retries and delivery status are the channels' as for any reply.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import User
from awn.core import leases
from awn.core.errors import NotFound, PermissionDenied, ValidationError, lazy_format, required_text
from awn.core.events import publish
from awn.core.tasks import dispatch, enqueue, enqueue_in
from awn.crm.enums import ContactType
from awn.crm.models import Contact
from awn.crm.services import contact_create
from awn.tickets import services as tickets
from awn.tickets.enums import Category, Channel, Priority, Status
from awn.tickets.models import Ticket

from .enums import DONE_STATES, BroadcastKind, IncidentStatus, RecipientState
from .events import SpikeDetected
from .models import Broadcast, FirstReply, Incident, Recipient, SpikeAlert
from .policies import can_manage_incident, can_manage_incidents
from .selectors import (
    Criteria,
    Spike,
    active_incidents,
    category_spikes,
    forget_active_incidents,
    incident_for_reply,
    matching_tickets,
)

logger = logging.getLogger(__name__)
SEND_JOB = "awn.incidents.tasks.send_broadcast"
ANSWER_JOB = "awn.incidents.tasks.answer_new_ticket"
LEASE_SECONDS = 120
MAX_ATTEMPTS = 3
TITLE_MAX = 200
MESSAGE_MAX = 2000
# Messages per second per provider (the channel's connector or the mail relay), and per day.
DEFAULT_RATES = {"whatsapp": 20, "telegram": 25, "email": 10, "portal": 10, "chat": 20}
DEFAULT_DAILY_LIMITS = {"whatsapp": 100_000}


_require = required_text


def _check_guide_url(url: str) -> str:
    url = (url or "").strip()
    if url and not (
        url.startswith(("https://", "http://")) or (url.startswith("/") and not url.startswith("//"))
    ):
        raise ValidationError(_("The guide link must start with https:// or /."), field="guide_url")
    return url[:500]


def _staff_contact(actor: User) -> Contact:
    """The requester of a problem ticket a supervisor opens: their own contact profile, created once."""
    existing = Contact.objects.filter(user=actor).first()
    if existing is not None:
        return existing
    return contact_create(
        name=actor.get_full_name() or actor.username, contact_type=ContactType.OTHER, user=actor
    )


def _require_manager(actor: User) -> None:
    if not can_manage_incidents(actor):
        raise PermissionDenied()


def incident_for(actor: User, incident_id: int) -> Incident:
    """An incident the actor may act on; NotFound otherwise (no existence leak)."""
    incident = Incident.objects.select_related("problem").filter(pk=incident_id).first()
    if incident is None or not can_manage_incident(actor, incident):
        raise NotFound()
    return incident


@transaction.atomic
def incident_declare(
    *,
    actor: User,
    title_ar: str,
    message_ar: str,
    title_en: str = "",
    message_en: str = "",
    guide_url: str = "",
    category: str = "",
    keywords: str = "",
    auto_reply: bool = True,
    problem: Ticket | None = None,
) -> Incident:
    """One action: the problem ticket (a new one, or `problem` if given), the portal banner and the automatic
    first reply (both while the incident is active). Supervisors and admins only."""
    _require_manager(actor)
    title_ar = _require(title_ar, field="title_ar", label=_("The title"), max_length=TITLE_MAX)
    message_ar = _require(message_ar, field="message_ar", label=_("The message"), max_length=MESSAGE_MAX)
    title_en = (title_en or "").strip()[:TITLE_MAX]
    message_en = (message_en or "").strip()[:MESSAGE_MAX]
    if category and category not in Category.values:
        raise ValidationError(lazy_format(_("Unknown value “%(value)s”."), value=category), field="category")
    guide_url = _check_guide_url(guide_url)
    if problem is None:
        problem = tickets.ticket_create(
            requester=_staff_contact(actor),
            subject=title_ar,
            body=message_ar,
            category=category or Category.OTHER,
            priority=Priority.URGENT,
            channel=Channel.AGENT,
            actor=actor,
        )
    else:
        from awn.tickets.policies import can_view_ticket

        if not can_view_ticket(actor, problem):
            raise NotFound()
        if Incident.objects.filter(problem=problem).exists():
            raise ValidationError(_("This ticket is already an incident's problem."), field="problem")
        if problem.problem_id is not None:
            raise ValidationError(
                _("A problem ticket cannot be an incident of another problem."), field="problem"
            )
    Ticket.objects.filter(pk=problem.pk).update(is_problem=True)
    incident = Incident.objects.create(
        problem=problem,
        title_ar=title_ar,
        title_en=title_en,
        message_ar=message_ar,
        message_en=message_en,
        guide_url=guide_url,
        category=category,
        keywords=(keywords or "").strip()[:300],
        auto_reply=auto_reply,
        declared_by=actor,
    )
    tickets.ticket_record_automation(
        ticket_id=problem.pk, name=f"incident:{incident.pk}", kind="incident", actor=actor
    )
    # Now (creating the problem ticket above asked for the active incidents: none yet) and after the commit.
    forget_active_incidents()
    transaction.on_commit(forget_active_incidents)
    return incident


@transaction.atomic
def incident_end(*, actor: User, incident: Incident) -> Incident:
    """The banner and the automatic first reply stop; the problem ticket and its links stay."""
    if not can_manage_incident(actor, incident):
        raise NotFound()
    Incident.objects.filter(pk=incident.pk, status=IncidentStatus.ACTIVE).update(
        status=IncidentStatus.RESOLVED, resolved_at=timezone.now()
    )
    transaction.on_commit(forget_active_incidents)
    incident.refresh_from_db()
    return incident


# --- the automatic first reply ------------------------------------------------------------------------


def incident_reply_text(incident_title: str, message: str, guide_url: str, language: str) -> str:
    with translation.override(language):
        lines = [gettext("We know about this problem: %(title)s") % {"title": incident_title}, message]
        if guide_url:
            lines.append(gettext("Guide: %(url)s") % {"url": guide_url})
        lines.append(gettext("We will write to you here as soon as it is solved."))
    return "\n\n".join(lines)


def active_incident_reply(category: str = "", text: str = "", language: str = "ar") -> str | None:
    """The automatic first reply for a new contact about an active incident (its category and/or keywords), in
    the person's language; None when no active incident matches. For auto-acknowledgements that write their own
    text (a channel's welcome message): call it with the new contact's category and text."""
    incident = incident_for_reply(category, text)
    if incident is None:
        return None
    return incident_reply_text(
        incident.title(language), incident.message(language), incident.guide_url, language
    )


def _language_of(contact: Contact) -> str:
    return "en" if (contact.language or "ar").startswith("en") else "ar"


def incident_claim_new_ticket(ticket_id: int) -> bool:
    """Inside the transaction that creates a ticket (a sync reaction to TicketCreated): when an active incident
    with an automatic first reply matches it, the ticket is linked to the incident's problem and marked as the
    incident's to answer, and the answering job follows the commit. The link is written before any job runs, so
    the assistant's generic first answer (WhatsApp, Telegram, email, live chat) sees it and stays silent: the
    incident's reply is the one automatic first message. Returns whether it was claimed."""
    if not any(incident.auto_reply for incident in active_incidents()):
        return False
    ticket = Ticket.objects.select_related("requester").filter(pk=ticket_id).first()
    if ticket is None or ticket.is_problem or ticket.problem_id or ticket.status == Status.CLOSED:
        return False
    first = ticket.messages.order_by("id").values_list("body", flat=True).first() or ""
    match = incident_for_reply(ticket.category, f"{ticket.subject}\n{first}")
    if match is None:
        return False
    incident = (
        Incident.objects.select_related("problem").filter(pk=match.pk, status=IncidentStatus.ACTIVE).first()
    )
    if incident is None:
        return False
    if not tickets.tickets_link_to_problem(problem=incident.problem, ticket_ids=[ticket.pk], actor=None):
        return False
    _claim, created = FirstReply.objects.get_or_create(
        ticket_id=ticket.pk, defaults={"incident": incident, "language": _language_of(ticket.requester)}
    )
    if created:
        enqueue(ANSWER_JOB, ticket.pk)
    return created


def incident_answer_new_ticket(ticket_id: int) -> bool:
    """The job after the claim: the incident's explanation and guide, once, on the ticket's own channel (the
    outgoing services deliver it: the connectors' outbox, the notification email, the live chat's line). A
    second delivery of the job, or the sweep, finds the claim answered and does nothing. Returns whether it
    answered now."""
    with transaction.atomic():
        claim = (
            FirstReply.objects.select_for_update()
            .select_related("incident", "ticket")
            .filter(ticket_id=ticket_id, message_id__isnull=True)
            .first()
        )
        if claim is None:
            return False
        incident, language = claim.incident, claim.language
        title = incident.title_en if language == "en" and incident.title_en else incident.title_ar
        message = incident.message_en if language == "en" and incident.message_en else incident.message_ar
        body = incident_reply_text(title, message, incident.guide_url, language)
        try:
            reply = tickets.ticket_add_bot_reply(ticket=claim.ticket, body=body)
        except ValidationError:  # closed meanwhile: nothing to answer, and never tried again
            FirstReply.objects.filter(pk=claim.pk).update(message_id=0)
            return False
        FirstReply.objects.filter(pk=claim.pk).update(message_id=reply.pk)
    return True


def first_replies_resume(*, stale_seconds: int = 30) -> int:
    """The sweep: claims a crash or a lost job left unanswered are answered (each once). Returns how many."""
    since = timezone.now() - timedelta(seconds=stale_seconds)
    ids = list(
        FirstReply.objects.filter(message_id__isnull=True, created_at__lt=since)
        .order_by("pk")
        .values_list("ticket_id", flat=True)[:1000]
    )
    for ticket_id in ids:
        dispatch(ANSWER_JOB, ticket_id)
    return len(ids)


# --- spike alerts ------------------------------------------------------------------------------------


def spikes_alert(*, now: Any = None) -> list[SpikeAlert]:
    """The periodic scan: each category top problems' spike detection flags (selectors.category_spikes) and no
    active incident covers yet is alerted once per hour: a row, and SpikeDetected for the supervisors' screens
    (awn/realtime computes who hears of it). Returns the alerts written now."""
    now = now or timezone.now()
    spikes = category_spikes(now=now)
    if not spikes:
        return []
    covered = set(
        Incident.objects.filter(status=IncidentStatus.ACTIVE)
        .exclude(category="")
        .values_list("category", flat=True)
    )
    hour = now.replace(minute=0, second=0, microsecond=0)
    return [alert for spike in spikes if spike.category not in covered if (alert := _alert_once(spike, hour))]


@transaction.atomic
def _alert_once(spike: Spike, hour: Any) -> SpikeAlert | None:
    alert, created = SpikeAlert.objects.get_or_create(
        category=spike.category,
        hour=hour,
        defaults={"last_hour": spike.last_hour, "usual_per_hour": round(spike.usual_per_hour, 2)},
    )
    if not created:
        return None
    publish(
        SpikeDetected(
            alert_id=alert.pk,
            category=spike.category,
            last_hour=spike.last_hour,
            usual_per_hour=alert.usual_per_hour,
        )
    )
    return alert


# --- bulk linking -------------------------------------------------------------------------------------


def incident_link_matching(*, actor: User, incident: Incident, criteria: Criteria) -> int:
    """Link every ticket the criteria select (thousands at once, set-based); re-running links nothing twice."""
    if not can_manage_incident(actor, incident):
        raise NotFound()
    if criteria.empty:
        raise ValidationError(
            _("Give a search text, a category or an external event: linking needs at least one."),
            field="text",
        )
    ids = list(matching_tickets(actor, incident, criteria).values_list("pk", flat=True))
    return tickets.tickets_link_to_problem(problem=incident.problem, ticket_ids=ids, actor=actor)


# --- broadcasts ---------------------------------------------------------------------------------------


def provider_rate(channel: str) -> int:
    rates = {**DEFAULT_RATES, **getattr(settings, "AWN_BROADCAST_RATES", {})}
    return max(1, int(rates.get(channel, 10)))


def provider_daily_limit(channel: str) -> int | None:
    limits = {**DEFAULT_DAILY_LIMITS, **getattr(settings, "AWN_BROADCAST_DAILY_LIMITS", {})}
    value = limits.get(channel)
    return int(value) if value is not None else None


def _audience(incident: Incident) -> dict[int, tuple[int, str]]:
    """Per affected person, the ticket to answer on (their latest open linked ticket) and its channel."""
    latest = (
        Ticket.objects.filter(problem_id=incident.problem_id, merged_into__isnull=True)
        .exclude(status=Status.CLOSED)
        .values("requester_id")
        .annotate(latest=Max("pk"))
        .values_list("latest", flat=True)
    )
    rows = Ticket.objects.filter(pk__in=latest).values_list("requester_id", "pk", "channel")
    return {contact_id: (ticket_id, channel) for contact_id, ticket_id, channel in rows}


def _check_daily_limits(audience: dict[int, tuple[int, str]]) -> None:
    per_channel: dict[str, int] = {}
    for _ticket_id, channel in audience.values():
        per_channel[channel] = per_channel.get(channel, 0) + 1
    day_start = timezone.now() - timedelta(days=1)
    for channel, count in sorted(per_channel.items()):
        limit = provider_daily_limit(channel)
        if limit is None:
            continue
        used = (
            Recipient.objects.filter(channel=channel)
            .filter(Q(sent_at__gte=day_start) | Q(state__in=(RecipientState.PENDING, RecipientState.SENDING)))
            .count()
        )
        if used + count > limit:
            raise ValidationError(
                lazy_format(
                    _(
                        "This broadcast would send %(count)d messages on %(channel)s, but the provider allows "
                        "%(limit)d a day and %(used)d are already sent or queued. Nothing was sent."
                    ),
                    count=count,
                    channel=Channel.label(channel),
                    limit=limit,
                    used=used,
                ),
                field="body_ar",
            )


@transaction.atomic
def broadcast_create(
    *, actor: User, incident: Incident, kind: str, body_ar: str, body_en: str = ""
) -> Broadcast:
    """One Broadcast and one Recipient per affected person (their latest open linked ticket, on its channel),
    then the sending job. Refused before anything is written when nobody is affected or a provider's daily
    limit would be passed. A resolution also ends the incident and resolves the problem and every linked
    ticket, in the same action (`_resolve`)."""
    if not can_manage_incident(actor, incident):
        raise NotFound()
    if kind not in BroadcastKind.values:
        raise ValidationError(lazy_format(_("Unknown value “%(value)s”."), value=kind), field="kind")
    body_ar = _require(body_ar, field="body_ar", label=_("The message"), max_length=tickets.BODY_MAX)
    body_en = (body_en or "").strip()[: tickets.BODY_MAX]
    audience = _audience(incident)
    if not audience:
        raise ValidationError(
            _("Nobody is affected yet: no open ticket is linked to this incident. Nothing was sent."),
            field="body_ar",
        )
    _check_daily_limits(audience)
    broadcast = Broadcast.objects.create(
        incident=incident, kind=kind, body_ar=body_ar, body_en=body_en, created_by=actor, total=len(audience)
    )
    Recipient.objects.bulk_create(
        (
            Recipient(broadcast=broadcast, contact_id=contact_id, ticket_id=ticket_id, channel=channel)
            for contact_id, (ticket_id, channel) in audience.items()
        ),
        batch_size=1000,
    )
    enqueue(SEND_JOB, broadcast.pk)
    if kind == BroadcastKind.RESOLUTION:
        _resolve(actor, incident)
    return broadcast


def _resolve(actor: User, incident: Incident) -> None:
    """The resolution is one action: the broadcast tells everyone affected; the incident ends (banner and
    automatic reply off); the problem ticket is resolved and so are its linked incidents, in batches after the
    commit (tickets.tickets_resolve_incidents), without a "resolved" notice of their own: the broadcast is it."""
    Incident.objects.filter(pk=incident.pk, status=IncidentStatus.ACTIVE).update(
        status=IncidentStatus.RESOLVED, resolved_at=timezone.now()
    )
    forget_active_incidents()
    transaction.on_commit(forget_active_incidents)
    problem = Ticket.objects.get(pk=incident.problem_id)
    if problem.status in (Status.RESOLVED, Status.CLOSED):
        tickets.tickets_resolve_incidents(problem=problem, actor=actor, notify_requester=False)
    else:
        tickets.ticket_update(
            ticket=problem, actor=actor, changes={"status": Status.RESOLVED}, notify_requester=False
        )


def lease_seconds() -> int:
    """How long a claimed row is its sender's: past it, the row is taken to belong to a dead sender. Longer than
    one round takes (AWN_BROADCAST_LEASE_SECONDS)."""
    return int(getattr(settings, "AWN_BROADCAST_LEASE_SECONDS", LEASE_SECONDS))


def _claim(broadcast_id: int, channel: str, limit: int) -> list[int]:
    """Up to `limit` recipients of one channel to send now, under a lease (awn/core/leases.py)."""
    return leases.claim(
        Recipient.objects.filter(broadcast_id=broadcast_id, channel=channel),
        limit=limit,
        lease_seconds=lease_seconds(),
    )


def _body_for(broadcast: Broadcast, language: str) -> str:
    if language.startswith("en") and broadcast.body_en:
        return broadcast.body_en
    return broadcast.body_ar


# Called after the reply is written and before the row is marked sent, inside the same transaction (tests use it
# to stop a sender there, as a crash would).
after_reply_hook: Callable[[Recipient], Any] | None = None


def _send_one(broadcast: Broadcast, recipient_id: int) -> str:
    """Answer one recipient on their ticket, exactly once: the reply and the row's `sent` commit together."""
    with transaction.atomic():
        recipient = (
            Recipient.objects.select_for_update()
            .select_related("contact", "ticket")
            .filter(pk=recipient_id, state=RecipientState.SENDING)
            .first()
        )
        if recipient is None:
            return "skipped"  # done by someone else meanwhile
        recipient.attempts += 1
        body = _body_for(broadcast, recipient.contact.language or "ar")
        try:
            with transaction.atomic():
                message = tickets.ticket_add_bot_reply(ticket=recipient.ticket, body=body)
                if after_reply_hook is not None:
                    after_reply_hook(recipient)
        except ValidationError as exc:
            recipient.state = RecipientState.FAILED
            recipient.error = str(exc.message)[:200]
            recipient.save(update_fields=["state", "error", "attempts"])
            return RecipientState.FAILED
        recipient.state = RecipientState.SENT
        recipient.message_id = message.pk
        recipient.sent_at = timezone.now()
        recipient.lease_until = None
        recipient.save(update_fields=["state", "message_id", "sent_at", "lease_until", "attempts"])
    return RecipientState.SENT


def broadcast_send_batch(broadcast_id: int, *, seconds: float = 1.0) -> int:
    """One round of sending: per channel, at most its provider's rate × `seconds` recipients. Returns how many
    remain to send (the job runs again `seconds` later while some do)."""
    broadcast = Broadcast.objects.filter(pk=broadcast_id, finished_at__isnull=True).first()
    if broadcast is None:
        return 0
    channels = list(
        Recipient.objects.filter(broadcast=broadcast)
        .exclude(state__in=DONE_STATES)
        .order_by("channel")  # not the model's ordering by id: DISTINCT would keep one row per recipient
        .values_list("channel", flat=True)
        .distinct()
    )
    for channel in channels:
        for recipient_id in _claim(broadcast.pk, channel, max(1, int(provider_rate(channel) * seconds))):
            _send_one(broadcast, recipient_id)
    remaining = Recipient.objects.filter(broadcast=broadcast).exclude(state__in=DONE_STATES).count()
    if remaining == 0:
        Broadcast.objects.filter(pk=broadcast.pk, finished_at__isnull=True).update(finished_at=timezone.now())
    return remaining


def broadcast_run(broadcast_id: int) -> None:
    """The job: one batch now, the next one a second later (the providers' rates), until every row is done."""
    started = timezone.now()
    remaining = broadcast_send_batch(broadcast_id)
    if remaining:
        elapsed = (timezone.now() - started).total_seconds()
        enqueue_in(SEND_JOB, broadcast_id, seconds=max(0.0, 1.0 - elapsed))


def broadcasts_resume() -> int:
    """The sweep: unfinished broadcasts with pending rows or rows whose sender died are sent again (a crash, a
    lost job). Returns how many were nudged."""
    now = timezone.now()
    ids = list(
        Broadcast.objects.filter(finished_at__isnull=True)
        .filter(
            Q(recipients__state=RecipientState.PENDING)
            | Q(recipients__state=RecipientState.SENDING, recipients__lease_until__lt=now)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
    )
    for broadcast_id in ids:
        dispatch(SEND_JOB, broadcast_id)  # a sweep runs outside any transaction: now, not on a commit
    return len(ids)


def recipient_delivery_update(message_id: int, status: str) -> None:
    """A channel's delivery status (delivered, read, failed) for a broadcast reply, shown per recipient."""
    Recipient.objects.filter(message_id=message_id).update(delivery=status[:16])
