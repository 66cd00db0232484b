"""Who may read the reports, and which teams' figures they see (follows tickets.policies: an outsourced team sees
only its own work)."""

from __future__ import annotations

from awn.accounts.enums import Role
from awn.accounts.models import User


def can_view_reports(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in (Role.SUPERVISOR, Role.ADMIN))


def restricted_team_id(user: User) -> int | None:
    """The one team whose figures this user may see, or None for every team: a supervisor of an outsourced
    (vendor) team sees only that team's tickets; in-house and hybrid supervisors and admins see all."""
    if user.role == Role.ADMIN:
        return None
    team = user.team
    if team is not None and team.is_restricted:
        return team.pk
    return None
