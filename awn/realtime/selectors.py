"""Reads of live screens: who is shown a ticket (audiences from the tickets' own policy), agents' notifications."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from awn.accounts.models import User
from awn.tickets.models import Ticket
from awn.tickets.policies import staff_who_can_view, visible_tickets
from awn.tickets.selectors import ticket_watcher_ids

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


def screens_for_ticket(ticket: Ticket) -> list[Screen]:
    """Users allowed to see `ticket` (tickets.policies) with its page or the queue open: two queries, whatever
    the number of agents or sockets."""
    rows = (
        AgentSocket.objects.filter(user__in=staff_who_can_view(ticket))
        .filter(Q(ticket_id=ticket.pk) | Q(page=Page.QUEUE))
        .values_list("user_id", "ticket_id")
    )
    open_by_user: dict[int, bool] = {}
    for user_id, open_ticket_id in rows:
        open_by_user[user_id] = open_by_user.get(user_id, False) or open_ticket_id == ticket.pk
    return [Screen(user_id, is_open) for user_id, is_open in sorted(open_by_user.items())]


def allowed_among(ticket: Ticket, user_ids: Iterable[int]) -> list[int]:
    """Which of `user_ids` may see `ticket` (one query after the teams)."""
    ids = set(user_ids)
    if not ids:
        return []
    return sorted(staff_who_can_view(ticket).filter(pk__in=ids).values_list("pk", flat=True))


def watchers_allowed(ticket: Ticket) -> list[int]:
    """The ticket's watchers who may still see it."""
    return sorted(
        staff_who_can_view(ticket).filter(pk__in=ticket_watcher_ids(ticket.pk)).values_list("pk", flat=True)
    )


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
