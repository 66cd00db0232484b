"""Reads for live chat. An agent sees a chat only when they may see its ticket (tickets/policies.py)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from awn.accounts.models import User
from awn.accounts.policies import covered_categories, is_supervisor
from awn.tickets.policies import visible_tickets

from .enums import ChatStatus
from .models import Line, LiveSession
from .services import chat_summary, line_json


def routed(user: User) -> bool:
    """Skills routing is on (AWN_ROUTING_AUTO_ASSIGN) and `user` is not a supervisor: their panel holds only the
    chats routed (offered) to them and the ones they took, not the whole line (issue 18: an agent never sees a
    chat offered to someone else; a vendor's agent sees only what overflow gave them)."""
    return bool(getattr(settings, "AWN_ROUTING_AUTO_ASSIGN", False)) and not is_supervisor(user)


def chats_for_agent(user: User) -> QuerySet[LiveSession]:
    chats = (
        LiveSession.objects.filter(thread__ticket__in=visible_tickets(user).values("pk"))
        .filter(status__in=(ChatStatus.QUEUED, ChatStatus.ASSIGNED))
        .select_related("thread__ticket", "agent")
        .order_by("queued_at", "pk")
    )
    if routed(user):
        chats = chats.filter(Q(agent=user) | Q(status=ChatStatus.QUEUED, thread__ticket__assignee=user))
    return chats


def agent_snapshot(user: User) -> dict[str, Any]:
    return {"type": "chats", "chats": [chat_summary(c) for c in chats_for_agent(user)[:200]]}


def conversation_lines(conversation_id: int) -> list[dict[str, Any]]:
    lines = Line.objects.filter(conversation_id=conversation_id).select_related("attachment").order_by("id")
    return [line_json(line) for line in lines]


def agent_scope(user: User) -> tuple[list[str] | None, int | None]:
    """What an agent's socket filters broadcast chats by: covered categories (None = all) and their team."""
    return covered_categories(user), user.team_id


def routed_to_someone_else(user_id: int, chat: dict[str, Any]) -> bool:
    """For a routed agent's socket: a broadcast chat neither in their hands nor offered to them."""
    if chat.get("agent_id") == user_id:
        return False
    return not (chat.get("status") == ChatStatus.QUEUED and chat.get("offered_to") == user_id)


def scope_allows(scope: tuple[list[str] | None, int | None], category: str, team_id: int | None) -> bool:
    """Mirror of tickets.policies.visible_tickets for one chat: a restricted agent sees covered categories and
    chats routed to their own team."""
    categories, own_team = scope
    return categories is None or category in categories or (team_id is not None and team_id == own_team)
