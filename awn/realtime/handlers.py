"""Reactions of live screens to what happens to tickets (config/event_subscriptions.py, all `on_commit`): the
tickets and connectors apps never import realtime. Each pushes ids only; pages fetch the rest.

Each reaction runs off the request (`services.in_background`): the audience query, the notification rows and the
sends happen in the process's push thread once the request has returned (inline in tests). Changes of a ticket's
screens (created, assigned, updated, status) that reach the push thread together are pushed together, from one
audience read (`services.ticket_changed_soon`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from awn.connectors.events import CallAnswered, DeliveryStatusChanged
from awn.incidents.events import SpikeDetected
from awn.sla.events import SlaBreached, SlaWarning
from awn.tickets.events import (
    MessageReceived,
    NoteAdded,
    ReplySent,
    TicketAssigned,
    TicketCreated,
    TicketMerged,
    TicketStatusChanged,
    TicketUpdated,
)

from . import selectors, services
from .models import NotificationKind

E = TypeVar("E")


def _off_request(reaction: Callable[[E], None]) -> Callable[[E], None]:
    @functools.wraps(reaction)
    def handler(event: E) -> None:
        services.in_background(reaction, event)

    return handler


@_off_request
def on_message_received(event: MessageReceived) -> None:
    """A customer's message from any channel: the ticket's open pages append it, queues refresh, watchers are
    told."""
    services.message_added(ticket_id=event.ticket_id, message_id=event.message_id, actor_id=None)


@_off_request
def on_reply_sent(event: ReplySent) -> None:
    services.message_added(ticket_id=event.ticket_id, message_id=event.message_id, actor_id=event.actor_id)


@_off_request
def on_note_added(event: NoteAdded) -> None:
    """An internal note: to staff screens only (customers have no agent socket), and to the agents it
    mentions when they may see the ticket."""
    mentioned = services.notify(
        ticket_id=event.ticket_id,
        user_ids=event.mentioned_user_ids,
        kind=NotificationKind.MENTIONED,
        key=f"message:{event.message_id}",
        message_id=event.message_id,
        actor_id=event.actor_id,
    )
    services.message_added(
        ticket_id=event.ticket_id, message_id=event.message_id, actor_id=event.actor_id, skip=mentioned
    )


def on_ticket_created(event: TicketCreated) -> None:
    services.ticket_changed_soon(event.ticket_id, "created")


def on_ticket_assigned(event: TicketAssigned) -> None:
    services.ticket_changed_soon(event.ticket_id, "assigned")
    if event.assignee_id is not None:
        services.in_background(_notify_assignee, event)


def _notify_assignee(event: TicketAssigned) -> None:
    if event.assignee_id is not None:
        services.notify(
            ticket_id=event.ticket_id,
            user_ids=[event.assignee_id],
            kind=NotificationKind.ASSIGNED,
            key=f"{event.ticket_id}:{event.occurred_at.isoformat()}",
            actor_id=event.actor_id,
        )


def on_ticket_updated(event: TicketUpdated) -> None:
    services.ticket_changed_soon(event.ticket_id, "updated")


def on_ticket_status_changed(event: TicketStatusChanged) -> None:
    services.ticket_changed_soon(event.ticket_id, "status")


@_off_request
def on_ticket_merged(event: TicketMerged) -> None:
    services.ticket_changed(event.source_id, "merged", target=event.target_id)
    services.ticket_changed(event.target_id, "merged", source=event.source_id)


@_off_request
def on_delivery_status_changed(event: DeliveryStatusChanged) -> None:
    services.ticket_changed(event.ticket_id, "delivery", message=event.message_id)


@_off_request
def on_call_answered(event: CallAnswered) -> None:
    """The screen pop: the answering agent is told of the call and its ticket (if they may see it)."""
    services.notify(
        ticket_id=event.ticket_id,
        user_ids=[event.agent_id],
        kind=NotificationKind.CALL,
        key=f"{event.ticket_id}:{event.call_id}",
    )


def _sla_alert(ticket_id: int, metric: str, due_at: object, kind: str, *, supervisors: bool) -> None:
    ticket, users = selectors.sla_alert_recipients(ticket_id, supervisors=supervisors)
    if ticket is None:
        return
    key = f"{ticket_id}:{metric}:{due_at.isoformat() if hasattr(due_at, 'isoformat') else due_at}"
    services.notify(ticket_id=ticket_id, user_ids=users, kind=kind, key=key)
    services.ticket_changed(ticket_id, "updated")  # open pages and queues redraw their due badges


@_off_request
def on_sla_warning(event: SlaWarning) -> None:
    """A clock is near its target: the assignee is told (due badges turn amber on open screens)."""
    _sla_alert(event.ticket_id, event.metric, event.due_at, NotificationKind.SLA_WARNING, supervisors=False)


@_off_request
def on_sla_breached(event: SlaBreached) -> None:
    """A clock passed its target: the assignee and the team's supervisors are told in real time."""
    _sla_alert(event.ticket_id, event.metric, event.due_at, NotificationKind.SLA_BREACHED, supervisors=True)


@_off_request
def on_spike_detected(event: SpikeDetected) -> None:
    """Top problems' spike detection fired: the supervisors who may declare an incident for the category see an
    alert with a one-click "declare an incident" link (agents get nothing)."""
    services.spike_alert(
        category=event.category, last_hour=event.last_hour, usual_per_hour=event.usual_per_hour
    )
