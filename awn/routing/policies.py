"""Who may do what with routing and workforce planning."""

from __future__ import annotations

from awn.accounts.models import User
from awn.accounts.policies import is_supervisor


def can_plan_staffing(user: User) -> bool:
    """Supervisors and admins see the forecast and the what-if page and enter known peaks."""
    return bool(user.is_authenticated and user.is_active and is_supervisor(user))
