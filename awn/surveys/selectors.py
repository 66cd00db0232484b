"""Reads of the surveys app."""

from __future__ import annotations

import re

from django.utils import timezone

from awn.tickets.enums import Channel, Direction
from awn.tickets.models import Message

from .models import SurveyInvitation, SurveyOptOut, SurveyResponse
from .tokens import TokenError, read_token

# Channels where the survey is a message in the conversation, answered by a reply digit.
MESSAGING_CHANNELS = frozenset({Channel.WHATSAPP, Channel.TELEGRAM})
# A reply that is only a digit 1–5 (Latin or Arabic-Indic), maybe with a dot or a word like «تقييم».
_DIGIT_ANSWER = re.compile(r"^\s*(?:تقييم|تقييمي|rating)?\s*([1-5١-٥])\s*[.!]?\s*$", re.IGNORECASE)
_ARABIC_INDIC = str.maketrans("١٢٣٤٥", "12345")


def digit_answer(text: str) -> int | None:
    """The score of a reply that is only a digit 1–5 (١–٥ too), else None."""
    match = _DIGIT_ANSWER.match(text or "")
    return int(match.group(1).translate(_ARABIC_INDIC)) if match else None


def is_digit_answer(message_id: int) -> bool:
    """A customer's WhatsApp/Telegram message that is only a score."""
    body = (
        Message.objects.filter(pk=message_id, channel__in=MESSAGING_CHANNELS, direction=Direction.INBOUND)
        .values_list("body", flat=True)
        .first()
    )
    return body is not None and digit_answer(body) is not None


def has_opted_out(contact_id: int) -> bool:
    return SurveyOptOut.objects.filter(contact_id=contact_id).exists()


def invitation_for_token(token: str) -> tuple[SurveyInvitation | None, str]:
    """(the invitation, "") when the link may be answered, else (the invitation or None, the refusal's reason):
    "invalid" (altered, or naming no invitation), "expired", "answered", "opted_out"."""
    try:
        invitation_id = read_token(token)
    except TokenError as error:
        return None, error.reason
    invitation = (
        SurveyInvitation.objects.select_related("survey", "ticket", "contact")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        return None, "invalid"
    if (
        invitation.answered_at is not None
        or SurveyResponse.objects.filter(ticket_id=invitation.ticket_id).exists()
    ):
        return invitation, "answered"
    if invitation.expires_at <= timezone.now():
        return invitation, "expired"
    if has_opted_out(invitation.contact_id):
        return invitation, "opted_out"
    return invitation, ""


def response_for_ticket(ticket_id: int) -> SurveyResponse | None:
    return SurveyResponse.objects.filter(ticket_id=ticket_id).first()
