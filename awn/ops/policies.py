"""Who may read operational data."""

from __future__ import annotations

import hmac
from typing import Any

from django.conf import settings

from awn.accounts.policies import is_staff_member, is_supervisor


def can_see_operations(user: Any) -> bool:
    """Supervisors and admins see the operations page; agents and customers do not."""
    return bool(user.is_authenticated and user.is_active and is_supervisor(user))


def can_read_metrics(user: Any, bearer_token: str) -> bool:
    """A scraper with the configured bearer token (AWN_METRICS_TOKEN; none configured = no token works), or a
    supervisor's or admin's session."""
    expected = str(getattr(settings, "AWN_METRICS_TOKEN", ""))
    if expected and bearer_token and hmac.compare_digest(expected.encode(), bearer_token.encode()):
        return True
    return can_see_operations(user)


def can_see_failed_deliveries(user: Any) -> bool:
    """Every active staff member sees the replies that were not delivered, on the tickets they may see."""
    return bool(user.is_authenticated and user.is_active and is_staff_member(user))
