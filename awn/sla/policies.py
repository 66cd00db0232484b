"""Who may do what with business calendars."""

from __future__ import annotations

from awn.accounts.models import User
from awn.accounts.policies import is_supervisor


def can_manage_calendars(user: User) -> bool:
    """Supervisors and admins see and edit calendars, overrides and holidays; agents and customers do not."""
    return bool(user.is_active and is_supervisor(user))
