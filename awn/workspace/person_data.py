"""A person's data, as one JSON document: the answer to a data-subject access request (PDPL; issue 15, item 4).

What Awn holds of the person: the contact, their relations, the tickets they opened or that are about them with
the public conversation (internal notes are the organization's working notes and are left out), the
education-system events about them and their channel identities. Bounded: at most MAX_TICKETS tickets, a fixed
number of queries whatever their number.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone

from awn.connectors.models import ChannelIdentity
from awn.crm.models import Contact, ExternalEvent, Relation
from awn.tickets.enums import MessageKind
from awn.tickets.models import Message, Ticket

MAX_TICKETS = 1000
MAX_EVENTS = 1000


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def person_data(contact: Contact) -> dict[str, Any]:
    relations = (
        Relation.objects.filter(Q(contact=contact) | Q(other_contact=contact))
        .select_related("contact", "other_contact", "organization")
        .order_by("id")
    )
    public = Message.objects.exclude(kind=MessageKind.NOTE).order_by("created_at", "id")
    tickets = (
        Ticket.objects.filter(Q(requester=contact) | Q(about_contact=contact))
        .prefetch_related(Prefetch("messages", queryset=public))
        .order_by("created_at", "id")[:MAX_TICKETS]
    )
    events = ExternalEvent.objects.filter(contact=contact).order_by("occurred_at", "id")[:MAX_EVENTS]
    return {
        "exported_at": timezone.now().isoformat(),
        "contact": {
            "id": contact.pk,
            "name": contact.name,
            "contact_type": contact.contact_type,
            "national_id": contact.national_id,
            "phone": contact.phone,
            "email": contact.email,
            "language": contact.language,
            "created_at": _iso(contact.created_at),
        },
        "relations": [
            {
                "kind": r.kind,
                "direction": "outgoing" if r.contact_id == contact.pk else "incoming",
                "contact": (
                    r.other_contact.name
                    if r.contact_id == contact.pk and r.other_contact
                    else r.contact.name
                    if r.contact_id != contact.pk
                    else None
                ),
                "organization": r.organization.name if r.organization else None,
                "verified_at": _iso(r.verified_at),
                "revoked_at": _iso(r.revoked_at),
            }
            for r in relations
        ],
        "tickets": [
            {
                "reference": t.reference,
                "subject": t.subject,
                "status": t.status,
                "category": t.category,
                "channel": t.channel,
                "role": "requester" if t.requester_id == contact.pk else "about",
                "created_at": _iso(t.created_at),
                "messages": [
                    {
                        "direction": m.direction,
                        "channel": m.channel,
                        "body": m.body,
                        "created_at": _iso(m.created_at),
                    }
                    for m in t.messages.all()
                ],
            }
            for t in tickets
        ],
        "education_system_events": [
            {"type": e.event_type, "occurred_at": _iso(e.occurred_at), "reason": e.reason} for e in events
        ],
        "channel_identities": [
            {"kind": kind, "external_id": external_id}
            for kind, external_id in ChannelIdentity.objects.filter(contact=contact).values_list(
                "kind", "external_id"
            )
        ],
    }
