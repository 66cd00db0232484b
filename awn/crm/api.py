"""CRM API, mounted at /api/v1/crm. Transport only: reads from crm.selectors, writes through crm.services.

Who may do what:
- contacts (search, detail, create, timeline): staff. Agents of an outsourced team see only the contacts of
  tickets their contract covers (a contact outside that answers 404, and the timeline leaves out tickets and
  messages outside it). Customers get 403.
- merge two contacts: supervisors and admins.
- push external events (POST /events): users with the admin role only — in practice the education system
  holds an API token of a dedicated integration user whose role is admin (`create_api_token`).
Masking of national ids, phones and emails: see crm/schemas.py.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status
from pydantic import Field

from awn.accounts.enums import Role
from awn.accounts.models import User
from awn.accounts.policies import covered_categories, is_staff_member, is_supervisor
from awn.core.errors import NotFound, PermissionDenied, ValidationError
from awn.privacy.enums import AccessAction, ObjectKind
from awn.privacy.services import Access, record_request_accesses
from awn.tickets.policies import visible_tickets

from . import services
from .models import Contact
from .schemas import (
    API_ERRORS,
    MAX_ID,
    CleanStr,
    ContactDetail,
    ContactIn,
    ContactMergeIn,
    ContactPage,
    ContactUnmaskIn,
    ExternalEventIn,
    ExternalEventOut,
    PageParams,
    TimelinePage,
    contact_detail,
    contact_list_item,
    page_of,
    timeline_entry,
)
from .selectors import contact_relations, contact_search, contact_timeline, is_minor

router = Router(tags=["crm"])

ERRORS = API_ERRORS
TIMELINE_OFFSET_MAX = 500


class SearchParams(PageParams):
    q: CleanStr = Field(
        "", max_length=200, description="Name (Arabic spelling folded), phone, national id or email."
    )


def _staff(request: HttpRequest) -> User:
    user = cast(User, request.user)
    if not is_staff_member(user):
        raise PermissionDenied()
    return user


def _contacts_for(user: User) -> QuerySet[Contact]:
    """Contacts a staff member may look at; restricted (outsourced) agents only those of their tickets."""
    qs = Contact.objects.all()
    if covered_categories(user) is None:
        return qs
    visible = visible_tickets(user)
    return qs.filter(
        Q(Exists(visible.filter(requester_id=OuterRef("pk"))))
        | Q(Exists(visible.filter(about_contact_id=OuterRef("pk"))))
    )


def _contact(user: User, contact_id: int) -> Contact:
    if not 1 <= contact_id <= MAX_ID:
        raise NotFound()
    contact = _contacts_for(user).filter(pk=contact_id).first()
    if contact is None:
        raise NotFound()
    return contact


def _detail(user: User, contact: Contact) -> dict[str, Any]:
    return contact_detail(contact, contact_relations(contact), unmasked=is_supervisor(user))


# Reason recorded when a supervisor's or admin's role shows the full values without their asking.
ROLE_UNMASK_REASON = "supervisor/admin role: full values in the API contact detail"


def _audited_detail(request: HttpRequest, user: User, contact: Contact) -> dict[str, Any]:
    """The contact's detail, audited in one INSERT: a supervisor's full view is an unmasking; an agent's view of a
    minor (student or child) is a read of a minor's record."""
    relations = contact_relations(contact)
    unmasked = is_supervisor(user)
    if unmasked:
        record_request_accesses(
            request,
            Access(AccessAction.UNMASK, ObjectKind.CONTACT, contact.pk, contact.pk, ROLE_UNMASK_REASON),
        )
    elif is_minor(contact, relations):
        record_request_accesses(
            request, Access(AccessAction.VIEW, ObjectKind.CONTACT, contact.pk, contact.pk)
        )
    return contact_detail(contact, relations, unmasked=unmasked)


@router.get("/contacts", response={200: ContactPage, **ERRORS}, summary="Search contacts (staff)")
@router.get("/contacts/", response={200: ContactPage, **ERRORS}, include_in_schema=False)
def search_contacts(request: HttpRequest, params: Query[SearchParams]) -> dict[str, Any]:
    """By Arabic name (hamza forms, ta marbuta, alef maqsura, diacritics and tatweel folded), phone (any
    format), national id or email; name matches best first (the workspace's ranking), within the contacts the caller
    may see. National ids, phones and emails come back masked. An empty `q` finds nothing."""
    user = _staff(request)
    qs = contact_search(params.q, _contacts_for(user))  # a name search best first, the others by name
    rows, next_offset = page_of(qs, params)
    return {
        "items": [contact_list_item(c) for c in rows],
        "limit": params.size,
        "offset": params.offset,
        "next_offset": next_offset,
    }


