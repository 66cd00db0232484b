"""The agent ticket page's reads, within a fixed query budget (issue 14).

One query brings the ticket with everything that is a yes/no or a short list on it: its tag names, whether the
agent watches it, whether its requester or subject is a linked child (a minor, whose reads are audited), whether
the problem and the merge target are visible to the agent, whether an email about it failed, whether a channel
conversation is behind it. The panels that need rows of their own (the channel state, the failed emails) are
read only when that flag says there is something to show; the conversation is one query with its authors and
delivery rows, and one for its attachments. The customer-360 panel, the history and the assistant's suggestions
are fragments fetched after the page (views/ticket.py), so their cost never adds to it.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Exists, OuterRef, TextField, Value
from django.db.models.expressions import RawSQL

from awn.accounts.models import User
from awn.accounts.policies import covered_categories
from awn.connectors.models import Conversation
from awn.crm.enums import ContactType, RelationKind
from awn.crm.models import Contact, Relation
from awn.notifications.models import Notification, NotificationStatus
from awn.tickets.models import Message, Tag, Ticket, TicketWatcher
from awn.tickets.policies import visible_tickets

# Tag names travel joined by the ASCII unit separator (chr 31), which a tag name cannot hold (a control character).
TAG_SEPARATOR = "\x1f"


def _tag_names() -> RawSQL:
    """The ticket's tag names joined by TAG_SEPARATOR, as a correlated subquery written out: the ORM's aggregate
    subquery costs more CPU to compile (~1.5 ms) than the rest of the ticket's query. No user input: the table
    names come from the models."""
    tag, link, ticket = Tag._meta.db_table, Ticket.tags.through._meta.db_table, Ticket._meta.db_table
    joined = (
        "STRING_AGG(t.name, chr(31))"
        if connection.vendor == "postgresql"
        else "GROUP_CONCAT(t.name, char(31))"
    )
    sql = (
        f'SELECT {joined} FROM "{tag}" t INNER JOIN "{link}" l ON l.tag_id = t.id'  # noqa: S608
        f' WHERE l.ticket_id = "{ticket}"."id"'
    )
    return RawSQL(sql, (), output_field=TextField())  # noqa: S611


def _linked_child(field: str) -> Exists:
    """A parent is linked to this contact: a child, a minor whatever their contact type (crm.selectors.is_minor)."""
    return Exists(Relation.objects.filter(kind=RelationKind.PARENT_OF, other_contact_id=OuterRef(field)))


def _visible(user: User, field: str) -> Exists | Value:
    """Whether the ticket this field names is one the agent may see: always, for staff who see every ticket
    (the template asks only when the field is set)."""
    if covered_categories(user) is None:
        return Value(True)
    return Exists(visible_tickets(user, Ticket.objects.filter(pk=OuterRef(field))))


def ticket_for_page(user: User, pk: int) -> Ticket | None:
    """The ticket the agent may see, with its people, team, assignee, links and the page's flags (one query)."""
    ticket = (
        visible_tickets(user)
        .select_related(
            "requester", "about_contact", "organization", "team", "assignee", "problem", "merged_into"
        )
        .annotate(
            tag_names_joined=_tag_names(),
            watching=Exists(TicketWatcher.objects.filter(ticket_id=OuterRef("pk"), user_id=user.pk)),
            requester_linked_child=_linked_child("requester_id"),
            about_linked_child=_linked_child("about_contact_id"),
            problem_visible=_visible(user, "problem_id"),
            merged_into_visible=_visible(user, "merged_into_id"),
            has_failed_notifications=Exists(
                Notification.objects.filter(ticket_id=OuterRef("pk"), status=NotificationStatus.FAILED)
            ),
            has_channel_conversation=Exists(Conversation.objects.filter(ticket_id=OuterRef("pk"))),
        )
        .filter(pk=pk)
        .first()
    )
    if ticket is not None:
        ticket.tag_names = tag_names(ticket.tag_names_joined)  # type: ignore[attr-defined]
    return ticket


def tag_names(joined: str | None) -> list[str]:
    return sorted(name for name in (joined or "").split(TAG_SEPARATOR) if name)


def page_minor_ids(ticket: Ticket) -> list[int]:
    """The people this ticket is about who are minors (students, or anyone a parent is linked to): no query,
    the flags come with the ticket (ticket_for_page)."""
    people: list[tuple[Contact | None, bool]] = [
        (ticket.requester, bool(getattr(ticket, "requester_linked_child", False))),
        (ticket.about_contact, bool(getattr(ticket, "about_linked_child", False))),
    ]
    return sorted(
        {c.pk for c, linked in people if c is not None and (c.contact_type == ContactType.STUDENT or linked)}
    )


def conversation_for_page(ticket: Ticket) -> list[Message]:
    """The messages, oldest first, with their authors and channel delivery rows (one query) and attachments
    (one more). Each message carries `delivery_row` (None for those that went out through no channel)."""
    messages = list(
        Message.objects.filter(ticket_id=ticket.pk)
        .select_related("author_user", "author_contact", "delivery")
        .prefetch_related("attachments")
    )
    for message in messages:
        message.delivery_row = getattr(message, "delivery", None)  # type: ignore[attr-defined]
    return messages


def incidents_for_page(user: User, ticket: Ticket) -> list[Ticket]:
    """The incidents of a problem the agent may see, newest first (a ticket that is no problem has none)."""
    if not ticket.is_problem:
        return []
    return list(
        visible_tickets(user).filter(problem_id=ticket.pk).select_related("requester").order_by("-created_at")
    )
