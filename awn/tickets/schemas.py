"""Request and response shapes of the tickets API (/api/v1/tickets), plus the helpers that build them.

Builders take objects loaded with `select_related` by the handlers, so serializing never queries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from awn.accounts.models import User
from awn.crm.schemas import CleanStr, ContactRef, ObjectId

from .models import AuditEntry, Message, Ticket


class NamedRef(Schema):
    id: int
    name: str


class TicketOut(Schema):
    id: int
    reference: str
    subject: str
    status: str
    priority: str
    category: str
    channel: str
    requester: ContactRef
    about_contact: ContactRef | None = None
    assignee: NamedRef | None = None
    team: NamedRef | None = None
    created_at: datetime
    updated_at: datetime
    version: int


class TicketPage(Schema):
    items: list[TicketOut]
    limit: int
    offset: int
    next_offset: int | None = Field(description="Offset of the next page, or null on the last page.")


class AuthorOut(Schema):
    kind: str = Field(description="staff | contact | system")
    id: int | None = None
    name: str


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    kind: str
    direction: str
    channel: str
    body: str
    author: AuthorOut
    attachments: list[AttachmentOut]
    created_at: datetime


class MessagePage(Schema):
    items: list[MessageOut]
    limit: int
    offset: int
    next_offset: int | None


class TicketDetail(TicketOut):
    is_problem: bool
    problem_id: int | None
    merged_into_id: int | None
    organization: NamedRef | None = None
    tags: list[str]
    csat_score: int | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    last_message_at: datetime | None
    messages: list[MessageOut] = Field(description="The first page of the conversation, oldest first.")
    messages_next_offset: int | None = Field(
        description="When set, fetch the rest from GET /tickets/{id}/messages?offset=…"
    )


class TicketCreateIn(Schema):
    subject: CleanStr = Field(max_length=1000)
    body: CleanStr = Field(max_length=100_000)
    category: CleanStr = Field("other", max_length=64)
    priority: CleanStr | None = Field(None, max_length=16, description="Staff only.")
    channel: CleanStr | None = Field(None, max_length=16, description="Staff only; default `api`.")
    requester_id: ObjectId | None = Field(None, description="Staff only: the requester's contact id.")
    requester_national_id: CleanStr | None = Field(
        None, max_length=40, description="Staff only: find the requester by national id."
    )
    about_contact_id: ObjectId | None = Field(
        None, description="The person the ticket is about: for a customer, themself or a linked child."
    )


class TicketPatchIn(Schema):
    status: CleanStr | None = Field(None, max_length=16)
    priority: CleanStr | None = Field(None, max_length=16)
    category: CleanStr | None = Field(None, max_length=64)
    subject: CleanStr | None = Field(None, max_length=1000)
    team_id: ObjectId | None = Field(None, description="null clears the team.")
    assignee_id: ObjectId | None = Field(None, description="null unassigns.")
    version: int | None = Field(
        None, ge=1, description="Refuse with 409 unless the ticket is still at this version (or If-Match)."
    )


class MessageIn(Schema):
    body: CleanStr = Field(max_length=100_000)
    kind: CleanStr = Field("reply", max_length=8, description="reply | note (notes: staff only)")
    status_after: CleanStr | None = Field(None, max_length=16, description="Staff only.")


class RatingIn(Schema):
    score: int = Field(ge=1, le=5)
    comment: CleanStr = Field("", max_length=2000)


class LinkIn(Schema):
    problem_id: ObjectId


class MergeIn(Schema):
    target_id: ObjectId


class AuditOut(Schema):
    id: int
    action: str
    field: str
    old_value: str
    new_value: str
    actor: NamedRef | None = None
    created_at: datetime


class AuditPage(Schema):
    items: list[AuditOut]
    limit: int
    offset: int
    next_offset: int | None


# --- builders ------------------------------------------------------------------------------------------


def user_name(user: User) -> str:
    return user.get_full_name() or user.username


def _user_ref(user: User | None) -> dict[str, Any] | None:
    return {"id": user.pk, "name": user_name(user)} if user is not None else None


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    requester = ticket.requester
    about = ticket.about_contact
    team = ticket.team
    return {
        "id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "category": ticket.category,
        "channel": ticket.channel,
        "requester": {"id": requester.pk, "name": requester.name},
        "about_contact": {"id": about.pk, "name": about.name} if about is not None else None,
        "assignee": _user_ref(ticket.assignee),
        "team": {"id": team.pk, "name": team.name} if team is not None else None,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "version": ticket.version,
    }


def message_out(message: Message, *, for_staff: bool) -> dict[str, Any]:
    author: dict[str, Any]
    if message.author_user is not None and message.author_contact is None:
        # Customers see a staff member's first name only, never the account name or id.
        author = (
            {"kind": "staff", "id": message.author_user.pk, "name": user_name(message.author_user)}
            if for_staff
            else {"kind": "staff", "id": None, "name": message.author_user.first_name}
        )
    elif message.author_contact is not None:
        author = {"kind": "contact", "id": message.author_contact.pk, "name": message.author_contact.name}
    else:
        author = {"kind": "system", "id": None, "name": ""}
    return {
        "id": message.pk,
        "kind": message.kind,
        "direction": message.direction,
        "channel": message.channel,
        "body": message.body,
        "author": author,
        "attachments": [
            {"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in message.attachments.all()
        ],
        "created_at": message.created_at,
    }


def ticket_detail(
    ticket: Ticket, messages: list[Message], messages_next_offset: int | None, *, for_staff: bool
) -> dict[str, Any]:
    body = ticket_summary(ticket)
    org = ticket.organization
    body.update(
        is_problem=ticket.is_problem,
        problem_id=ticket.problem_id,
        merged_into_id=ticket.merged_into_id,
        organization={"id": org.pk, "name": org.name} if org is not None else None,
        tags=[t.name for t in ticket.tags.all()],
        csat_score=ticket.csat_score,
        first_response_at=ticket.first_response_at,
        resolved_at=ticket.resolved_at,
        closed_at=ticket.closed_at,
        last_message_at=ticket.last_message_at,
        messages=[message_out(m, for_staff=for_staff) for m in messages],
        messages_next_offset=messages_next_offset,
    )
    return body


def audit_out(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "action": entry.action,
        "field": entry.field,
        "old_value": entry.old_value,
        "new_value": entry.new_value,
        "actor": _user_ref(entry.actor),
        "created_at": entry.created_at,
    }
