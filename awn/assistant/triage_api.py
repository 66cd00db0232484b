"""Triage API, mounted at /api/v1/tickets: GET/POST /{ticket_id}/triage (staff).

A ticket the caller may not see answers 404 (no existence leak); a customer who can see it gets 403, as for the
other staff-only actions on tickets. Writes go through triage services (which go through ticket_update).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from awn.accounts.models import User
from awn.accounts.policies import is_staff_member
from awn.core.errors import NotFound, PermissionDenied
from awn.crm.schemas import API_ERRORS, MAX_ID
from awn.tickets.models import Ticket
from awn.tickets.policies import visible_tickets

from .triage.selectors import triage_for_ticket, triage_out
from .triage.services import triage_correct, triage_ticket

router = Router(tags=["triage"])


class TriageOut(Schema):
    ticket_id: int
    category: str
    category_confidence: float
    priority: str
    priority_confidence: float
    sentiment: str
    sentiment_confidence: float
    language: str
    dialect: str
    dialect_confidence: float
    cues: list[str] = Field(description="Urgent cue codes.")
    cue_labels: list[str] = Field(description="The same cues in words (request language).")
    model_version: str
    applied_fields: list[str] = Field(description="Ticket fields the automatic triage changed.")
    corrected: bool
    corrected_category: str | None
    corrected_priority: str | None
    corrected_sentiment: str | None
    corrected_dialect: str | None
    corrected_by_id: int | None
    corrected_at: datetime | None
    created_at: datetime


class TriageCorrectionIn(Schema):
    category: str = Field(max_length=32)
    priority: str = Field(max_length=8)
    sentiment: str | None = Field(None, max_length=8)
    dialect: str | None = Field(None, max_length=10)


def _staff_ticket(request: HttpRequest, ticket_id: int) -> tuple[User, Ticket]:
    user = cast(User, request.user)
    if not 1 <= ticket_id <= MAX_ID:
        raise NotFound()
    ticket = visible_tickets(user).filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound()
    if not is_staff_member(user):
        raise PermissionDenied()
    return user, ticket


@router.get(
    "/{ticket_id}/triage", response={200: TriageOut, **API_ERRORS}, summary="A ticket's triage (staff)"
)
def get_triage(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    """Category, priority, sentiment and dialect with confidences, the urgent cues, and any correction.
    A ticket not triaged yet (created before triage existed) is triaged now."""
    _user, ticket = _staff_ticket(request, ticket_id)
    triage = triage_for_ticket(ticket) or triage_ticket(ticket.pk)
    if triage is None:
        raise NotFound()
    return triage_out(triage)


@router.post(
    "/{ticket_id}/triage",
    response={200: TriageOut, **API_ERRORS},
    summary="Correct or confirm a triage (staff)",
)
def correct_triage(request: HttpRequest, ticket_id: int, payload: TriageCorrectionIn) -> dict[str, Any]:
    """Store the agent's values; category and priority are applied to the ticket (audited). Corrections are
    what `manage.py train_triage` learns from first."""
    user, ticket = _staff_ticket(request, ticket_id)
    triage = triage_correct(
        ticket=ticket,
        actor=user,
        category=payload.category,
        priority=payload.priority,
        sentiment=payload.sentiment,
        dialect=payload.dialect,
    )
    return triage_out(triage)
