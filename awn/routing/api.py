"""Routing API: the live waits for a wallboard (/api/v1/routing/waits), staff only."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.http import HttpRequest
from ninja import Router, Schema

from awn.accounts.models import User
from awn.accounts.policies import is_staff_member
from awn.core.errors import PermissionDenied

from .selectors import live_waits, state_counts

router = Router(tags=["routing"])


class WaitOut(Schema):
    group: str
    waiting: int
    agents: int
    slots: int
    busy: int
    next_wait_seconds: int | None
    oldest_waiting_since: datetime | None
    planning_asa_seconds: float | None


class WaitsOut(Schema):
    agents_online: int
    agents_away: int
    groups: list[WaitOut]


@router.get("/waits", response=WaitsOut, summary="Live waits per channel group (chats, calls, tickets)")
def waits(request: HttpRequest) -> dict[str, Any]:
    """What a wallboard shows: per group the line, the agents available and their slots, the estimated wait of a
    contact arriving now, the oldest waiting, and Erlang C's ASA for the last hour's arrivals. Staff only."""
    if not is_staff_member(cast(User, request.user)):
        raise PermissionDenied()
    counts = state_counts()
    return {
        "agents_online": counts["online"],
        "agents_away": counts["away"],
        "groups": [row.__dict__ for row in live_waits()],
    }
