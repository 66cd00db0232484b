"""Writes of saved views: validate, then one write. Changing or deleting another user's view is "not found"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from awn.accounts.models import Team, User
from awn.core.errors import NotFound, ValidationError, required_text
from awn.core.ids import is_id
from awn.tickets.enums import Category, Channel, Priority, Status
from awn.tickets.selectors import QUEUES, SORTS

from .models import NAME_MAX, SavedView
from .policies import can_change_view, can_share_views

MAX_VIEWS_PER_OWNER = 30
FILTER_MAX = 200
_CHOICES: dict[str, Any] = {"status": Status, "priority": Priority, "category": Category, "channel": Channel}
FILTERS = (*_CHOICES, "team", "q")


def clean_filters(filters: Mapping[str, Any]) -> dict[str, str]:
    """The queue's filters a view keeps: known names with valid values; empty ones dropped."""
    clean: dict[str, str] = {}
    for name, raw in filters.items():
        value = str(raw if raw is not None else "").replace("\x00", "").strip()
        if not value:
            continue
        if name not in FILTERS:
            raise ValidationError(_("Unknown filter."), field="filters")
        valid = (
            value in _CHOICES[name].values
            if name in _CHOICES
            else (is_id(value) or value == "none")
            if name == "team"
            else len(value) <= FILTER_MAX
        )
        if not valid:
            raise ValidationError(_("A filter of this view is not valid."), field="filters")
        clean[name] = value
    return clean


def _team(actor: User, team_id: Any) -> Team | None:
    if team_id in (None, ""):
        return None
    if not can_share_views(actor):
        raise ValidationError(_("Only a supervisor can share a view with a team."), field="team")
    team = Team.objects.filter(pk=int(team_id)).first() if is_id(str(team_id)) else None
    if team is None:
        raise ValidationError(_("Choose an existing team."), field="team")
    return team


@transaction.atomic
def saved_view_create(
    *, actor: User, name: Any, queue: Any, sort: Any, filters: Mapping[str, Any], team_id: Any = None
) -> SavedView:
    clean_name = required_text(str(name or ""), field="name", label=_("The name"), max_length=NAME_MAX)
    if queue not in QUEUES or sort not in SORTS:
        raise ValidationError(_("A filter of this view is not valid."), field="filters")
    clean = clean_filters(filters)
    team = _team(actor, team_id)
    mine = SavedView.objects.select_for_update().filter(owner=actor)
    if mine.filter(name=clean_name).exists():
        raise ValidationError(_("You already have a view with this name."), field="name")
    if mine.count() >= MAX_VIEWS_PER_OWNER:
        raise ValidationError(
            _("You have too many saved views (at most 30): delete one first."), field="name"
        )
    return SavedView.objects.create(
        owner=actor, name=clean_name, team=team, queue=queue, sort=sort, filters=clean
    )


@transaction.atomic
def saved_view_delete(*, actor: User, view: SavedView) -> None:
    if not can_change_view(actor, view):
        raise NotFound()
    SavedView.objects.filter(pk=view.pk).delete()
