"""Reads from the CRM: relations, search, the interaction timeline."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from django.db.models import F, Q, QuerySet

from awn.core.text.arabic import normalize_digits
from awn.search.documents import Document
from awn.search.enums import Kind as SearchKind
from awn.search.selectors import search_filter

from .enums import ContactType, RelationKind
from .models import Contact, ExternalEvent, Relation


def children_ids(contact_id: int) -> list[int]:
    """The children a guardian may see: parent_of links that are verified and not revoked. Read on every
    request, so a revocation takes effect on the next one."""
    return list(
        Relation.objects.filter(
            kind=RelationKind.PARENT_OF,
            contact_id=contact_id,
            verified_at__isnull=False,
            revoked_at__isnull=True,
        ).values_list("other_contact_id", flat=True)
    )


def is_minor(contact: Contact, relations: Iterable[Relation] | None = None) -> bool:
    """A student, or anyone a parent is linked to (a child, whatever their contact type): every read of their
    record is audited (awn.privacy). `relations`: the contact's relations when already loaded (no query)."""
    if contact.contact_type == ContactType.STUDENT:
        return True
    if relations is None:
        return Relation.objects.filter(kind=RelationKind.PARENT_OF, other_contact_id=contact.pk).exists()
    return any(r.kind == RelationKind.PARENT_OF and r.other_contact_id == contact.pk for r in relations)


def minor_ids(contacts: Iterable[Contact]) -> set[int]:
    """Which of `contacts` are minors (students, or anyone a parent is linked to): at most one query."""
    people = {c.pk: c for c in contacts if c is not None}
    minors = {pk for pk, c in people.items() if c.contact_type == ContactType.STUDENT}
    rest = [pk for pk in people if pk not in minors]
    if rest:
        minors.update(
            Relation.objects.filter(kind=RelationKind.PARENT_OF, other_contact_id__in=rest).values_list(
                "other_contact_id", flat=True
            )
        )
    return minors


def contact_relations(contact: Contact) -> list[Relation]:
    """Both directions: my children and schools, and the parents who are linked to me."""
    return list(
        Relation.objects.filter(Q(contact=contact) | Q(other_contact=contact))
        .select_related("contact", "other_contact", "organization")
        .order_by("kind", "id")[:50]
    )


def contact_search(query: str, queryset: QuerySet[Contact] | None = None) -> QuerySet[Contact]:
    """Find contacts by Arabic name (through the search index), phone, national id or email.

    Name matches carry `search_rank` and come best first; matches by email, phone or national id by name.
    """
    qs = (queryset if queryset is not None else Contact.objects.all()).filter(merged_into__isnull=True)
    text = (query or "").strip()
    if not text:
        return qs.none()
    digits = "".join(ch for ch in normalize_digits(text) if ch.isdigit())
    if "@" in text:
        return qs.filter(email__iexact=text.lower()).order_by("name", "pk")
    if digits and len(digits) >= 6 and len(digits) >= len(text.replace(" ", "").replace("+", "")) - 1:
        condition = Q(national_id=digits) | Q(phone__endswith=digits[-9:])
        return qs.filter(condition).order_by("name", "pk")
    return search_filter(qs, SearchKind.CONTACT, text, ranked=True).order_by(
        F("search_rank").desc(), "name", "pk"
    )


def recent_external_events(contact: Contact, *, limit: int = 5) -> list[ExternalEvent]:
    """The newest events the education system pushed about this person (why a login fails, …)."""
    return list(ExternalEvent.objects.filter(contact=contact).order_by("-occurred_at")[:limit])


@dataclass(frozen=True)
class TimelineItem:
    kind: str  # "ticket", "message", "event"
    at: datetime
    title: str
    detail: str
    ticket_id: int | None = None
    obj: Any = None


def _unique(items: Iterable[Any]) -> Iterator[Any]:
    seen: set[int] = set()
    for item in items:
        if item.pk not in seen:
            seen.add(item.pk)
            yield item


def _own_tickets(contact: Contact, order: str, limit: int) -> list[Any]:
    """The `limit` first tickets a person asked or is the subject of, in `order`, as two index-ordered reads
    (an OR of the two would sort every ticket of a school account with thousands of them)."""
    from awn.tickets.models import Ticket

    field = order.lstrip("-")
    asked = Ticket.objects.filter(requester=contact).order_by(order)[:limit]
    about = Ticket.objects.filter(about_contact=contact).exclude(requester=contact).order_by(order)[:limit]
    merged = heapq.merge(
        asked, about, key=lambda t: getattr(t, field) or datetime.min.replace(tzinfo=UTC), reverse=True
    )
    return list(islice(merged, limit))


def contact_timeline(
    contact: Contact, *, limit: int = 20, include_internal: bool = False
) -> list[TimelineItem]:
    """Tickets, messages and external events of one person, newest first.

    Seven small queries, each an index range read of at most `limit` rows, so the cost does not grow with the
    person's history (a school account may have thousands of tickets). The newest `limit` messages on the
    person's tickets are all on the `limit` tickets with the latest activity; messages they wrote on someone
    else's ticket (a parent answering on a child's) come from their newest authored messages.
    """
    from awn.tickets.models import Message

    tickets = _own_tickets(contact, "-created_at", limit)
    active_ids = [t.pk for t in _own_tickets(contact, "-last_message_at", limit)]
    message_reads = [
        Message.objects.filter(ticket_id__in=active_ids),
        Message.objects.filter(author_contact=contact),
    ]
    if not include_internal:
        message_reads = [read.exclude(kind="note") for read in message_reads]
    messages = _unique(
        heapq.merge(
            *(read.select_related("ticket").order_by("-created_at")[:limit] for read in message_reads),
            key=lambda m: m.created_at,
            reverse=True,
        )
    )
    events = ExternalEvent.objects.filter(contact=contact).order_by("-occurred_at")[:limit]
    streams = [
        (TimelineItem("ticket", t.created_at, t.subject, t.get_status_display(), t.pk, t) for t in tickets),
        (
            TimelineItem("message", m.created_at, m.ticket.subject, m.body[:160], m.ticket_id, m)
            for m in messages
        ),
        (TimelineItem("event", e.occurred_at, e.event_type, e.reason, None, e) for e in events),
    ]
    merged = heapq.merge(*streams, key=lambda item: item.at, reverse=True)
    return list(islice(merged, limit))


def contact_search_documents(batch_size: int) -> Iterator[Document]:
    """Every contact not merged away, by name, as the search index holds it (settings.AWN_SEARCH_SOURCES)."""
    contacts = Contact.objects.filter(merged_into__isnull=True).only("pk", "name")
    for contact in contacts.iterator(batch_size):
        yield Document(contact.pk, contact.name)
