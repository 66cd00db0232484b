"""The customer-360 blocks shared by the ticket sidebar and the contact page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from awn.accounts.models import User
from awn.accounts.policies import covered_categories
from awn.crm.enums import EXTERNAL_EVENT_LABELS, RelationKind
from awn.crm.models import Contact, Organization, Relation
from awn.crm.selectors import (
    TimelineItem,
    contact_relations,
    contact_timeline,
    is_minor,
    recent_external_events,
)
from awn.privacy.enums import AccessAction, ObjectKind
from awn.privacy.services import Access, record_request_accesses
from awn.tickets.selectors import visible_ticket_ids

# Events from the education system that explain why someone cannot get in: highlighted on the timeline.
ALERT_EVENTS = frozenset({"login_failed", "account_locked", "otp_failed", "password_reset_failed"})


@dataclass(frozen=True)
class RelationRow:
    label: str
    contact: Contact | None = None
    organization: Organization | None = None
    # A guardian link (parent_of): its id and whether it discloses (verified, not revoked).
    guardian_link_id: int | None = None
    link_active: bool = True


@dataclass
class PersonPanel:
    contact: Contact
    role: str
    relations: list[RelationRow] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    # A student or a child: showing this panel is a read of a minor's record, audited by the view.
    is_minor: bool = False


def relation_rows(contact: Contact, relations: list[Relation] | None = None) -> list[RelationRow]:
    rows: list[RelationRow] = []
    labels: dict[str, str] = {
        RelationKind.STUDENT_AT: _("Student at"),
        RelationKind.TEACHER_AT: _("Teacher at"),
        RelationKind.STAFF_AT: _("Staff at"),
    }
    for relation in contact_relations(contact) if relations is None else relations:
        if relation.kind == RelationKind.PARENT_OF:
            outgoing = relation.contact_id == contact.pk
            rows.append(
                RelationRow(
                    _("Parent of") if outgoing else _("Child of"),
                    contact=relation.other_contact if outgoing else relation.contact,
                    guardian_link_id=relation.pk,
                    link_active=relation.is_active_link,
                )
            )
        elif relation.contact_id == contact.pk:
            rows.append(
                RelationRow(labels.get(relation.kind, relation.kind), organization=relation.organization)
            )
    return rows


def visible_timeline(user: User, contact: Contact, *, limit: int) -> list[TimelineItem]:
    """The contact's timeline, without tickets (and their messages) the agent may not see."""
    items = contact_timeline(contact, limit=limit, include_internal=True)
    if covered_categories(user) is None:
        return items
    allowed = visible_ticket_ids(user, {i.ticket_id for i in items if i.ticket_id is not None})
    return [i for i in items if i.ticket_id is None or i.ticket_id in allowed]


def person_panel(user: User, contact: Contact, *, role: str, timeline_limit: int = 15) -> PersonPanel:
    relations = contact_relations(contact)
    return PersonPanel(
        contact=contact,
        role=role,
        is_minor=is_minor(contact, relations),
        relations=relation_rows(contact, relations),
        timeline=timeline_context(visible_timeline(user, contact, limit=timeline_limit)),
        events=[
            {
                "event": e,
                "label": EXTERNAL_EVENT_LABELS.get(e.event_type),
                "is_alert": e.event_type in ALERT_EVENTS,
            }
            for e in recent_external_events(contact, limit=5)
        ],
    )


def timeline_context(items: list[TimelineItem]) -> list[dict[str, Any]]:
    """Template-friendly rows: what kind, whether it is an alert, and whether a message is internal."""
    rows = []
    for item in items:
        obj = item.obj
        rows.append(
            {
                "item": item,
                "is_alert": item.kind == "event" and item.title in ALERT_EVENTS,
                "is_note": item.kind == "message" and getattr(obj, "kind", "") == "note",
                "is_inbound": item.kind == "message" and getattr(obj, "direction", "") == "inbound",
            }
        )
    return rows


def audit_minor_views(request: HttpRequest, panels: list[PersonPanel], *, kind: str, object_id: int) -> None:
    """One audit row per minor shown on the page (students and children), all in one INSERT."""
    audit_minor_ids(
        request, [panel.contact.pk for panel in panels if panel.is_minor], kind=kind, object_id=object_id
    )


def audit_minor_ids(request: HttpRequest, minor_ids: list[int], *, kind: str, object_id: int) -> None:
    """One audit row per minor (by contact id) whose record the request shows, all in one INSERT."""
    record_request_accesses(
        request,
        *(Access(AccessAction.VIEW, kind, object_id, subject_id) for subject_id in sorted(set(minor_ids))),
    )


def audit_contact_view(request: HttpRequest, panel: PersonPanel) -> None:
    audit_minor_views(request, [panel], kind=ObjectKind.CONTACT, object_id=panel.contact.pk)
