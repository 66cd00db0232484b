"""Reads of live screens: who is shown a ticket (audiences from the tickets' own policy), agents' notifications."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import BigIntegerField, BooleanField, Q, Value

from awn.accounts.enums import Role
from awn.accounts.models import User
from awn.tickets.models import Ticket, TicketWatcher
from awn.tickets.policies import staff_who_can_view, staff_who_can_view_each, visible_tickets

from .models import AgentNotification, AgentSocket, Page

NOTIFICATIONS_SHOWN = 15


@dataclass(frozen=True)
class Screen:
    """A user with a socket that shows `ticket`'s page (`ticket_open`) or only the queue."""

    user_id: int
    ticket_open: bool


def ticket_for_audience(ticket_id: int) -> Ticket | None:
    """The columns the audience of a ticket depends on."""
    return Ticket.objects.only("pk", "category", "team_id").filter(pk=ticket_id).first()


def sla_alert_recipients(ticket_id: int, *, supervisors: bool) -> tuple[Ticket | None, list[int]]:
    """Who hears of a ticket's SLA warning (its assignee) or breach (its assignee and the supervisors of its team;
    every supervisor when it has no team or its team none), among those who may see it."""
    ticket = Ticket.objects.only("pk", "category", "team_id", "assignee_id").filter(pk=ticket_id).first()
    if ticket is None:
        return None, []
    wanted = {ticket.assignee_id} if ticket.assignee_id is not None else set()
    if supervisors:
        staff = User.objects.filter(is_active=True, role=Role.SUPERVISOR)
        in_team = (
            set(staff.filter(team_id=ticket.team_id).values_list("pk", flat=True))
            if ticket.team_id
            else set()
        )
        wanted |= in_team or set(staff.values_list("pk", flat=True))
    return ticket, allowed_among(ticket, wanted)


@dataclass(frozen=True)
class Audience:
    screens: list[Screen]
    watchers: list[int]  # the ticket's watchers who may see it


def ticket_audience(ticket: Ticket, *, with_watchers: bool = False) -> Audience:
    """Users allowed to see `ticket` (tickets.policies) with its page or the queue open, and (`with_watchers`)
    its watchers who may still see it: two queries, whatever the number of agents, sockets or watchers."""
    allowed = staff_who_can_view(ticket)  # the teams' query; the users' is a subquery of the next
    sockets = (
        AgentSocket.objects.filter(user__in=allowed)
        .filter(Q(ticket_id=ticket.pk) | Q(page=Page.QUEUE))
        .annotate(watcher=Value(False, output_field=BooleanField()))
        .values_list("user_id", "ticket_id", "watcher")
    )
    rows = sockets
    if with_watchers:
        watchers = (
            TicketWatcher.objects.filter(ticket_id=ticket.pk, user__in=allowed)
            .annotate(
                no_ticket=Value(None, output_field=BigIntegerField()),
                watcher=Value(True, output_field=BooleanField()),
            )
            .values_list("user_id", "no_ticket", "watcher")
        )
        rows = sockets.union(watchers, all=True)
    open_by_user: dict[int, bool] = {}
    watching: set[int] = set()
    for user_id, open_ticket_id, is_watcher in rows:
        if is_watcher:
            watching.add(user_id)
        else:
            open_by_user[user_id] = open_by_user.get(user_id, False) or open_ticket_id == ticket.pk
    screens = [Screen(user_id, is_open) for user_id, is_open in sorted(open_by_user.items())]
    return Audience(screens, sorted(watching))


def tickets_for_audience(ticket_ids: Sequence[int]) -> dict[int, Ticket]:
    """`ticket_for_audience` of many tickets, in one query (a ticket deleted meanwhile is missing)."""
    return {t.pk: t for t in Ticket.objects.only("pk", "category", "team_id").filter(pk__in=list(ticket_ids))}


def screens_of_tickets(tickets: Sequence[Ticket]) -> dict[int, list[Screen]]:
    """`screens_for_ticket` of many tickets: the teams once, then one query of sockets per distinct (category,
    team) of the tickets, whatever their number: what a burst of new tickets costs the push thread."""
    groups: dict[tuple[str, int | None], list[Ticket]] = {}
    for ticket in tickets:
        groups.setdefault((ticket.category, ticket.team_id), []).append(ticket)
    out: dict[int, list[Screen]] = {}
    for key, allowed in staff_who_can_view_each(tickets).items():
        group = groups[key]
        rows = list(
            AgentSocket.objects.filter(user__in=allowed)
            .filter(Q(ticket_id__in=[t.pk for t in group]) | Q(page=Page.QUEUE))
            .values_list("user_id", "ticket_id", "page")
        )
        for ticket in group:
            open_by_user: dict[int, bool] = {}
            for user_id, open_ticket_id, page in rows:
                if open_ticket_id == ticket.pk or page == Page.QUEUE:
                    open_by_user[user_id] = open_by_user.get(user_id, False) or open_ticket_id == ticket.pk
            out[ticket.pk] = [Screen(user_id, is_open) for user_id, is_open in sorted(open_by_user.items())]
    return out


def screens_for_ticket(ticket: Ticket) -> list[Screen]:
    return ticket_audience(ticket).screens


def allowed_among(ticket: Ticket, user_ids: Iterable[int]) -> list[int]:
    """Which of `user_ids` may see `ticket` (one query after the teams)."""
    ids = set(user_ids)
    if not ids:
        return []
    return sorted(staff_who_can_view(ticket).filter(pk__in=ids).values_list("pk", flat=True))


def notifications_for(user: User, limit: int = NOTIFICATIONS_SHOWN) -> list[AgentNotification]:
    """The user's newest notifications about tickets they may still see (a lost permission hides them)."""
    return list(
        AgentNotification.objects.filter(user=user, ticket__in=visible_tickets(user))
        .select_related("ticket__requester", "actor")
        .order_by("-created_at", "-id")[:limit]
    )


def unread_count(user: User) -> int:
    return AgentNotification.objects.filter(
        user=user, read_at__isnull=True, ticket__in=visible_tickets(user)
    ).count()


def spike_alert_recipients(category: str) -> list[User]:
    """Who is alerted to a spike: the active supervisors and admins who may run surge mode
    (incidents.policies) and whose teams cover the category; an agent never is."""
    from awn.accounts.policies import covered_categories
    from awn.incidents.policies import can_manage_incidents

    staff = User.objects.filter(is_active=True, role__in=(Role.SUPERVISOR, Role.ADMIN)).select_related("team")
    return [
        user
        for user in staff.order_by("pk")
        if can_manage_incidents(user)
        and ((covered := covered_categories(user)) is None or category in covered)
    ]