@router.post("/contacts", response={201: ContactDetail, **ERRORS}, summary="Create a contact (staff)")
@router.post("/contacts/", response={201: ContactDetail, **ERRORS}, include_in_schema=False)
def create_contact(request: HttpRequest, payload: ContactIn) -> Status[dict[str, Any]]:
    """Every field is validated before anything is written: one bad field saves nothing (400, with `field`)."""
    user = _staff(request)
    contact = services.contact_create(
        name=payload.name,
        contact_type=payload.contact_type,
        national_id=payload.national_id,
        phone=payload.phone,
        email=payload.email,
        language=payload.language if payload.language in ("ar", "en") else "ar",
    )
    return Status(201, contact_detail(contact, [], unmasked=is_supervisor(user)))


@router.get("/contacts/{contact_id}", response={200: ContactDetail, **ERRORS}, summary="A contact (staff)")
def get_contact(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    """Supervisors and admins see national id, phone and email in full; agents see them masked."""
    user = _staff(request)
    return _audited_detail(request, user, _contact(user, contact_id))


@router.post(
    "/contacts/{contact_id}/unmask",
    response={200: ContactDetail, **ERRORS},
    summary="A contact with national id, phone and email in full, for a reason (staff; audited)",
)
def unmask_contact(request: HttpRequest, contact_id: int, payload: ContactUnmaskIn) -> dict[str, Any]:
    """An agent who needs the full national id, phone or email gives a reason (at least 5 characters); the
    unmasking is recorded in the access audit with it, and the full values come back in this response only."""
    user = _staff(request)
    contact = _contact(user, contact_id)
    record_request_accesses(
        request, Access(AccessAction.UNMASK, ObjectKind.CONTACT, contact.pk, contact.pk, payload.reason)
    )
    return contact_detail(contact, contact_relations(contact), unmasked=True)


@router.get(
    "/contacts/{contact_id}/timeline",
    response={200: TimelinePage, **ERRORS},
    summary="Interaction timeline (staff)",
)
def get_timeline(request: HttpRequest, contact_id: int, params: Query[PageParams]) -> dict[str, Any]:
    """Tickets, messages (internal notes included) and education-system events of one person, newest first.
    Pages with limit/offset (offset at most 500)."""
    user = _staff(request)
    contact = _contact(user, contact_id)
    if params.offset > TIMELINE_OFFSET_MAX:
        raise ValidationError(_("The offset is too large."), field="offset")
    if is_minor(contact):
        record_request_accesses(
            request, Access(AccessAction.VIEW, ObjectKind.CONTACT, contact.pk, contact.pk)
        )
    items = contact_timeline(contact, limit=params.offset + params.size, include_internal=True)
    items = items[params.offset :]
    if covered_categories(user) is not None:
        ticket_ids = {i.ticket_id for i in items if i.ticket_id is not None}
        allowed = set(visible_tickets(user).filter(pk__in=ticket_ids).values_list("pk", flat=True))
        items = [i for i in items if i.ticket_id is None or i.ticket_id in allowed]
    return {
        "items": [timeline_entry(i) for i in items],
        "limit": params.size,
        "offset": params.offset,
    }


@router.post(
    "/contacts/{contact_id}/merge",
    response={200: ContactDetail, **ERRORS},
    summary="Merge this contact into another (supervisor/admin)",
)
def merge_contact(request: HttpRequest, contact_id: int, payload: ContactMergeIn) -> dict[str, Any]:
    """Folds this contact into `target_id`: tickets, messages, events and relations move; nothing is
    deleted. Returns the surviving contact."""
    user = _staff(request)
    source = _contact(user, contact_id)
    if not is_supervisor(user):
        raise PermissionDenied()
    target = Contact.objects.filter(pk=payload.target_id).first()
    if target is None or target.merged_into_id is not None:
        raise ValidationError(_("Unknown contact."), field="target_id")
    merged = services.contact_merge(source=source, target=target)
    return _detail(user, merged)


@router.post(
    "/events",
    response={200: ExternalEventOut, 201: ExternalEventOut, **ERRORS},
    summary="Push an education-system event (admin/integration)",
)
@router.post(
    "/events/", response={200: ExternalEventOut, 201: ExternalEventOut, **ERRORS}, include_in_schema=False
)
def push_event(request: HttpRequest, payload: ExternalEventIn) -> Status[dict[str, Any]]:
    """Idempotent by `event_id`: the first delivery answers 201 `{"created": true}`, any repeat 200
    `{"created": false}` and changes nothing. The event is attached to the contact with `national_id` (if
    known) and shows on their timeline. Only users with the admin role (the integration's token) may push.

    `guardian_linked` / `guardian_unlinked` with `data.parent_national_id` (or `national_id`) and
    `data.student_national_id` also create (verified, active) or revoke the parent's link to the student; a bad or
    unknown id answers 400 with the field, and nothing is written."""
    user = cast(User, request.user)
    if not (user.is_active and user.role == Role.ADMIN):
        raise PermissionDenied()
    occurred_at = payload.occurred_at
    if occurred_at is not None and timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    event, created = services.external_event_record(
        event_id=payload.event_id,
        event_type=payload.type,
        occurred_at=occurred_at,
        national_id=payload.national_id,
        reason=payload.reason,
        payload=payload.data,
    )
    return Status(201 if created else 200, {"id": event.pk, "created": created})
