"""Who may manage automation rules and macros."""

from __future__ import annotations

from awn.accounts.models import User
from awn.accounts.policies import is_supervisor


def can_manage_rules(user: User) -> bool:
    """Supervisors and admins see, write, test, export and import rules; agents and customers do not."""
    return bool(user.is_authenticated and user.is_active and is_supervisor(user))
