"""How analytics reacts to the ticket and contact events (sync, listed in config/event_subscriptions.py): each
one appends a row to the analytics event log and folds it into the ticket's fact, in the same transaction."""

from __future__ import annotations

from awn.crm.events import ContactMerged
from awn.tickets.events import (
    ReplySent,
    TicketAssigned,
    TicketCreated,
    TicketMerged,
    TicketRated,
    TicketStatusChanged,
    TicketUpdated,
)

from .enums import FactEventKind as K
from .selectors import team_kind, ticket_fields, ticket_snapshot
from .services import record_event


def on_ticket_created(event: TicketCreated) -> None:
    snapshot = ticket_snapshot(event.ticket_id)
    if snapshot is None:
        return
    created_at, payload = snapshot
    record_event(kind=K.CREATED, ticket_id=event.ticket_id, at=created_at, payload=payload)


def on_reply_sent(event: ReplySent) -> None:
    record_event(
        kind=K.REPLY, ticket_id=event.ticket_id, at=event.occurred_at, payload={"actor_id": event.actor_id}
    )


def on_status_changed(event: TicketStatusChanged) -> None:
    record_event(
        kind=K.STATUS,
        ticket_id=event.ticket_id,
        at=event.occurred_at,
        payload={"old": event.old_status, "new": event.new_status},
    )


def on_ticket_assigned(event: TicketAssigned) -> None:
    record_event(
        kind=K.ASSIGNED,
        ticket_id=event.ticket_id,
        at=event.occurred_at,
        payload={
            "assignee_id": event.assignee_id,
            "team_id": event.team_id,
            "team_kind": team_kind(event.team_id),
        },
    )


def on_ticket_updated(event: TicketUpdated) -> None:
    fields = [f for f in ("category", "priority") if f in event.fields]
    if fields:
        record_event(
            kind=K.UPDATED,
            ticket_id=event.ticket_id,
            at=event.occurred_at,
            payload=ticket_fields(event.ticket_id, fields),
        )


def on_ticket_merged(event: TicketMerged) -> None:
    record_event(
        kind=K.MERGED, ticket_id=event.source_id, at=event.occurred_at, payload={"target_id": event.target_id}
    )


def on_ticket_rated(event: TicketRated) -> None:
    record_event(
        kind=K.RATED, ticket_id=event.ticket_id, at=event.occurred_at, payload={"score": event.score}
    )


def on_contact_merged(event: ContactMerged) -> None:
    record_event(
        kind=K.CONTACT_MERGED,
        ticket_id=None,
        at=event.occurred_at,
        payload={"source_id": event.source_id, "target_id": event.target_id},
    )
