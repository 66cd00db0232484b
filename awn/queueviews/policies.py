"""Who sees and who changes a saved view: its owner; a shared one also every member of its team (read only).
Anyone else gets "not found", never "forbidden" (no existence leak)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from awn.accounts.models import User
from awn.accounts.policies import is_staff_member, is_supervisor

from .models import SavedView


def visible_views(user: User) -> QuerySet[SavedView]:
    if not is_staff_member(user):
        return SavedView.objects.none()
    shared = Q(team_id=user.team_id) if user.team_id else Q(pk__in=[])
    return SavedView.objects.filter(Q(owner_id=user.pk) | shared)


def can_change_view(user: User, view: SavedView) -> bool:
    return is_staff_member(user) and view.owner_id == user.pk


def can_share_views(user: User) -> bool:
    return is_supervisor(user)
