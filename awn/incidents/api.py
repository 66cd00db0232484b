"""Surge mode API (/api/v1/incidents), supervisors and admins only; every object checked per request.

POST /incidents                          declare: problem ticket, banner, automatic first reply
GET  /incidents/{id}                     the incident and its affected tickets' count
GET  /incidents/{id}/tickets             the affected tickets, newest first (limit/offset)
POST /incidents/{id}/link                link every matching ticket (text, category, external event)
POST /incidents/{id}/end                 banner and automatic reply off
POST /incidents/{id}/broadcasts          an update or the resolution to every affected person
GET  /incidents/broadcasts/{id}          progress and per-recipient state
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.http import HttpRequest
from ninja import Router, Schema, Status

from awn.accounts.models import User
from awn.core.errors import NotFound

from . import selectors, services
from .models import Broadcast, Incident
from .policies import can_manage_incident, can_manage_incidents

router = Router(tags=["incidents"])


class IncidentIn(Schema):
    title_ar: str
    message_ar: str
    title_en: str = ""
    message_en: str = ""
    guide_url: str = ""
    category: str = ""
    keywords: str = ""
    auto_reply: bool = True


class IncidentOut(Schema):
    id: int
    status: str
    problem_id: int
    problem_reference: str
    title_ar: str
    title_en: str
    guide_url: str
    category: str
    keywords: str
    auto_reply: bool
    declared_at: datetime
    affected_tickets: int


class AffectedOut(Schema):
    id: int
    reference: str
    subject: str
    status: str
    channel: str
    requester_id: int
    created_at: datetime


class LinkIn(Schema):
    text: str = ""
    category: str = ""
    event_type: str = ""
    event_hours: int = 1
    created_hours: int | None = None
    dry_run: bool = False


class LinkOut(Schema):
    matching: int
    linked: int
    affected_tickets: int


class BroadcastIn(Schema):
    kind: str = "update"
    body_ar: str
    body_en: str = ""


class RecipientOut(Schema):
    contact_id: int
    ticket_id: int
    channel: str
    state: str
    delivery: str
    error: str
    sent_at: datetime | None


class BroadcastOut(Schema):
    id: int
    incident_id: int
    kind: str
    total: int
    finished_at: datetime | None
    progress: dict[str, int]
    recipients: list[RecipientOut]


def _user(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not can_manage_incidents(user):
        raise NotFound()
    return user


def _incident_out(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "status": incident.status,
        "problem_id": incident.problem_id,
        "problem_reference": incident.problem.reference,
        "title_ar": incident.title_ar,
        "title_en": incident.title_en,
        "guide_url": incident.guide_url,
        "category": incident.category,
        "keywords": incident.keywords,
        "auto_reply": incident.auto_reply,
        "declared_at": incident.declared_at,
        "affected_tickets": selectors.affected_tickets(incident).count(),
    }


def _broadcast_out(broadcast: Broadcast, state: str = "") -> dict[str, Any]:
    return {
        "id": broadcast.pk,
        "incident_id": broadcast.incident_id,
        "kind": broadcast.kind,
        "total": broadcast.total,
        "finished_at": broadcast.finished_at,
        "progress": selectors.broadcast_progress(broadcast),
        "recipients": [
            {
                "contact_id": r.contact_id,
                "ticket_id": r.ticket_id,
                "channel": r.channel,
                "state": r.state,
                "delivery": r.delivery,
                "error": r.error,
                "sent_at": r.sent_at,
            }
            for r in selectors.broadcast_recipients(broadcast, state=state, limit=500)
        ],
    }


@router.post("", response={201: IncidentOut}, summary="Declare an incident (surge mode)")
def declare(request: HttpRequest, payload: IncidentIn) -> Status[Any]:
    user = _user(request)
    incident = services.incident_declare(actor=user, **payload.dict())
    return Status(201, _incident_out(incident))


@router.get(
    "/broadcasts/{broadcast_id}", response=BroadcastOut, summary="A broadcast's progress per recipient"
)
def broadcast_detail(request: HttpRequest, broadcast_id: int, state: str = "") -> dict[str, Any]:
    user = _user(request)
    broadcast = Broadcast.objects.select_related("incident__problem").filter(pk=broadcast_id).first()
    if broadcast is None or not can_manage_incident(user, broadcast.incident):
        raise NotFound()
    return _broadcast_out(broadcast, state)


@router.get("/{incident_id}", response=IncidentOut, summary="An incident")
def incident_detail(request: HttpRequest, incident_id: int) -> dict[str, Any]:
    return _incident_out(services.incident_for(_user(request), incident_id))


@router.get("/{incident_id}/tickets", response=list[AffectedOut], summary="The incident's affected tickets")
def affected(
    request: HttpRequest, incident_id: int, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    incident = services.incident_for(_user(request), incident_id)
    limit, offset = max(1, min(limit, 500)), max(0, offset)
    rows = selectors.affected_tickets(incident).order_by("-created_at", "-pk")[offset : offset + limit]
    return [
        {
            "id": t.pk,
            "reference": t.reference,
            "subject": t.subject,
            "status": t.status,
            "channel": t.channel,
            "requester_id": t.requester_id,
            "created_at": t.created_at,
        }
        for t in rows
    ]


@router.post("/{incident_id}/link", response=LinkOut, summary="Link every matching ticket to the problem")
def link(request: HttpRequest, incident_id: int, payload: LinkIn) -> dict[str, Any]:
    user = _user(request)
    incident = services.incident_for(user, incident_id)
    criteria = selectors.Criteria(
        text=payload.text,
        category=payload.category,
        event_type=payload.event_type,
        event_hours=payload.event_hours,
        created_hours=payload.created_hours,
    )
    matching = selectors.matching_tickets(user, incident, criteria).count() if not criteria.empty else 0
    linked = 0
    if not payload.dry_run:
        linked = services.incident_link_matching(actor=user, incident=incident, criteria=criteria)
    return {
        "matching": matching,
        "linked": linked,
        "affected_tickets": selectors.affected_tickets(incident).count(),
    }


@router.post("/{incident_id}/end", response=IncidentOut, summary="End the incident (banner and reply off)")
def end(request: HttpRequest, incident_id: int) -> dict[str, Any]:
    user = _user(request)
    incident = services.incident_end(actor=user, incident=services.incident_for(user, incident_id))
    return _incident_out(incident)


@router.post("/{incident_id}/broadcasts", response={201: BroadcastOut}, summary="Broadcast to the affected")
def broadcast(request: HttpRequest, incident_id: int, payload: BroadcastIn) -> Status[Any]:
    user = _user(request)
    incident = services.incident_for(user, incident_id)
    created = services.broadcast_create(actor=user, incident=incident, **payload.dict())
    created.refresh_from_db()
    return Status(201, _broadcast_out(created))
