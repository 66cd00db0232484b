"""Request and response shapes of the CRM API (/api/v1/crm), plus the helpers that build them.

Masking: national ids, phone numbers and emails are masked in every list. On a single contact they are shown
in full to supervisors and admins only; agents see the masked form (the last digits stay visible, enough to
confirm an identity a caller reads out). `masked` in the response says which form was returned.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, TypeVar

from django.conf import settings
from ninja import Schema
from pydantic import AfterValidator, Field, field_validator

from awn.core.ids import MAX_ID

from .models import Contact, ExternalEvent, Relation
from .selectors import TimelineItem
from .validators import mask_national_id, mask_phone

T = TypeVar("T")

EVENT_DATA_MAX_BYTES = 16 * 1024


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; refuse it up front instead of failing in the database.
    if "\x00" in value:
        raise ValueError("NUL characters are not allowed")
    return value


# Every free-text input goes through this type: no NUL characters.
CleanStr = Annotated[str, AfterValidator(_no_nul)]
# Every id taken from a request body: a positive 64-bit integer, so no lookup can overflow.
ObjectId = Annotated[int, Field(ge=1, le=MAX_ID)]


class ErrorDetail(Schema):
    code: str
    message: str
    message_ar: str
    message_en: str
    field: str | None = None


class ErrorOut(Schema):
    error: ErrorDetail


# The error responses every endpoint documents (the envelope of config/api.py).
API_ERRORS: dict[int, Any] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ContactRef(Schema):
    id: int
    name: str


class ContactListItem(Schema):
    id: int
    name: str
    contact_type: str
    national_id: str = Field(description="Masked in lists.")
    phone: str = Field(description="Masked in lists (E.164 when shown).")
    email: str = Field(description="Masked in lists.")
    language: str
    has_account: bool
    created_at: datetime


class ContactPage(Schema):
    items: list[ContactListItem]
    limit: int
    offset: int
    next_offset: int | None


class RelationOut(Schema):
    id: int
    kind: str
    direction: str = Field(description="`outgoing`: this contact → other; `incoming`: other → this contact.")
    contact: ContactRef | None = None
    organization: ContactRef | None = None


class ContactDetail(ContactListItem):
    masked: bool = Field(description="True when national id, phone and email are shown masked.")
    merged_into_id: int | None
    relations: list[RelationOut]
    updated_at: datetime


class ContactIn(Schema):
    name: CleanStr = Field(max_length=400)
    contact_type: CleanStr = "parent"
    national_id: CleanStr = Field("", max_length=40)
    phone: CleanStr = Field("", max_length=40)
    email: CleanStr = Field("", max_length=254)
    language: CleanStr = Field("ar", max_length=8)


class ContactUnmaskIn(Schema):
    reason: CleanStr = Field(
        min_length=5, max_length=500, description="Why the full values are needed; kept in the access audit."
    )


class ContactMergeIn(Schema):
    target_id: ObjectId = Field(description="The contact that survives; this one is folded into it.")


class TimelineEntry(Schema):
    kind: str = Field(description="ticket | message | event")
    at: datetime
    title: str
    detail: str
    ticket_id: int | None = None
    message_id: int | None = None
    event_id: int | None = None


class TimelinePage(Schema):
    items: list[TimelineEntry]
    limit: int
    offset: int


class ExternalEventIn(Schema):
    event_id: CleanStr = Field(min_length=1, max_length=128)
    type: CleanStr = Field(
        min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$", description="A slug, e.g. login_failed."
    )
    national_id: CleanStr = Field("", max_length=40)
    occurred_at: datetime | None = None
    reason: CleanStr = Field("", max_length=2000)
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("data")
    @classmethod
    def _bounded_data(cls, value: dict[str, Any]) -> dict[str, Any]:
        encoded = json.dumps(value, ensure_ascii=False)
        if len(encoded.encode()) > EVENT_DATA_MAX_BYTES:
            raise ValueError(f"data is too large (at most {EVENT_DATA_MAX_BYTES} bytes as JSON)")
        if "\\u0000" in encoded or "\x00" in encoded:
            raise ValueError("NUL characters are not allowed")
        return value


class ExternalEventOut(Schema):
    id: int
    created: bool


# --- builders ------------------------------------------------------------------------------------------


def mask_email(value: str) -> str:
    local, at, domain = value.partition("@")
    if not at:
        return value
    return f"{local[:2]}***@{domain}"


def contact_list_item(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "name": contact.name,
        "contact_type": contact.contact_type,
        "national_id": mask_national_id(contact.national_id),
        "phone": mask_phone(contact.phone),
        "email": mask_email(contact.email),
        "language": contact.language,
        "has_account": contact.user_id is not None,
        "created_at": contact.created_at,
    }


def relation_out(relation: Relation, contact: Contact) -> dict[str, Any]:
    outgoing = relation.contact_id == contact.pk
    other = relation.other_contact if outgoing else relation.contact
    return {
        "id": relation.pk,
        "kind": relation.kind,
        "direction": "outgoing" if outgoing else "incoming",
        "contact": {"id": other.pk, "name": other.name} if other is not None else None,
        "organization": (
            {"id": relation.organization.pk, "name": relation.organization.name}
            if relation.organization is not None
            else None
        ),
    }


def contact_detail(contact: Contact, relations: list[Relation], *, unmasked: bool) -> dict[str, Any]:
    body = contact_list_item(contact)
    if unmasked:
        body.update(national_id=contact.national_id, phone=contact.phone, email=contact.email)
    body.update(
        masked=not unmasked,
        merged_into_id=contact.merged_into_id,
        relations=[relation_out(r, contact) for r in relations],
        updated_at=contact.updated_at,
    )
    return body


def timeline_entry(item: TimelineItem) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "kind": item.kind,
        "at": item.at,
        "title": item.title,
        "detail": item.detail,
        "ticket_id": item.ticket_id,
    }
    if item.kind == "message":
        entry["message_id"] = item.obj.pk
    elif item.kind == "event" and isinstance(item.obj, ExternalEvent):
        entry["event_id"] = item.obj.pk
    return entry


# --- pagination (shared by every list of the API) -------------------------------------------------------

OFFSET_MAX = 100_000


class PageParams(Schema):
    limit: int = Field(
        settings.AWN_PAGE_SIZE,
        ge=1,
        le=MAX_ID,
        description=f"Page size; values above {settings.AWN_PAGE_SIZE_MAX} are capped.",
    )
    offset: int = Field(0, ge=0, le=OFFSET_MAX)

    @property
    def size(self) -> int:
        return min(self.limit, settings.AWN_PAGE_SIZE_MAX)


def page_of(rows: Iterable[T], params: PageParams) -> tuple[list[T], int | None]:
    """Slice one page (one query: LIMIT size+1 tells whether another page follows)."""
    size = params.size
    fetched = list(rows[params.offset : params.offset + size + 1])  # type: ignore[index]
    next_offset = params.offset + size if len(fetched) > size else None
    return fetched[:size], next_offset
