"""SLA read API, mounted at /api/v1/sla: the policies (in matching order) and a ticket's clocks with their metric
events. Staff only (a customer gets 403); a ticket the caller may not see answers 404, like one that does not
exist."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.http import HttpRequest
from ninja import Router, Schema

from awn.accounts.models import User
from awn.accounts.policies import is_staff_member
from awn.core.errors import NotFound, PermissionDenied
from awn.crm.schemas import API_ERRORS, MAX_ID
from awn.tickets.policies import visible_tickets

from .models import SlaClock, SlaMetricEvent, SlaPolicy

router = Router(tags=["sla"])
EVENTS_SHOWN = 200


class TargetOut(Schema):
    priority: str
    metric: str
    minutes: int
    business: bool


class PolicyOut(Schema):
    id: int
    name: str
    position: int
    is_default: bool
    is_active: bool
    version: int
    categories: list[str]
    priorities: list[str]
    channels: list[str]
    contact_types: list[str]
    team_ids: list[int]
    organization_ids: list[int]
    pause_statuses: list[str]
    warning_percent: int
    hold_alerts_outside_hours: bool
    targets: list[TargetOut]


class ClockOut(Schema):
    metric: str
    state: str
    target_minutes: int
    business: bool
    started_at: datetime
    used_seconds: int
    due_at: datetime | None
    paused_at: datetime | None
    fulfilled_at: datetime | None
    breached_at: datetime | None


class MetricEventOut(Schema):
    metric: str
    kind: str
    at: datetime
    due_at: datetime | None


class TicketSlaOut(Schema):
    ticket: int
    policy_id: int | None
    policy_name: str | None
    next_due_at: datetime | None
    clocks: list[ClockOut]
    events: list[MetricEventOut]


def _staff(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not is_staff_member(user):
        raise PermissionDenied()
    return user


def _policy_out(policy: SlaPolicy) -> dict[str, Any]:
    targets = [
        {
            "priority": priority,
            "metric": metric,
            "minutes": spec["minutes"],
            "business": spec.get("business", True),
        }
        for priority, by_metric in sorted(policy.targets.items())
        for metric, spec in sorted(by_metric.items())
    ]
    fields = [f for f in PolicyOut.model_fields if f != "targets"]
    return {**{f: getattr(policy, f) for f in fields}, "targets": targets}


@router.get(
    "/policies", response={200: list[PolicyOut], **API_ERRORS}, summary="SLA policies in matching order"
)
def list_policies(request: HttpRequest) -> list[dict[str, Any]]:
    """Every policy, the default last: the first active one whose conditions match a ticket applies."""
    _staff(request)
    return [_policy_out(p) for p in SlaPolicy.objects.order_by("is_default", "position", "pk")]


@router.get("/policies/{policy_id}", response={200: PolicyOut, **API_ERRORS}, summary="One SLA policy")
def get_policy(request: HttpRequest, policy_id: int) -> dict[str, Any]:
    _staff(request)
    policy = SlaPolicy.objects.filter(pk=policy_id).first() if 1 <= policy_id <= MAX_ID else None
    if policy is None:
        raise NotFound()
    return _policy_out(policy)


@router.get(
    "/tickets/{ticket_id}/clocks", response={200: TicketSlaOut, **API_ERRORS}, summary="A ticket's SLA clocks"
)
def ticket_clocks(request: HttpRequest, ticket_id: int) -> dict[str, Any]:
    """The applied policy (snapshotted at creation or at the last recomputation), each metric's clock and the
    metric events (activate, pause, fulfil, breach, warning) they recorded, oldest first."""
    user = _staff(request)
    ticket = (
        visible_tickets(user)
        .filter(pk=ticket_id)
        .only("pk", "next_due_at", "sla_policy_id", "sla_snapshot")
        .first()
        if 1 <= ticket_id <= MAX_ID
        else None
    )
    if ticket is None:
        raise NotFound()
    clocks = SlaClock.objects.filter(ticket_id=ticket.pk).order_by("started_at", "pk")
    events = SlaMetricEvent.objects.filter(ticket_id=ticket.pk).order_by("at", "pk")[:EVENTS_SHOWN]
    return {
        "ticket": ticket.pk,
        "policy_id": ticket.sla_policy_id,
        "policy_name": (ticket.sla_snapshot or {}).get("name"),
        "next_due_at": ticket.next_due_at,
        "clocks": [
            {
                "metric": c.metric,
                "state": c.state,
                "target_minutes": c.target_seconds // 60,
                "business": c.business,
                "started_at": c.started_at,
                "used_seconds": c.used_seconds,
                "due_at": c.due_at,
                "paused_at": c.paused_at,
                "fulfilled_at": c.fulfilled_at,
                "breached_at": c.breached_at,
            }
            for c in clocks
        ],
        "events": [{"metric": e.metric, "kind": e.kind, "at": e.at, "due_at": e.due_at} for e in events],
    }
