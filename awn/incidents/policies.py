"""Who may run surge mode: supervisors and admins declare incidents, link tickets and broadcast."""

from __future__ import annotations

from awn.accounts.models import User
from awn.accounts.policies import is_supervisor
from awn.tickets.policies import can_view_ticket

from .models import Incident


def can_manage_incidents(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and is_supervisor(user))


def can_manage_incident(user: User, incident: Incident) -> bool:
    """Per object: every incident is the whole center's, so a supervisor or an admin may act on any of them; an
    outsourced team's supervisor would need its categories (checked through the problem ticket's visibility)."""
    return can_manage_incidents(user) and can_view_ticket(user, incident.problem)
