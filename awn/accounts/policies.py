"""Who may do what. Object-level checks live with each domain (tickets/policies.py, crm/policies.py)."""

from __future__ import annotations

from .enums import Role
from .models import User


def is_staff_member(user: User) -> bool:
    return bool(
        user.is_authenticated and user.is_active and user.role in (Role.AGENT, Role.SUPERVISOR, Role.ADMIN)
    )


def is_supervisor(user: User) -> bool:
    return bool(user.is_authenticated and user.role in (Role.SUPERVISOR, Role.ADMIN))


def covered_categories(user: User) -> list[str] | None:
    """Categories a staff member is limited to, or None for no limit. Outsourced teams are closed by default."""
    if user.role in (Role.SUPERVISOR, Role.ADMIN):
        return None
    team = user.team
    if team is None or not team.is_restricted:
        return None
    return list(team.categories)
