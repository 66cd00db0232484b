"""Canned responses: placeholders filled by plain string substitution.

The text is written by people, so it never goes through a template engine: only the known `{{name}}`
placeholders below are replaced, anything else (unknown names, stray braces, template tags) stays as typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.db.models import Q

from awn.accounts.models import User
from awn.crm.models import Contact

from .models import CannedResponse, Ticket

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)?)\s*\}\}")


def _agent_name(agent: User | None) -> str:
    if agent is None:
        return ""
    return agent.get_full_name().strip() or agent.first_name or agent.username


def _first_name(contact: Contact | None) -> str:
    name = (contact.name if contact else "").strip()
    return name.split()[0] if name else ""


def render_canned(body: str, *, ticket: Ticket, agent: User | None) -> str:
    """Fill {{contact.name}}, {{contact.first_name}}, {{ticket.reference}}, {{ticket.subject}},
    {{agent.name}} (and {{agent.first_name}}), also written {{customer.name}}, {{customer.first_name}} and
    {{ticket.number}}; leave every other placeholder as it is."""
    contact = ticket.requester if ticket.requester_id else None
    values: dict[str, Callable[[], str]] = {
        "contact.name": lambda: contact.name if contact else "",
        "contact.first_name": lambda: _first_name(contact),
        "ticket.reference": lambda: ticket.reference,
        "ticket.subject": lambda: ticket.subject,
        "agent.name": lambda: _agent_name(agent),
        "agent.first_name": lambda: (agent.first_name or _agent_name(agent)) if agent else "",
    }
    # The words agents use for the same values (issue 13): the customer is the contact, the number the reference.
    values["customer.name"] = values["contact.name"]
    values["customer.first_name"] = values["contact.first_name"]
    values["ticket.number"] = values["ticket.reference"]

    def replace(match: re.Match[str]) -> str:
        getter = values.get(match.group(1))
        return getter() if getter is not None else match.group(0)

    return _PLACEHOLDER.sub(replace, body or "")


def canned_responses_for(ticket: Ticket, *, language: str | None = None) -> list[CannedResponse]:
    """Responses to offer on a ticket: those of its category first, then general ones."""
    qs = CannedResponse.objects.filter(Q(category="") | Q(category=ticket.category))
    rows = list(qs.order_by("title")[:200])
    rows.sort(key=lambda c: (c.category != ticket.category, language is not None and c.language != language))
    return rows
