"""Reads of saved views: the ones an agent may use, and their badges' counts (each a LIMITed scan, as the queue's
tab counts; the workspace caches them with those counts)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from awn.accounts.models import User
from awn.core.errors import NotFound
from awn.tickets.selectors import QUEUE_COUNT_CAP, queue_match_count

from .models import SavedView
from .policies import visible_views

MAX_SHOWN = 20


@dataclass(frozen=True)
class ViewBadge:
    id: int
    name: str
    query: str  # the queue's query string for this view
    count: int  # capped at QUEUE_COUNT_CAP + 1 ("1000+")
    shared: bool
    mine: bool

    @property
    def capped(self) -> bool:
        return self.count > QUEUE_COUNT_CAP


def view_query(view: SavedView) -> str:
    return urlencode({"queue": view.queue, "sort": view.sort, **view.filters, "view": view.pk})


def view_for(user: User, pk: int) -> SavedView:
    view = visible_views(user).filter(pk=pk).first()
    if view is None:
        raise NotFound()
    return view


def views_for(user: User, limit: int = MAX_SHOWN) -> list[SavedView]:
    """The user's own views, then those shared with their team, by name: one query."""
    return sorted(visible_views(user)[:limit], key=lambda v: (v.owner_id != user.pk, v.name, v.pk))


def view_badges(user: User, limit: int = MAX_SHOWN) -> list[ViewBadge]:
    """Each view with its count: one query for the views, one LIMITed count per view (at most `limit`)."""
    return [
        ViewBadge(
            id=view.pk,
            name=view.name,
            query=view_query(view),
            count=queue_match_count(user, queue=view.queue, filters=view.filters),
            shared=view.team_id is not None,
            mine=view.owner_id == user.pk,
        )
        for view in views_for(user, limit)
    ]
