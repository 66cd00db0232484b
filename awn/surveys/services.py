"""Writes of the surveys app: invite on resolution, deliver on the requester's channel, record the one answer of a
ticket (whatever channel it comes from), remind once, respect opt-outs, open a follow-up on a low score."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from awn.accounts.enums import AdminAction, Role
from awn.accounts.models import User
from awn.accounts.services import audit_record
from awn.analytics.enums import FactEventKind
from awn.analytics.services import record_event
from awn.connectors.outbound import conversation_for_ticket, window_open
from awn.core.errors import ValidationError
from awn.crm.models import Contact
from awn.notifications.services import notification_enqueue
from awn.tickets.enums import Channel, Direction, MessageKind, Status
from awn.tickets.models import Message, Ticket
from awn.tickets.services import ticket_add_bot_reply, ticket_add_message, ticket_rate

from .enums import Refusal
from .models import Survey, SurveyInvitation, SurveyOptOut, SurveyResponse
from .selectors import MESSAGING_CHANNELS, digit_answer, has_opted_out
from .tokens import make_token
from .triage import comment_sentiment, comment_topic

logger = logging.getLogger(__name__)

LOW_SCORE = 2  # 1 and 2 open a follow-up for the supervisor
FOLLOW_UP_SUPERVISORS_MAX = 5


class SurveyRefused(ValidationError):
    """An answer that cannot be taken; `reason` (enums.Refusal) names the polite page."""

    def __init__(self, reason: str) -> None:
        super().__init__(Refusal(reason).label, field="csat")
        self.reason = reason


def active_survey() -> Survey:
    survey = Survey.objects.filter(is_active=True).order_by("pk").first()
    if survey is None:
        survey, _created = Survey.objects.get_or_create(name="CSAT", defaults={"is_active": True})
    return survey


def survey_link(invitation: SurveyInvitation) -> str:
    base = str(getattr(settings, "AWN_PUBLIC_URL", "http://127.0.0.1:8000")).rstrip("/")
    return base + reverse("surveys:answer", args=[make_token(invitation.pk)])


def _deliverable(ticket: Ticket, contact: Contact) -> bool:
    if ticket.channel in MESSAGING_CHANNELS and _messaging_open(ticket):
        return True
    if ticket.channel == Channel.PORTAL and contact.user_id:
        return True  # the rating prompt on the portal's ticket page, and the email when there is an address
    return bool(contact.email)


@transaction.atomic
def survey_invite(ticket_id: int) -> SurveyInvitation | None:
    """The resolved ticket's one invitation, sent on its channel; None when it gets none (not resolved any more,
    merged, already rated, no way to reach the requester, or the requester opted out). Idempotent."""
    ticket = Ticket.objects.select_related("requester").filter(pk=ticket_id).first()
    if ticket is None or ticket.status != Status.RESOLVED or ticket.merged_into_id or ticket.csat_score:
        return None
    existing = SurveyInvitation.objects.filter(ticket_id=ticket.pk).first()
    if existing is not None:
        return existing
    contact = ticket.requester
    if has_opted_out(contact.pk) or not _deliverable(ticket, contact):
        return None
    survey = active_survey()
    now = timezone.now()
    try:
        with transaction.atomic():
            invitation = SurveyInvitation.objects.create(
                ticket=ticket,
                survey=survey,
                contact=contact,
                channel=ticket.channel,
                sent_at=now,
                expires_at=now + timedelta(days=survey.expiry_days),
            )
    except IntegrityError:  # a second run of the job at the same moment
        return SurveyInvitation.objects.filter(ticket_id=ticket.pk).first()
    record_event(
        kind=FactEventKind.SURVEYED, ticket_id=ticket.pk, at=now, payload={"channel": ticket.channel}
    )
    _deliver(invitation, ticket, contact, reminder=False)
    return invitation


def _messaging_open(ticket: Ticket) -> bool:
    """The ticket's WhatsApp/Telegram thread may take a message now: it exists, and the provider's reply window
    (WhatsApp: 24 hours after the customer's last message) is open. Asked through the connectors' outbound
    service, never their models."""
    conversation = conversation_for_ticket(ticket.pk)
    return conversation is not None and window_open(conversation.inbox, conversation.address)


def _deliver(invitation: SurveyInvitation, ticket: Ticket, contact: Contact, *, reminder: bool) -> bool:
    """On the ticket's channel: a message in a WhatsApp/Telegram thread whose window is open (else the email,
    when there is an address: a message the provider would refuse helps no one), else the email with the link."""
    link = survey_link(invitation)
    with translation.override(contact.language or "ar"):
        if (
            ticket.channel in MESSAGING_CHANNELS
            and ticket.status != Status.CLOSED
            and _messaging_open(ticket)
        ):
            # Through the connector's outbound service: a system reply goes out like any reply (ReplySent).
            ask = _(
                "How satisfied are you with our help? Reply with a number from 1 (very dissatisfied) to 5 (very satisfied), or answer here: %(link)s"
            )
            if reminder:
                ask = _("A reminder: ") + ask
            ticket_add_bot_reply(ticket=ticket, body=ask % {"link": link})
            return True
        if not contact.email:
            return False  # the portal's prompt alone
        subject = (_("[%(ref)s] Reminder: how did we do?") if reminder else _("[%(ref)s] How did we do?")) % {
            "ref": ticket.reference
        }
        body = _(
            "Your ticket “%(subject)s” was resolved. Please tell us how satisfied you are; it takes a "
            "minute:\n\n%(link)s\n\nThe link is valid for %(days)s days. To receive no more surveys, open "
            "the link and choose “No more surveys”."
        ) % {"subject": ticket.subject, "link": link, "days": invitation.survey.expiry_days}
    notification_enqueue(
        dedupe_key=f"survey:{invitation.pk}:{'reminder' if reminder else 'invite'}",
        to_email=contact.email,
        subject=subject,
        body=body,
        ticket_id=ticket.pk,
    )
    return True


@dataclass(frozen=True)
class Answer:
    csat: int
    ces: int | None = None
    nps: int | None = None
    comment: str = ""


def _check(answer: Answer, survey: Survey) -> None:
    if not 1 <= answer.csat <= 5:
        raise ValidationError(gettext_lazy("The rating must be between 1 and 5."), field="csat")
    if answer.ces is not None and (not survey.ask_ces or not 1 <= answer.ces <= 7):
        raise ValidationError(gettext_lazy("The effort score must be between 1 and 7."), field="ces")
    if answer.nps is not None and (not survey.ask_nps or not 0 <= answer.nps <= 10):
        raise ValidationError(gettext_lazy("The recommendation score must be between 0 and 10."), field="nps")


@transaction.atomic
def survey_answer(*, invitation_id: int, answer: Answer, channel: str) -> SurveyResponse:
    """Record the ticket's one answer. The CSAT score goes onto the ticket (tickets.ticket_rate, whose event
    feeds the analytics facts); a second answer, from any channel, is refused (SurveyRefused "answered")."""
    invitation = (
        SurveyInvitation.objects.select_for_update().select_related("survey").filter(pk=invitation_id).first()
    )
    if invitation is None:
        raise SurveyRefused("invalid")
    _check(answer, invitation.survey)
    now = timezone.now()
    if (
        invitation.answered_at is not None
        or SurveyResponse.objects.filter(ticket_id=invitation.ticket_id).exists()
    ):
        raise SurveyRefused("answered")
    if invitation.expires_at <= now:
        raise SurveyRefused("expired")
    if has_opted_out(invitation.contact_id):
        raise SurveyRefused("opted_out")
    ticket = Ticket.objects.select_related("requester").get(pk=invitation.ticket_id)
    comment = (answer.comment or "").strip()[:2000]
    response = SurveyResponse.objects.create(
        ticket=ticket,
        invitation=invitation,
        channel=channel,
        csat=answer.csat,
        ces=answer.ces,
        nps=answer.nps,
        comment=comment,
        sentiment=comment_sentiment(comment, answer.csat),
        topic=comment_topic(comment),
        answered_at=now,
    )
    SurveyInvitation.objects.filter(pk=invitation.pk).update(answered_at=now)
    try:
        # The response row exists first: on_ticket_rated (the portal's own rating) then finds it and does nothing.
        ticket_rate(ticket=ticket, contact=ticket.requester, score=answer.csat, comment=comment)
    except ValidationError as error:
        if ticket.csat_score is not None:
            raise SurveyRefused("answered") from error
        raise SurveyRefused("reopened") from error
    if answer.csat <= LOW_SCORE:
        _open_follow_up(response, ticket)
    return response


def _supervisors_for(ticket: Ticket) -> list[User]:
    supervisors = User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("pk")
    of_team = (
        list(supervisors.filter(team_id=ticket.team_id)[:FOLLOW_UP_SUPERVISORS_MAX]) if ticket.team_id else []
    )
    return of_team or list(supervisors[:FOLLOW_UP_SUPERVISORS_MAX])


def _open_follow_up(response: SurveyResponse, ticket: Ticket) -> None:
    """A low score: an internal note on the ticket naming the supervisors (@username: each gets the workspace's
    notification), recorded on the response. A closed ticket takes no note; the response stays flagged."""
    if ticket.status == Status.CLOSED:
        return
    names = " ".join(f"@{user.username}" for user in _supervisors_for(ticket))
    with translation.override(settings.LANGUAGE_CODE):
        body = _("Follow-up needed: the customer rated our help %(score)s out of 5.") % {
            "score": response.csat
        }
        if response.comment:
            # Named, not quoted: the comment stays on the answer alone, which an erasure of the person blanks.
            body += "\n" + _(
                "Their comment is about: %(topic)s (%(sentiment)s); read it in the survey answers."
            ) % {"topic": response.get_topic_display(), "sentiment": response.get_sentiment_display()}
        if names:
            body += "\n" + _("%(names)s please contact the customer.") % {"names": names}
    ticket_add_message(ticket=ticket, body=body, actor=None, kind=MessageKind.NOTE)
    SurveyResponse.objects.filter(pk=response.pk).update(follow_up=True)
    response.follow_up = True


def survey_record_rating(ticket_id: int) -> SurveyResponse | None:
    """A rating given another way (the portal's form) answers the survey too: one response, counted once."""
    if SurveyResponse.objects.filter(ticket_id=ticket_id).exists():
        return None
    ticket = Ticket.objects.filter(pk=ticket_id).only("pk", "csat_score", "csat_comment").first()
    if ticket is None or ticket.csat_score is None:
        return None
    invitation = SurveyInvitation.objects.filter(ticket_id=ticket_id).first()
    now = timezone.now()
    response = SurveyResponse.objects.create(
        ticket_id=ticket_id,
        invitation=invitation,
        channel=Channel.PORTAL,
        csat=ticket.csat_score,
        comment=ticket.csat_comment,
        sentiment=comment_sentiment(ticket.csat_comment, ticket.csat_score),
        topic=comment_topic(ticket.csat_comment),
        answered_at=now,
    )
    if invitation is not None:
        SurveyInvitation.objects.filter(pk=invitation.pk, answered_at__isnull=True).update(answered_at=now)
    return response


def survey_follow_up_for_rating(ticket_id: int) -> None:
    """After a portal rating commits: a low score opens the same follow-up as a survey's."""
    response = SurveyResponse.objects.filter(
        ticket_id=ticket_id, follow_up=False, csat__lte=LOW_SCORE
    ).first()
    if response is None:
        return
    with transaction.atomic():
        ticket = Ticket.objects.get(pk=ticket_id)
        _open_follow_up(response, ticket)


def survey_opt_out(contact_id: int) -> None:
    SurveyOptOut.objects.get_or_create(contact_id=contact_id)


def survey_answer_from_message(message_id: int) -> SurveyResponse | None:
    """A customer's WhatsApp/Telegram reply that is a digit 1–5, while a survey sent on that channel waits for
    them: it is the answer. The reply opened a new ticket of its own (the surveyed one was resolved): that ticket
    is merged into the surveyed one, so it counts as no new contact."""
    message = (
        Message.objects.select_related("ticket")
        .filter(pk=message_id, channel__in=MESSAGING_CHANNELS, direction=Direction.INBOUND)
        .exclude(author_contact=None)
        .first()
    )
    score = digit_answer(message.body) if message else None
    if message is None or score is None or message.author_contact_id is None:
        return None
    waiting = SurveyInvitation.objects.filter(
        contact_id=message.author_contact_id,
        channel=message.channel,
        answered_at__isnull=True,
        expires_at__gt=timezone.now(),
        sent_at__lte=message.created_at,
    )
    opened_its_ticket = not Message.objects.filter(
        ticket_id=message.ticket_id, direction=Direction.INBOUND, pk__lt=message.pk
    ).exists()
    if not opened_its_ticket:
        # A digit inside a conversation under way answers that conversation (the assistant's "1 solved / 2 a
        # person"), never a survey of another ticket.
        waiting = waiting.filter(ticket_id=message.ticket_id)
    invitation = waiting.order_by("-sent_at").first()
    if invitation is None:
        return None
    try:
        response = survey_answer(
            invitation_id=invitation.pk, answer=Answer(csat=score), channel=message.channel
        )
    except SurveyRefused:
        return None
    _fold_stray_ticket(message, invitation.ticket_id)
    ticket = Ticket.objects.get(pk=invitation.ticket_id)
    if ticket.status != Status.CLOSED:
        with translation.override(invitation.contact.language or "ar"):
            ticket_add_bot_reply(ticket=ticket, body=_("Thank you for your rating!"))
    return response


def _fold_stray_ticket(message: Message, surveyed_ticket_id: int) -> None:
    from awn.tickets.services import ticket_merge

    stray = message.ticket
    if stray.pk == surveyed_ticket_id or stray.merged_into_id:
        return
    # Only a ticket the digit itself opened: the customer's one message, no agent's (the assistant may have
    # answered it already).
    others = Message.objects.filter(ticket_id=stray.pk).exclude(pk=message.pk)
    if others.filter(direction=Direction.INBOUND).exists() or others.exclude(author_user=None).exists():
        return
    try:
        ticket_merge(source=stray, target=Ticket.objects.get(pk=surveyed_ticket_id), actor=None)
    except ValidationError:
        logger.info("survey answer: ticket %s left as it is (the surveyed one is closed)", stray.pk)


def surveys_send_reminders(now: datetime | None = None, *, limit: int = 500) -> int:
    """Remind once: invitations still unanswered past their survey's reminder delay, not expired, not opted out."""
    now = now or timezone.now()
    sent = 0
    for survey in Survey.objects.all():
        due = (
            SurveyInvitation.objects.select_related("ticket", "contact")
            .filter(
                survey=survey,
                answered_at__isnull=True,
                reminded_at__isnull=True,
                sent_at__lte=now - timedelta(hours=survey.reminder_after_hours),
                expires_at__gt=now,
            )
            .exclude(contact__survey_opt_out__isnull=False)
            .order_by("sent_at")[:limit]
        )
        for invitation in due:
            with transaction.atomic():
                if not SurveyInvitation.objects.filter(pk=invitation.pk, reminded_at__isnull=True).update(
                    reminded_at=now
                ):
                    continue  # another worker reminded it
                sent += _deliver(invitation, invitation.ticket, invitation.contact, reminder=True)
    return sent


def surveys_erase_contact(contact_id: int) -> int:
    """The reaction to ContactErased, inside the erasure's transaction: the comments of the surveys of the tickets
    the person opened are blanked (their scores stay: numbers about the service, not about the person)."""
    return (
        SurveyResponse.objects.filter(ticket__requester_id=contact_id).exclude(comment="").update(comment="")
    )


SETTINGS_FIELDS = ("ask_ces", "ask_nps", "expiry_days", "reminder_after_hours")


@transaction.atomic
def survey_settings_save(*, actor: User, values: dict[str, object]) -> Survey:
    """Change the active survey (supervisors and admins); recorded in the administration audit. Invitations
    already sent keep their expiry."""
    survey = Survey.objects.select_for_update().get(pk=active_survey().pk)
    changes = {
        name: [getattr(survey, name), values[name]]
        for name in SETTINGS_FIELDS
        if name in values and getattr(survey, name) != values[name]
    }
    if changes:
        Survey.objects.filter(pk=survey.pk).update(**{name: new for name, (_old, new) in changes.items()})
        audit_record(actor=actor, action=AdminAction.SETTINGS_CHANGED, details={"survey": changes})
        survey.refresh_from_db()
    return survey
