"""Reads of automation: rules in their order, one rule for the management pages."""

from __future__ import annotations

from collections.abc import Sequence

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
