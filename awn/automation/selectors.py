"""Reads of automation: rules in their order, one rule for the management pages."""

from __future__ import annotations

from collections.abc import Sequence

from awn.accounts.enums import STAFF_ROLES
from awn.accounts.models import User
from awn.core.errors import NotFound

from .models import Rule


def rule_for_admin(pk: int) -> Rule:
    rule = Rule.objects.filter(pk=pk).first()
    if rule is None:
        raise NotFound()
    return rule


def rules_in_order(triggers: Sequence[str] = ()) -> list[Rule]:
    qs = Rule.objects.order_by("trigger", "position", "id")
    return list(qs.filter(trigger__in=triggers) if triggers else qs)


def staff_for_rules(limit: int = 300) -> list[tuple[int, str]]:
    """Active staff members (number, name) for the rule form's reference list."""
    users = User.objects.filter(is_active=True, role__in=STAFF_ROLES).order_by("username")[:limit]
    return [(u.pk, u.get_full_name() or u.username) for u in users]
