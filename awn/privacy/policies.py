"""Who may read the access audit: supervisors and admins (active staff)."""

from __future__ import annotations

from awn.accounts.models import User
from awn.accounts.policies import is_staff_member, is_supervisor


def can_search_audit(user: User) -> bool:
    return is_staff_member(user) and is_supervisor(user)
