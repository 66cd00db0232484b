"""Tickets API, mounted at /api/v1/tickets. Transport only: permissions come from tickets.policies, writes from
tickets.services.

Every ticket is looked up through `visible_tickets(user)`: a ticket the caller may not see answers 404, exactly
like one that does not exist. Staff-only actions on a ticket the caller *can* see answer 403.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status
from pydantic import Field

from awn.accounts.models import User
from awn.accounts.policies import is_staff_member
from awn.core.errors import NotFound, PermissionDenied, ValidationError
from awn.crm.models import Contact
from awn.crm.schemas import API_ERRORS, MAX_ID, CleanStr, ErrorOut, PageParams, page_of
from awn.crm.selectors import children_ids
from awn.crm.validators import clean_national_id

from . import services
from .audit import audit_ticket_read
from .enums import Category, Channel, MessageKind, Priority
from .enums import Status as TicketStatus
from .models import AuditEntry, Message, Ticket
from .policies import can_see_internal_notes, visible_tickets
from .schemas import (
    AuditPage,
    LinkIn,
    MergeIn,
    MessageIn,
    MessageOut,
    MessagePage,
    RatingIn,
    TicketCreateIn,
    TicketDetail,
    TicketOut,
    TicketPage,
    TicketPatchIn,
    audit_out,
    message_out,
    ticket_detail,
    ticket_summary,
)
from .selectors import ticket_search

router = Router(tags=["tickets"])

ERRORS = API_ERRORS


class TicketFilters(PageParams):
    # An unknown value is a 422 that lists the allowed ones (it used to be an empty list).
    status: TicketStatus | None = None
    priority: Priority | None = None
    category: Category | None = None
    channel: str | None = None
    team: str | None = None
    assignee: str | None = None
    requester: int | None = Field(None, ge=1, le=MAX_ID)
    q: CleanStr = Field(
        "",
        max_length=200,
        description="Search: words in Arabic, English or Arabizi (spelling variants, word forms and scripts meet), "
        "a year, a national id or a phone; a reference number (AWN-000123, #123) is that ticket. Best first.",
    )


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _own_contact(user: User) -> Contact | None:
    return cast(Contact | None, getattr(user, "contact", None))


def _with_refs(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return qs.select_related("requester", "about_contact", "assignee", "team")


def _visible_ticket(user: User, ticket_id: int, *, detail: bool = False) -> Ticket:
    """The ticket if the caller may see it; NotFound otherwise (no existence leak)."""
    if not 1 <= ticket_id <= MAX_ID:
        raise NotFound()
    qs = _with_refs(visible_tickets(user))
    if detail:
        qs = qs.select_related("organization").prefetch_related("tags")
    ticket = qs.filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound()
    return ticket


def _require_staff(user: User) -> None:
    if not is_staff_member(user):
        raise PermissionDenied()


def _reload(ticket_id: int) -> Ticket:
    return _with_refs(Ticket.objects.all()).get(pk=ticket_id)


def _id_filter(value: str, field: str) -> int | None:
    """'none' → unassigned (None); otherwise an integer id."""
    value = value.strip().lower()
    if value == "none":
        return None
    if value.isdigit() and int(value) <= MAX_ID:
        return int(value)
    raise ValidationError(_("Use a numeric id, or “none”."), field=field)


def _messages(user: User, ticket_id: int, params: PageParams) -> tuple[list[Message], int | None]:
    qs = (
        Message.objects.filter(ticket_id=ticket_id)
        .select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
    if not can_see_internal_notes(user):
        qs = qs.exclude(kind=MessageKind.NOTE)
    return page_of(qs, params)


def _etag(response: HttpResponse, version: int) -> None:
    response["ETag"] = f'"{version}"'


# --- collection ----------------------------------------------------------------------------------------


@router.get("/", response={200: TicketPage, **ERRORS}, summary="List the tickets you may see")
@router.get("", response={200: TicketPage, **ERRORS}, include_in_schema=False)
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> dict[str, Any]:
    """Newest first, or best match first with `q` (the search of the agents' queue, within the tickets the caller
    may see). Filters: status, priority, category, channel, team (id or `none`), assignee (id, `me` or `none`),
    requester (contact id), q. Pages with limit/offset."""
    user = _user(request)
    qs = _with_refs(visible_tickets(user))
    for field in ("status", "priority", "category", "channel"):
        value = getattr(filters, field)
        if value:
            qs = qs.filter(**{field: value})
    if filters.team is not None:
        team = _id_filter(filters.team, "team")
        qs = qs.filter(team__isnull=True) if team is None else qs.filter(team_id=team)
    if filters.assignee is not None:
        assignee = (
            user.pk if filters.assignee.strip().lower() == "me" else _id_filter(filters.assignee, "assignee")
        )
        qs = qs.filter(assignee__isnull=True) if assignee is None else qs.filter(assignee_id=assignee)
    if filters.requester is not None:
        qs = qs.filter(requester_id=filters.requester)
    order = ["-created_at", "-id"]
    if filters.q.strip():
        qs = ticket_search(qs, filters.q.strip(), ranked=True)
        if "search_rank" in qs.query.annotations:
            order.insert(0, "-search_rank")
    rows, next_offset = page_of(qs.order_by(*order), filters)
    return {
        "items": [ticket_summary(t) for t in rows],
        "limit": filters.size,
        "offset": filters.offset,
        "next_offset": next_offset,
    }


def _resolve_contact(contact_id: int, field: str) -> Contact:
    contact = Contact.objects.filter(pk=contact_id).first()
    hops = 0
    while contact is not None and contact.merged_into_id is not None and hops < 5:
        contact = Contact.objects.filter(pk=contact.merged_into_id).first()
        hops += 1
    if contact is None:
        raise ValidationError(_("Unknown contact."), field=field)
    return contact


def _staff_requester(payload: TicketCreateIn) -> Contact:
    if payload.requester_id is not None and payload.requester_national_id:
        raise ValidationError(
            _("Give either requester_id or requester_national_id, not both."), field="requester_id"
        )
    if payload.requester_id is not None:
        return _resolve_contact(payload.requester_id, "requester_id")
    if payload.requester_national_id:
        try:
            national_id = clean_national_id(payload.requester_national_id)
        except ValidationError as exc:
            raise ValidationError(exc.message, field="requester_national_id") from exc
        contact = Contact.objects.filter(national_id=national_id, merged_into__isnull=True).first()
        if contact is None:
            raise ValidationError(_("No contact has this national id."), field="requester_national_id")
        return contact
    raise ValidationError(
        _("Staff must give the requester: requester_id or requester_national_id."), field="requester_id"
    )


def _customer_about(contact: Contact, about_id: int | None) -> Contact | None:
    if about_id is None or about_id == contact.pk:
        return None
    if about_id not in children_ids(contact.pk):
        raise ValidationError(
            _("You can open a ticket about yourself or a child linked to your account."),
            field="about_contact_id",
        )
    return Contact.objects.get(pk=about_id)


@router.post("/", response={201: TicketOut, **ERRORS}, summary="Open a ticket (customers: for themself)")
@router.post("", response={201: TicketOut, **ERRORS}, include_in_schema=False)
def create_ticket(request: HttpRequest, payload: TicketCreateIn) -> Status[dict[str, Any]]:
    """A customer opens a ticket for themself, optionally about a linked child (`about_contact_id`).
    Staff and integration tokens name the requester (`requester_id` or `requester_national_id`) and may set
    `channel` (default `api`) and `priority`."""
    user = _user(request)
    if is_staff_member(user):
        requester = _staff_requester(payload)
        about = (
            _resolve_contact(payload.about_contact_id, "about_contact_id")
            if payload.about_contact_id is not None
            else None
        )
        channel = payload.channel or Channel.API
        priority = payload.priority or Priority.NORMAL
    else:
        contact = _own_contact(user)
        if contact is None:
            raise PermissionDenied(_("Your account is not linked to a contact profile."))
        for field in ("requester_id", "requester_national_id", "channel"):
            if getattr(payload, field) not in (None, ""):
                raise PermissionDenied(_("Only staff can set this field."), field=field)
        if payload.priority not in (None, Priority.NORMAL):
            raise PermissionDenied(_("Only staff can set this field."), field="priority")
        requester = contact
        about = _customer_about(contact, payload.about_contact_id)
        channel = Channel.API
        priority = Priority.NORMAL
    ticket = services.ticket_create(
        requester=requester,
        subject=payload.subject,
        body=payload.body,
        category=payload.category,
        priority=priority,
        channel=channel,
        actor=user,
        about_contact=about,
    )
    # Requester and about are cached on the new row; team and assignee are empty: answering costs no query.
    return Status(201, ticket_summary(ticket))


# --- one ticket ----------------------------------------------------------------------------------------


@router.get("/{ticket_id}", response={200: TicketDetail, **ERRORS}, summary="A ticket with its messages")
def get_ticket(
    request: HttpRequest, ticket_id: int, response: HttpResponse, messages: Query[PageParams]
) -> dict[str, Any]:
    """Customers never receive internal notes. `messages` holds the first page of the conversation (oldest
    first, `limit`/`offset` page through it). The `ETag` header carries the version for `If-Match`."""
    user = _user(request)
    ticket = _visible_ticket(user, ticket_id, detail=True)
    rows, next_offset = _messages(user, ticket.pk, messages)
    audit_ticket_read(request, user, ticket)
    _etag(response, ticket.version)
    return ticket_detail(ticket, rows, next_offset, for_staff=can_see_internal_notes(user))


@router.get("/{ticket_id}/messages", response={200: MessagePage, **ERRORS}, summary="Messages of a ticket")
def list_messages(request: HttpRequest, ticket_id: int, params: Query[PageParams]) -> dict[str, Any]:
    user = _user(request)
    ticket = _visible_ticket(user, ticket_id)
    rows, next_offset = _messages(user, ticket.pk, params)
    for_staff = can_see_internal_notes(user)
    return {
        "items": [message_out(m, for_staff=for_staff) for m in rows],
        "limit": params.size,
        "offset": params.offset,
        "next_offset": next_offset,
    }


def _expected_version(request: HttpRequest, body_version: int | None) -> int | None:
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return body_version
    text = raw.strip().removeprefix("W/").strip('"').strip()
    if not text.isdigit() or int(text) > MAX_ID:
        raise ValidationError(_("If-Match must be the ticket version, e.g. “3”."), field="If-Match")
    header_version = int(text)
    if body_version is not None and body_version != header_version:
        raise ValidationError(_("If-Match and version disagree."), field="version")
    return header_version


@router.patch(
    "/{ticket_id}", response={200: TicketOut, 409: ErrorOut, **ERRORS}, summary="Change a ticket (staff)"
)
def patch_ticket(
    request: HttpRequest, ticket_id: int, payload: TicketPatchIn, response: HttpResponse
) -> dict[str, Any]:
    """Fields: status, priority, category, team_id, assignee_id, subject. Send `If-Match: <version>` (or
    `version`) to refuse the change with 409 when someone else changed the ticket in the meantime."""
    user = _user(request)
    ticket = _visible_ticket(user, ticket_id)
    _require_staff(user)
    changes = payload.model_dump(exclude_unset=True)
    expected = _expected_version(request, changes.pop("version", None))
    updated = services.ticket_update(ticket=ticket, actor=user, changes=changes, expected_version=expected)
    fresh = _reload(updated.pk)
    _etag(response, fresh.version)
    return ticket_summary(fresh)


@router.post("/{ticket_id}/messages", response={201: MessageOut, **ERRORS}, summary="Reply or add a note")
def add_message(request: HttpRequest, ticket_id: int, payload: MessageIn) -> Status[dict[str, Any]]:
    """`kind`: reply (everyone who can see the ticket) or note (staff only). `status_after`: staff only."""
    user = _user(request)
    ticket = _visible_ticket(user, ticket_id)
    staff = is_staff_member(user)
    if not staff:
        if payload.kind == MessageKind.NOTE:
            raise PermissionDenied(_("Only staff can add internal notes."), field="kind")
        if payload.status_after:
            raise PermissionDenied(_("Only staff can set this field."), field="status_after")
    message = services.ticket_add_message(
        ticket=ticket,
        body=payload.body,
        actor=user,
        kind=payload.kind,
        author_contact=None if staff else _own_contact(user),
        channel=None if staff else Channel.API,
        status_after=payload.status_after or None,
    )
    message = (
        Message.objects.select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .get(pk=message.pk)
    )
    return Status(201, message_out(message, for_staff=staff))


@router.post("/{ticket_id}/rating", response={200: TicketOut, **ERRORS}, summary="Rate a resolved ticket")
def rate_ticket(request: HttpRequest, ticket_id: int, payload: RatingIn) -> dict[str, Any]:
    """Only the customer who opened the ticket, once it is resolved or closed; score 1–5."""
    user = _user(request)
    ticket = _visible_ticket(user, ticket_id)
    contact = _own_contact(user)
    if is_staff_member(user) or contact is None or ticket.requester_id != contact.pk:
        raise PermissionDenied(_("Only the requester can rate this ticket."), field="score")
    services.ticket_rate(ticket=ticket, contact=contact, score=payload.score, comment=payload.comment)
    return ticket_summary(_reload(ticket.pk))


@router.post("/{ticket_id}/links", response={200: TicketOut, **ERRORS}, summary="Link to a problem (staff)")
def link_ticket(request: HttpRequest, ticket_id: int, payload: LinkIn) -> dict[str, Any]:
    """Make this ticket an incident of the problem ticket `problem_id` (which becomes a problem ticket)."""
    user = _user(request)
    incident = _visible_ticket(user, ticket_id)
    _require_staff(user)
    problem = visible_tickets(user).filter(pk=payload.problem_id).first()
    if problem is None:
        raise ValidationError(_("Unknown ticket."), field="problem_id")
    services.ticket_link_incident(problem=problem, incident=incident, actor=user)
    return ticket_summary(_reload(incident.pk))


@router.post("/{ticket_id}/merge", response={200: TicketOut, **ERRORS}, summary="Merge into another (staff)")
def merge_ticket(request: HttpRequest, ticket_id: int, payload: MergeIn) -> dict[str, Any]:
    """Move this ticket's messages into `target_id` and close this one. Returns the target."""
    user = _user(request)
    source = _visible_ticket(user, ticket_id)
    _require_staff(user)
    target = visible_tickets(user).filter(pk=payload.target_id).first()
    if target is None:
        raise ValidationError(_("Unknown ticket."), field="target_id")
    merged = services.ticket_merge(source=source, target=target, actor=user)
    return ticket_summary(_reload(merged.pk))


@router.get("/{ticket_id}/audit", response={200: AuditPage, **ERRORS}, summary="Audit trail (staff)")
def ticket_audit(request: HttpRequest, ticket_id: int, params: Query[PageParams]) -> dict[str, Any]:
    user = _user(request)
    ticket = _visible_ticket(user, ticket_id)
    _require_staff(user)
    qs = AuditEntry.objects.filter(ticket_id=ticket.pk).select_related("actor").order_by("created_at", "id")
    rows, next_offset = page_of(qs, params)
    return {
        "items": [audit_out(e) for e in rows],
        "limit": params.size,
        "offset": params.offset,
        "next_offset": next_offset,
    }
