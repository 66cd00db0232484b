"""The assistant as first line, one flow for every channel that puts a question to it (the portal, live chat).

1. `first_line_ask(question)`: the assistant's attempt, asked outside any transaction (it computes for tens of
   milliseconds, and a transaction open that long would hold SQLite's write lock).
2. `answers_alone(attempt)`: whether the answer may be shown before anything is sent (the portal's "did this
   solve it?"); a handoff or no article goes to people.
3. `first_line_ticket(ticket, attempt=…)`: the ticket — opened here from a `NewTicket`, or a live chat's own — with
   the attempt as an internal note, in one transaction: a ticket never reaches an agent without what the assistant
   already told the customer, and a note never outlives a ticket that failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction

from awn.accounts.models import User
from awn.crm.models import Contact
from awn.tickets.attachments import IncomingFile
from awn.tickets.enums import Category, Channel, MessageKind
from awn.tickets.models import Ticket
from awn.tickets.services import ticket_add_message, ticket_create

if TYPE_CHECKING:
    from .answering import AssistantAnswer


@dataclass(frozen=True)
class NewTicket:
    """What the customer sent, for the ticket the first line opens when the assistant does not answer alone."""

    requester: Contact
    subject: str
    body: str
    category: str = Category.OTHER
    channel: str = Channel.PORTAL
    actor: User | None = None
    about_contact: Contact | None = None
    attachments: list[IncomingFile] = field(default_factory=list)


def first_line_ask(question: str) -> AssistantAnswer:
    """The assistant's attempt at a customer's question (call it outside any transaction)."""
    from .answering import (
        assistant_ask,
    )  # the models load on the first question, not with the URLs (issue 14)

    return assistant_ask(question)


def answers_alone(attempt: AssistantAnswer) -> bool:
    """The assistant found the article and hands nothing to people: its answer may come before any ticket."""
    return attempt.article is not None and not attempt.handoff


@transaction.atomic
def first_line_ticket(
    ticket: Ticket | NewTicket, *, attempt: AssistantAnswer | None, declined: bool = False
) -> Ticket:
    """The ticket with the assistant's attempt as an internal note (no author: the system), in one transaction.

    `ticket` is opened here from a NewTicket, or is an existing ticket (a live chat's, opened when it started).
    `attempt` None: the assistant was not asked (a portal ticket with files goes straight to people). `declined`:
    the customer said the answer did not solve it.
    """
    if isinstance(ticket, NewTicket):
        ticket = ticket_create(
            requester=ticket.requester,
            subject=ticket.subject,
            body=ticket.body,
            category=ticket.category,
            channel=ticket.channel,
            actor=ticket.actor,
            about_contact=ticket.about_contact,
            attachments=ticket.attachments,
        )
    if attempt is not None:
        from .answering import attempt_note

        ticket_add_message(
            ticket=ticket, body=attempt_note(attempt, declined=declined), actor=None, kind=MessageKind.NOTE
        )
    return ticket
