"""Who may run proactive outreach: supervisors and admins (segments, campaigns, their statistics)."""

from __future__ import annotations

from awn.accounts.models import User
from awn.accounts.policies import is_supervisor


def can_manage_outreach(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and is_supervisor(user))
