"""Reads of the surveys app."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from awn.tickets.enums import Channel, Direction
from awn.tickets.models import Message

from .enums import CommentTopic, Sentiment
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


# ---- the supervisors' page of answers -----------------------------------------------------------------------------

PROMOTER_MIN, DETRACTOR_MAX = 9, 6  # NPS: 9–10 promoters, 0–6 detractors


def responses_for(
    *, only_team_id: int | None, sentiment: str = "", topic: str = "", low_only: bool = False
) -> QuerySet[SurveyResponse]:
    """Answers newest first, with their ticket; a vendor's supervisor sees their team's tickets only."""
    rows = SurveyResponse.objects.select_related("ticket").order_by("-answered_at", "-pk")
    if only_team_id is not None:
        rows = rows.filter(ticket__team_id=only_team_id)
    if sentiment:
        rows = rows.filter(sentiment=sentiment)
    if topic:
        rows = rows.filter(topic=topic)
    if low_only:
        rows = rows.filter(csat__lte=2)
    return rows


@dataclass(frozen=True)
class Summary:
    answers: int
    csat_share: float | None  # share of 4–5
    ces_mean: float | None
    nps: float | None  # % promoters − % detractors, −100…100
    nps_answers: int
    by_topic: list[tuple[str, str, int, int]]  # (topic, label, answers, negative ones)


def nps_score(scores: list[int]) -> float | None:
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= PROMOTER_MIN)
    detractors = sum(1 for s in scores if s <= DETRACTOR_MAX)
    return 100.0 * (promoters - detractors) / len(scores)


def summary(rows: QuerySet[SurveyResponse]) -> Summary:
    """Two aggregate queries and the NPS answers' values (one small column)."""
    totals = rows.aggregate(n=Count("pk"), satisfied=Count("pk", filter=Q(csat__gte=4)), ces=Avg("ces"))
    n = totals["n"] or 0
    nps_values = [v for v in rows.filter(nps__isnull=False).values_list("nps", flat=True) if v is not None]
    labels = dict(CommentTopic.choices)
    by_topic = [
        (row["topic"], str(labels.get(row["topic"], row["topic"])), row["n"], row["negative"])
        for row in rows.exclude(topic="")
        .order_by()
        .values("topic")
        .annotate(n=Count("pk"), negative=Count("pk", filter=Q(sentiment=Sentiment.NEGATIVE)))
        .order_by("-n", "topic")
    ]
    return Summary(
        answers=n,
        csat_share=(totals["satisfied"] / n) if n else None,
        ces_mean=totals["ces"],
        nps=nps_score(nps_values),
        nps_answers=len(nps_values),
        by_topic=by_topic,
    )
