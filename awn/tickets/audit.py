"""The access audit of ticket reads (issue 15, item 4): who read a minor's ticket, through the API or the portal."""

from __future__ import annotations

from django.http import HttpRequest

from awn.accounts.models import User
from awn.accounts.policies import is_staff_member
from awn.crm.selectors import minor_ids
from awn.privacy.enums import AccessAction, ObjectKind
from awn.privacy.services import Access, record_request_accesses

from .models import Ticket


def audit_ticket_read(request: HttpRequest, user: User, ticket: Ticket) -> None:
    """One INSERT when the ticket concerns a minor, nothing otherwise (at most one query to find out).

    Staff: the requester or the person it is about is a student or a child. A guardian in the portal: the ticket
    is about (or from) someone else than themself, i.e. their child, reached through a verified link — a
    disclosure, recorded as a read of the child's record."""
    people = [c for c in (ticket.requester, ticket.about_contact) if c is not None]
    if is_staff_member(user):
        subjects = minor_ids(people)
    else:
        own = getattr(getattr(user, "contact", None), "pk", None)
        subjects = {c.pk for c in people if c.pk != own}
    record_request_accesses(
        request, *(Access(AccessAction.VIEW, ObjectKind.TICKET, ticket.pk, pk) for pk in sorted(subjects))
    )
