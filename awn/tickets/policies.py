"""Per-object permissions for tickets. Everything a user may see is defined by `visible_tickets`; a ticket
outside it is reported as not found (no existence leak)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from awn.accounts.enums import STAFF_ROLES, Role
from awn.accounts.models import Team, User
from awn.accounts.policies import covered_categories, is_staff_member
from awn.crm.selectors import children_ids

from .enums import Status
from .models import Ticket


def visible_tickets(user: User, queryset: QuerySet[Ticket] | None = None) -> QuerySet[Ticket]:
    qs = queryset if queryset is not None else Ticket.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if is_staff_member(user):
        categories = covered_categories(user)
        if categories is None:
            return qs
        return qs.filter(Q(category__in=categories) | Q(team_id=user.team_id))
    contact_id = _contact_id(user)
    if contact_id is None:
        return qs.none()
    people = [contact_id, *children_ids(contact_id)]
    return qs.filter(Q(requester_id__in=people) | Q(about_contact_id__in=people))


def staff_who_can_view(ticket: Ticket) -> QuerySet[User]:
    """Every staff member for whom `ticket` is in `visible_tickets`: the same rule read the other way round, for
    pushes to screens. Two queries whatever the number of agents (the teams now, the users when evaluated):
    supervisors, admins, agents without a team or in an unrestricted team, and agents of an outsourced team
    that covers the ticket's category or that the ticket is routed to."""
    return _staff_of_teams(_viewing_teams(ticket, _team_rows()))


def staff_who_can_view_each(tickets: Iterable[Ticket]) -> dict[tuple[str, int | None], QuerySet[User]]:
    """`staff_who_can_view` of many tickets, keyed by what it depends on (category, team): the teams are read
    once for all of them (a burst of pushes computes one audience per distinct key)."""
    rows = _team_rows()
    out: dict[tuple[str, int | None], QuerySet[User]] = {}
    for ticket in tickets:
        key = (ticket.category, ticket.team_id)
        if key not in out:
            out[key] = _staff_of_teams(_viewing_teams(ticket, rows))
    return out


def _team_rows() -> list[tuple[int, str, list[str] | None]]:
    return list(Team.objects.values_list("pk", "kind", "categories"))


def _viewing_teams(ticket: Ticket, rows: list[tuple[int, str, list[str] | None]]) -> list[int]:
    return [
        pk
        for pk, kind, categories in rows
        if not Team(kind=kind).is_restricted or ticket.category in (categories or ()) or pk == ticket.team_id
    ]


def _staff_of_teams(teams: list[int]) -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=STAFF_ROLES).filter(
        Q(role__in=(Role.SUPERVISOR, Role.ADMIN)) | Q(team__isnull=True) | Q(team_id__in=teams)
    )


def _contact_id(user: User) -> int | None:
    contact = getattr(user, "contact", None)
    return contact.pk if contact is not None else None


def can_view_ticket(user: User, ticket: Ticket) -> bool:
    return visible_tickets(user, Ticket.objects.filter(pk=ticket.pk)).exists()


def can_work_ticket(user: User, ticket: Ticket) -> bool:
    """Change status, assign, add notes: staff who can see it."""
    return is_staff_member(user) and can_view_ticket(user, ticket)


def can_customer_reply(user: User, ticket: Ticket) -> bool:
    return (not is_staff_member(user)) and ticket.status != Status.CLOSED and can_view_ticket(user, ticket)


def can_rate(user: User, ticket: Ticket) -> bool:
    contact_id = _contact_id(user)
    return (
        contact_id is not None
        and ticket.requester_id == contact_id
        and ticket.status in (Status.RESOLVED, Status.CLOSED)
        and ticket.csat_score is None
    )


def can_see_internal_notes(user: User) -> bool:
    return is_staff_member(user)
